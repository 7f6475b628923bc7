/* SPDX-License-Identifier: MIT */
/* /proc/<pid>/cgroup: the unified hierarchy's line is "0::<path>"
 * (Documentation/admin-guide/cgroup-v2.rst, "Processes"). A host without it
 * has no cgroup v2 hierarchy for the process. */
#pragma once

#include <sys/types.h>

#include "error.h"

/* Find the "0::" line. *ret_path is malloc'd. -ENODATA when there is no such
 * line (cgroup v1 only), -EINVAL for a malformed line. */
int parse_proc_cgroup_buf(const char *buf, char **ret_path);

/* Read <proc_fd>/<pid>/cgroup and parse it. -ENOENT (with err) when the
 * process does not exist. */
int proc_read_cgroup(int proc_fd, pid_t pid, char **ret_path, struct mq_error *err);
