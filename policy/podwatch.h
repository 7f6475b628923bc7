/* SPDX-License-Identifier: MIT */
/* Which pods' memory.events changed since the agent last read them.
 *
 * The agent holds an inotify watch on each pod's memory.events (cgroup-v2.rst:
 * "a value change in this file generates a file modified event"; the kernel
 * notifies every ancestor of the cgroup that counted the event). A file with
 * no event since it was read holds what was read, so a wakeup need not read
 * it again. This map goes from a watch descriptor to its pod and keeps one
 * "changed" flag per pod. A pod it does not know counts as changed: a new pod,
 * a watch that failed, or events lost to an inotify queue overflow. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kubepath.h"

struct mq_podwatch_entry {
        int wd;
        bool changed;
        char uid[MQ_POD_UID_MAX];
};

struct mq_podwatch {
        size_t n;
        struct mq_podwatch_entry *by_uid; /* sorted by uid */
        size_t *by_wd;                    /* indexes into by_uid, sorted by wd */
        bool all_changed;                 /* events were lost: every pod counts as changed */
};

/* Replace the map with n (wd, uid) pairs (wd < 0: no watch, left out). A pod
 * already mapped to the same wd keeps its flag; any other starts changed,
 * since its file may have changed between the last read and the watch.
 * -ENOMEM leaves the map as it was. */
int mq_podwatch_set(struct mq_podwatch *w, const int *wds, const char (*uids)[MQ_POD_UID_MAX],
                    size_t n);

/* Add one pod's watch (a pod created since the map was set), flagged
 * changed; a uid already mapped takes the new wd. -ENOMEM leaves the map as
 * it was. */
int mq_podwatch_add(struct mq_podwatch *w, int wd, const char *uid);

/* Forget a pod (its cgroup was removed). */
void mq_podwatch_remove(struct mq_podwatch *w, const char *uid);

/* An inotify event on wd: flag its pod. False when wd is no pod's. */
bool mq_podwatch_mark(struct mq_podwatch *w, int wd);

/* Must the pod's memory.events be read again? */
bool mq_podwatch_changed(const struct mq_podwatch *w, const char *uid);

/* The pod's file was just read (after the events up to now were drained). */
void mq_podwatch_clear(struct mq_podwatch *w, const char *uid);

/* Every pod's file was just read: a full scan. */
void mq_podwatch_clear_all(struct mq_podwatch *w);

void mq_podwatch_done(struct mq_podwatch *w);
