/* SPDX-License-Identifier: MIT */
/* memory.current of each pod through an fd kept open (curfd.c). */
#pragma once

#include "core/agent.h"

/* Raise the soft RLIMIT_NOFILE to the hard limit: one fd per pod. */
void curfd_raise_nofile(void);
/* Read the pod's memory.current (opening its fd on first use). -ENOENT or
 * -ENODEV when the pod is gone (its fd is then closed). */
int curfd_read(struct agent *a, const struct mq_pod *pod, uint64_t *ret);
/* memory.current of any cgroup (path from the cgroup root) by path: open,
 * read, close. */
int curfd_read_path(const struct agent *a, const char *cgroup, uint64_t *ret);
/* Close the pod's fd (the pod was removed). */
void curfd_forget(struct agent *a, const char *uid);
/* After a full scan: keep the fds of the pods it found, open the missing,
 * close the rest. */
void curfd_sync(struct agent *a, const struct mq_snapshot *s);
void curfd_close_all(struct agent *a);
