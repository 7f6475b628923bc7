/* SPDX-License-Identifier: MIT */
/* Kernel OOM kills, found by comparing two snapshots: a pod's memory.events
 * oom_kill counts every task the kernel OOM killer killed in it, whether the
 * pod (or one of its containers) hit its own memory.max or the whole node ran
 * out; "oom" counts only the first (mem_cgroup_out_of_memory(), cgroup-v2.rst
 * "memory.events"; both are hierarchical). /proc/vmstat oom_kill counts every
 * kill on the node, in a pod or not. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"

enum mq_oom_scope {
        MQ_OOM_CGROUP = 0, /* the pod or a container reached its memory.max */
        MQ_OOM_NODE,       /* the node ran out: the global OOM killer chose it */
};
const char *mq_oom_scope_name(enum mq_oom_scope s); /* "cgroup", "node" */

/* A pod's figures at one read: what an explanation quotes. */
struct mq_pod_figures {
        uint64_t current, anon, file, shmem, inactive_file;
        uint64_t min, low, high, max;
};
void mq_pod_figures_of(const struct mq_pod *p, struct mq_pod_figures *ret);
/* memory.current less inactive_file, as the kubelet and `kubectl top` do. */
uint64_t mq_pod_figures_working_set(const struct mq_pod_figures *f);

/* Each pod's OOM counters and figures as of the last check, in the
 * snapshot's order: the agent refreshes its snapshot in place, so the last
 * snapshot is not there to compare with. */
struct mq_oom_seen {
        char uid[MQ_POD_UID_MAX];
        uint64_t oom, oom_kill;
        struct mq_pod_figures fig;
};
struct mq_oom_baseline {
        size_t n, cap;
        struct mq_oom_seen *v;
        uint64_t taken_ms; /* the snapshot's now_ms */
};
/* Replace *b with snap's pods. -ENOMEM with *b unchanged. */
int mq_oom_baseline_take(const struct mq_snapshot *snap, struct mq_oom_baseline *b);
void mq_oom_baseline_done(struct mq_oom_baseline *b);

struct mq_oom_kill {
        size_t pod; /* index in next->pods */
        bool known; /* the pod was in the baseline: before is its last read */
        struct mq_pod_figures before;
        uint64_t kills; /* tasks killed since the baseline (oom_kill delta) */
        enum mq_oom_scope scope;
};

struct mq_oom_kills {
        size_t n, cap;
        struct mq_oom_kill *v;
};
void mq_oom_kills_done(struct mq_oom_kills *k);

/* The pods of next whose oom_kill rose since the baseline (a pod new in
 * next counts from 0). Only pods with a non-zero counter are looked up.
 * -ENOMEM with *ret unchanged. */
int mq_oom_kills_find(const struct mq_oom_baseline *prev, const struct mq_snapshot *next,
                      struct mq_oom_kills *ret);

/* Tasks killed in pods: the sum of k's kills. */
uint64_t mq_oom_kills_total(const struct mq_oom_kills *k);

/* How long a kill counted by kubepods or /proc/vmstat may wait for its pod
 * to be read: the agent reads a pod's changed memory.events at most once a
 * second (MQ_LIVELOCK_SAMPLE_MS), so 2 s covers it with a margin. */
#define MQ_OOM_PATIENCE_MS 2000

/* Node-wide kills no pod accounts for (a victim outside kubepods, or a pod
 * already gone): the /proc/vmstat oom_kill count less the kills found in
 * pods. The pod's count may show up to MQ_OOM_PATIENCE_MS after the node's:
 * the difference is carried over, and reported as kills outside pods only
 * once it has stayed positive that long. */
struct mq_oom_balance {
        int64_t balance;   /* node kills - pod kills since the baseline, not yet reported */
        uint64_t since_ms; /* when it became positive, 0 when it is not */
};
/* Add one check's figures; returns the kills to report as outside pods. */
uint64_t mq_oom_balance_step(struct mq_oom_balance *b, uint64_t node_kills, uint64_t pod_kills,
                             uint64_t now_ms);

/* Searching every pod for kills costs a walk over the whole snapshot;
 * kubepods' own memory.events oom_kill counts every kill in every pod (the
 * counters are hierarchical), so the pods are searched only while it is
 * ahead of the kills found. A kill whose pod is not read yet keeps the gate
 * open for MQ_OOM_PATIENCE_MS; then (the pod went before it was read) the
 * rest is left to the /proc/vmstat balance. */
struct mq_oom_gate {
        uint64_t accounted; /* kubepods' oom_kill the searches explained */
        uint64_t since_ms;  /* the first search that found too few, 0 if none */
};
bool mq_oom_gate_open(const struct mq_oom_gate *g, uint64_t kubepods_kills);
void mq_oom_gate_searched(struct mq_oom_gate *g, uint64_t kubepods_kills, uint64_t found,
                          uint64_t now_ms);

/* oom_kill from /proc/vmstat text (4.13+); -ENOENT when absent, -EINVAL
 * when malformed. */
int parse_vmstat_oom_kill_buf(const char *buf, uint64_t *ret);
