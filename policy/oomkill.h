/* SPDX-License-Identifier: MIT */
/* Kernel OOM kills, found by comparing two snapshots: a pod's memory.events
 * oom_kill counts every task the kernel OOM killer killed in it, whether the
 * pod (or one of its containers) hit its own memory.max or the whole node ran
 * out; "oom" counts only the first (mem_cgroup_out_of_memory(), cgroup-v2.rst
 * "memory.events"; both are hierarchical). /proc/vmstat oom_kill counts every
 * kill on the node, in a pod or not. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "decide.h"

enum mq_oom_scope {
        MQ_OOM_CGROUP = 0, /* the pod or a container reached its memory.max */
        MQ_OOM_NODE,       /* the node ran out: the global OOM killer chose it */
};
const char *mq_oom_scope_name(enum mq_oom_scope s); /* "cgroup", "node" */

struct mq_oom_kill {
        size_t pod;     /* index in next->pods */
        long prev;      /* index in prev->pods, -1 when the pod is new */
        uint64_t kills; /* tasks killed since prev (oom_kill delta) */
        enum mq_oom_scope scope;
};

struct mq_oom_kills {
        size_t n, cap;
        struct mq_oom_kill *v;
};
void mq_oom_kills_done(struct mq_oom_kills *k);

/* The pods of next whose oom_kill rose since prev (a pod new in next counts
 * from 0). Only pods with a non-zero counter are looked up in prev, so the
 * cost is the pods ever OOM-killed times the pods, not the pods squared.
 * -ENOMEM with *ret unchanged. */
int mq_oom_kills_find(const struct mq_snapshot *prev, const struct mq_snapshot *next,
                      struct mq_oom_kills *ret);

/* Tasks killed in pods: the sum of k's kills. */
uint64_t mq_oom_kills_total(const struct mq_oom_kills *k);

/* Node-wide kills no pod accounts for (a victim outside kubepods, or a pod
 * already gone): the /proc/vmstat oom_kill count less the kills found in
 * pods. The two are read at different moments, so a kill may show in one
 * a check before the other: the difference is carried over, and kills
 * outside pods are reported only when it stayed positive over two checks. */
struct mq_oom_balance {
        int64_t balance; /* node kills - pod kills since the baseline, not yet reported */
        bool pending;    /* it was positive at the last check */
};
/* Add one check's figures; returns the kills to report as outside pods. */
uint64_t mq_oom_balance_step(struct mq_oom_balance *b, uint64_t node_kills, uint64_t pod_kills);

/* oom_kill from /proc/vmstat text (4.13+); -ENOENT when absent, -EINVAL
 * when malformed. */
int parse_vmstat_oom_kill_buf(const char *buf, uint64_t *ret);
