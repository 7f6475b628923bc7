/* SPDX-License-Identifier: MIT */
/* inotify: memory.events of the kubepods tree and its pods, the kubepods
 * and QoS directories (new pods), and the record directory. */
#include <stdio.h>
#include <sys/inotify.h>

#include "cgfs.h"
#include "kubepath.h"
#include "loop-int.h"
#include "sense/curfd.h"
#include "sense/scan.h"
#include "watch.h"

static int add_watch(struct loop *l, const char *cgpath, const char *file, uint32_t mask) {
        char path[MQ_CGROUP_PATH_MAX + 64];
        int n = snprintf(path, sizeof(path), "%s%s%s%s", l->a->opts.cgroup_root, cgpath,
                         file ? "/" : "", file ? file : "");
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        int wd = inotify_add_watch(l->inofd, path, mask | IN_DONT_FOLLOW);
        return wd < 0 ? negative_errno() : wd;
}

/* Each pod's memory.events, and which pod each watch is for: an event
 * flags its pod's file as changed (policy/podwatch.h). Without memory for
 * the map every pod counts as changed, as before any watch. */
static void watch_pods(struct loop *l) {
        struct agent *a = l->a;
        size_t n = a->snap.n_pods;
        int *wds = calloc(n ? n : 1, sizeof(*wds));
        char(*uids)[MQ_POD_UID_MAX] = calloc(n ? n : 1, sizeof(*uids));
        int r = -ENOMEM;
        if (wds && uids) {
                for (size_t i = 0; i < n; i++) {
                        wds[i] = add_watch(l, a->snap.pods[i].cgroup, "memory.events", IN_MODIFY);
                        memcpy(uids[i], a->snap.pods[i].uid, sizeof(uids[i]));
                }
                r = mq_podwatch_set(&a->events_watch, wds, (const char(*)[MQ_POD_UID_MAX])uids, n);
        }
        free(wds);
        free(uids);
        if (r < 0)
                mq_podwatch_done(&a->events_watch);
}

static void watch_dir(struct loop *l, const char *path) {
        int wd = add_watch(l, path, NULL,
                           IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR);
        if (wd < 0 || mq_dirwatch_add(&l->dirs, wd, path) < 0)
                return;
        (void)add_watch(l, path, "memory.events", IN_MODIFY);
}

/* Watch kubepods and QoS-level directories (new pods appear there) and
 * their memory.events. Before the scan that lists their pods: a pod created
 * after the watch is reported by it, one created before is in the listing
 * (both: it is simply read again), so none falls in between.
 * inotify_add_watch on a watched inode returns the same wd, so this can run
 * again whenever directories may have appeared. */
void watch_dirs(struct loop *l) {
        l->dirs.n = 0;
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++) {
                char root[64];
                (void)snprintf(root, sizeof(root), "/%s", scan_kubepods_roots[i]);
                size_t before = l->dirs.n;
                watch_dir(l, root);
                if (l->dirs.n == before)
                        continue;
                for (size_t q = 0; q < ELEMENTSOF(scan_qos_dirs); q++) {
                        char qos[128];
                        (void)snprintf(qos, sizeof(qos), "%s/%s", root, scan_qos_dirs[q]);
                        watch_dir(l, qos);
                }
        }
}

/* After a full scan: each pod's memory.events. cgroup-v2.rst: "memory.events
 * ... a value change in this file generates a file modified event". */
void watch_all_pods(struct loop *l) {
        watch_pods(l);
        l->rewatch = false;
}

void watch_born(struct loop *l) {
        struct agent *a = l->a;
        for (size_t i = 0; i < a->pod_changes.n; i++) {
                const struct agent_pod_change *c = &a->pod_changes.v[i];
                if (!c->born) {
                        mq_podwatch_remove(&a->events_watch, c->uid);
                        curfd_forget(a, c->uid);
                }
                const struct mq_pod *p = c->born ? scan_find_pod(&a->snap, c->cgroup) : NULL;
                if (!p)
                        continue;
                int wd = add_watch(l, p->cgroup, "memory.events", IN_MODIFY);
                if (wd >= 0)
                        (void)mq_podwatch_add(&a->events_watch, wd, p->uid);
        }
        a->pod_changes.n = 0;
        a->pod_changes.overflow = false;
}

/* A directory appeared in or left a kubepods or QoS directory: a pod is
 * noted for the next refresh; anything else (a QoS directory) calls for a
 * full scan and new watches. */
static void on_dir_event(struct loop *l, const char *dir, const struct inotify_event *ev) {
        struct agent_pod_changes *pc = &l->a->pod_changes;
        struct agent_pod_change c = {.born = ev->mask & (IN_CREATE | IN_MOVED_TO)};
        int r = ev->len && (ev->mask & IN_ISDIR)
                        ? mq_dirwatch_pod(dir, ev->name, c.uid, c.cgroup, sizeof(c.cgroup))
                        : -EINVAL;
        if (r == -EINVAL) {
                l->rewatch = true;
                return;
        }
        if (pc->overflow || grow_array((void **)&pc->v, &pc->cap, pc->n, sizeof(*pc->v), 16) < 0 ||
            pc->n >= AGENT_POD_CHANGES_MAX) {
                pc->overflow = l->rewatch = true;
                return;
        }
        if (r == 0)
                pc->v[pc->n++] = c;
}

static bool on_pod_event(struct loop *l, const struct inotify_event *ev) {
        const char *dir = mq_dirwatch_path(&l->dirs, ev->wd);
        if (dir) {
                /* cgroup v2 refuses rename(2) of a cgroup; moves happen in
                 * fake trees, treated alike. */
                if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM))
                        on_dir_event(l, dir, ev);
                return true;
        }
        (void)mq_podwatch_mark(&l->a->events_watch, ev->wd);
        return !(ev->mask & IN_IGNORED); /* IN_IGNORED: the pod's cgroup is gone */
}

/* Drain inotify; returns the trigger it amounts to (TIMER = nothing). */
enum mq_trigger watch_on_inotify(struct loop *l) {
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
                                /* Events were lost: any pod may have changed. */
                                l->rewatch = l->records_dirty = true;
                                l->a->events_watch.all_changed = true;
                                t = MQ_TRIGGER_EVENTS;
                        } else if (ev->wd == l->records_wd) {
                                l->records_dirty = true;
                                if (mq_trigger_urgency(MQ_TRIGGER_RECORD) > mq_trigger_urgency(t))
                                        t = MQ_TRIGGER_RECORD;
                        } else if (on_pod_event(l, ev))
                                t = MQ_TRIGGER_EVENTS;
                }
        }
        return t;
}
