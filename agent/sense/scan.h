/* SPDX-License-Identifier: MIT */
/* One snapshot of the node: /proc figures and every pod cgroup under the
 * kubepods tree, for both cgroup drivers:
 *   systemd:  /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid>.slice
 *   cgroupfs: /kubepods[/<qos>]/pod<uid>
 * (Guaranteed pods sit directly under kubepods in both.) */
#pragma once

#include "core/agent.h"
#include "meminfo.h"

/* Kubepods roots in the order they are looked for; a node has one. */
extern const char *const scan_kubepods_roots[2];
/* QoS-level directory names under a root, both drivers. */
extern const char *const scan_qos_dirs[4];

/* Read node PSI and /proc/meminfo beneath a->proc_fd (the fds are kept in
 * a). -ENOENT with a message when the kernel has no PSI. */
int scan_node(struct agent *a, struct mq_psi *ret_psi, struct mq_meminfo *ret_mi,
              struct mq_error *err);
/* oom_kill of /proc/vmstat (kept open); -ENOENT before 4.13. */
int scan_vmstat_oom_kill(struct agent *a, uint64_t *ret);
/* /proc/meminfo alone: the watermark timer's one read. */
int scan_meminfo(struct agent *a, struct mq_meminfo *ret, struct mq_error *err);

/* Take a snapshot: node figures, every pod (cgroups vanishing mid-scan are
 * skipped silently), priorities and names from a->recs. */
int scan_snapshot(struct agent *a, enum mq_trigger trigger, struct mq_snapshot *ret,
                  struct mq_error *err);

void snapshot_done(struct mq_snapshot *s);

/* Read memory.min/memory.low of kubepods, its QoS cgroups and every pod of
 * s again: after the agent's propagation changed them, the headroom must
 * count the protection now in force, not the one the scan saw. */
void scan_read_protection(struct agent *a, struct mq_snapshot *s);

/* memory.stat grows with every kernel; /proc/meminfo is ~1.5 KiB. */
#define BIG_FILE_MAX 32768

/* Fill pod (uid and cgroup set) from its cgroup directory fd, big a
 * BIG_FILE_MAX buffer. -ENOENT when the pod went away. */
int scan_read_pod(int fd, struct mq_pod *pod, char *big);
/* The pod of s whose cgroup path is cgroup, or NULL. */
const struct mq_pod *scan_find_pod(const struct mq_snapshot *s, const char *cgroup);
/* A pod before its files are read: uid, cgroup path (from the cgroup
 * root, with a leading "/"), QoS class from the path, record defaults. */
void scan_pod_init(struct mq_pod *p, const char *uid, const char *cgroup);
/* Priority, name and memory.high sum from the records of the pod's containers. */
void scan_apply_records_pod(const struct agent_records *recs, struct mq_pod *p);
/* The part of it the emergency throttle needs: memory.current, memory.stat
 * and the four limits (6 files of a full read's ~13 and its containers). */
int scan_read_pod_limits(int fd, struct mq_pod *pod, char *big);
