/* SPDX-License-Identifier: MIT */
/* inotify: memory.events of the kubepods tree and its pods, the kubepods
 * and QoS directories (new pods), and the record directory. */
#include <stdio.h>
#include <sys/inotify.h>

#include "cgfs.h"
#include "loop-int.h"
#include "scan.h"

static int add_watch(struct loop *l, const char *cgpath, const char *file, uint32_t mask) {
        char path[MQ_CGROUP_PATH_MAX + 64];
        int n = snprintf(path, sizeof(path), "%s%s%s%s", l->a->opts.cgroup_root, cgpath,
                         file ? "/" : "", file ? file : "");
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        int wd = inotify_add_watch(l->inofd, path, mask | IN_DONT_FOLLOW);
        return wd < 0 ? negative_errno() : wd;
}

/* Watch kubepods and QoS-level directories (new pods appear there) and
 * their memory.events; then each pod's memory.events. cgroup-v2.rst:
 * "memory.events ... a value change in this file generates a file modified
 * event". inotify_add_watch on a watched inode returns the same wd, so this
 * can run again whenever pods may have appeared. */
void rewatch(struct loop *l) {
        const uint32_t dirmask = IN_CREATE | IN_DELETE | IN_ONLYDIR;
        l->n_dir_wds = 0;
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++) {
                char root[64];
                (void)snprintf(root, sizeof(root), "/%s", scan_kubepods_roots[i]);
                int wd = add_watch(l, root, NULL, dirmask);
                if (wd < 0)
                        continue;
                l->dir_wds[l->n_dir_wds++] = wd;
                (void)add_watch(l, root, "memory.events", IN_MODIFY);
                for (size_t q = 0; q < ELEMENTSOF(scan_qos_dirs); q++) {
                        char qos[128];
                        (void)snprintf(qos, sizeof(qos), "%s/%s", root, scan_qos_dirs[q]);
                        wd = add_watch(l, qos, NULL, dirmask);
                        if (wd < 0)
                                continue;
                        if (l->n_dir_wds < ELEMENTSOF(l->dir_wds))
                                l->dir_wds[l->n_dir_wds++] = wd;
                        (void)add_watch(l, qos, "memory.events", IN_MODIFY);
                }
        }
        for (size_t i = 0; i < l->a->snap.n_pods; i++)
                (void)add_watch(l, l->a->snap.pods[i].cgroup, "memory.events", IN_MODIFY);
        l->rewatch = false;
}

/* Drain inotify; returns the trigger it amounts to (TIMER = nothing). */
enum mq_trigger on_inotify(struct loop *l) {
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        enum mq_trigger t = MQ_TRIGGER_TIMER;
        for (;;) {
                ssize_t n = read(l->inofd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        p += sizeof(*ev) + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                l->rewatch = l->records_dirty = true;
                                t = MQ_TRIGGER_EVENTS;
                                continue;
                        }
                        if (ev->wd == l->records_wd) {
                                l->records_dirty = true;
                                if (urgency(MQ_TRIGGER_RECORD) > urgency(t))
                                        t = MQ_TRIGGER_RECORD;
                                continue;
                        }
                        for (size_t i = 0; i < l->n_dir_wds; i++)
                                if (ev->wd == l->dir_wds[i])
                                        l->rewatch = true;
                        if (ev->mask & IN_IGNORED)
                                continue; /* the pod's cgroup is gone */
                        t = MQ_TRIGGER_EVENTS;
                }
        }
        return t;
}
