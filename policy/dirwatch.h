/* SPDX-License-Identifier: MIT */
/* The directories where pod cgroups appear (the kubepods roots and their
 * QoS directories) by inotify watch descriptor, and what a directory
 * created in or removed from one of them means. The agent holds the
 * watches (agent/loop/watch.c); this is the map and the naming rule, fed by
 * tests. */
#pragma once

#include <stddef.h>

#include "kubepath.h"

#define MQ_DIRWATCH_MAX      10  /* 2 kubepods roots and their 4 QoS directories */
#define MQ_DIRWATCH_PATH_MAX 128 /* "/kubepods.slice/kubepods-besteffort.slice" */

struct mq_dirwatch {
        size_t n;
        struct mq_dirwatch_entry {
                int wd;
                char path[MQ_DIRWATCH_PATH_MAX]; /* cgroup path, as mq_pod.cgroup */
        } v[MQ_DIRWATCH_MAX];
};

/* wd watches the directory at cgroup path. A wd already held takes the new
 * path (inotify_add_watch returns the same wd for the same inode).
 * -ENOSPC: the map is full; -ENAMETOOLONG: path does not fit; -EINVAL:
 * wd < 0. The map is unchanged on error. */
int mq_dirwatch_add(struct mq_dirwatch *m, int wd, const char *path);

/* The directory wd watches; NULL when wd is not one of them (a pod's
 * memory.events watch, say). */
const char *mq_dirwatch_path(const struct mq_dirwatch *m, int wd);

/* A directory named name came or went in the watched directory dir. When
 * name is a pod's cgroup (kubepath.h: cgroupfs "pod<uid>" or systemd
 * "kubepods-<qos>-pod<uid>.slice"), its uid and cgroup path "<dir>/<name>".
 * -EINVAL: not a pod (a QoS directory or anything else: the caller takes a
 * full scan); -ENAMETOOLONG: the path does not fit in size. Outputs are
 * written only on success. */
int mq_dirwatch_pod(const char *dir, const char *name, char ret_uid[static MQ_POD_UID_MAX],
                    char *ret_cgroup, size_t size);
