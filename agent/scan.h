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
