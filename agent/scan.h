/* SPDX-License-Identifier: MIT */
/* One snapshot of the node: /proc figures and every pod cgroup under the
 * kubepods tree, for both cgroup drivers:
 *   systemd:  /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid>.slice
 *   cgroupfs: /kubepods[/<qos>]/pod<uid>
 * (Guaranteed pods sit directly under kubepods in both.) */
#pragma once

#include "agent.h"
#include "meminfo.h"

/* Kubepods roots in the order they are looked for; a node has one. */
extern const char *const scan_kubepods_roots[2];
/* QoS-level directory names under a root, both drivers. */
extern const char *const scan_qos_dirs[4];

/* Read node PSI and /proc/meminfo beneath proc_fd. -ENOENT with a message
 * when the kernel has no PSI. */
int scan_node(int proc_fd, struct mq_psi *ret_psi, struct mq_meminfo *ret_mi, struct mq_error *err);

/* Take a snapshot: node figures, every pod (cgroups vanishing mid-scan are
 * skipped silently), priorities and names from a->recs. */
int scan_snapshot(struct agent *a, enum mq_trigger trigger, struct mq_snapshot *ret,
                  struct mq_error *err);

void snapshot_done(struct mq_snapshot *s);

/* memory.stat grows with every kernel; /proc/meminfo is ~1.5 KiB. */
#define BIG_FILE_MAX 32768

/* Fill pod (uid and cgroup set) from its cgroup directory fd, big a
 * BIG_FILE_MAX buffer. -ENOENT when the pod went away. */
int scan_read_pod(int fd, struct mq_pod *pod, char *big);

/* The fast path of a pressure wakeup (refresh.c): a copy of a->snap, taken
 * less than SCAN_FRESH_MS ago, with fresh node figures and fresh files for
 * the pods the decision can act on. -EAGAIN when a full scan is needed. */
#define SCAN_FRESH_MS 2000
int scan_refresh(struct agent *a, enum mq_trigger trigger, struct mq_snapshot *ret,
                 struct mq_error *err);
