/* SPDX-License-Identifier: MIT */
/* Writing a plan into a container's cgroup, with roll-back. */
#pragma once

#include "plan.h"

struct apply_result {
        bool written[_MQ_KNOB_MAX];
        bool missing[_MQ_KNOB_MAX]; /* the kernel lacks the file: skipped */
};

/* Write every set knob of plan into cg_fd in mq_plan_write_order. A knob
 * file the kernel lacks (-ENOENT) is skipped and reported in *ret. Any other
 * failure restores the files already written to their previous values and
 * returns the error, with err naming the file and value. */
int apply_plan(int cg_fd, const struct mq_plan *plan, struct apply_result *ret,
               struct mq_error *err);

/* The container's own cgroup for the path in /proc/<pid>/cgroup. crun, with
 * systemd cgroups on v2, moves the container process into a "container"
 * sub-cgroup of the scope it configured (its run.oci.systemd.subgroup
 * default), while the limits (memory.max) stay on the scope: the knobs belong
 * beside memory.max, so a trailing "/container" under a ".scope" is dropped.
 * Returns a malloc'd path. */
int container_cgroup_path(const char *proc_path, char **ret);
