/* SPDX-License-Identifier: MIT */
/* Reconcile and protection propagation: the slow, periodic duties. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>

#include "act.h"
#include "cgfs.h"
#include "core/log.h"
#include "kubepath.h"
#include "meminfo.h"
#include "propagate.h"
#include "reconcile.h"
#include "sense/records.h"
#include "sense/scan.h"

/* Only the knobs the hook sets are ever re-applied from a record. */

/* The result field of a reconcile or propagate line. */
static void write_result(const struct agent *a, int r, char *buf, size_t size) {
        if (agent_dry_run(a))
                (void)snprintf(buf, size, "dry-run");
        else if (r < 0)
                (void)snprintf(buf, size, "error: %s", strerror(-r));
        else
                (void)snprintf(buf, size, "ok");
}
static const char *const reconcilable[] = {
        "memory.high",      "memory.low",       "memory.min",       "memory.swap.max",
        "memory.swap.high", "memory.oom.group", "memory.zswap.max",
};

static int is_reconcilable(const char *file) {
        for (size_t i = 0; i < ELEMENTSOF(reconcilable); i++)
                if (streq(file, reconcilable[i]))
                        return 1;
        return 0;
}

static const struct mq_pod *pod_of(const struct mq_snapshot *snap, const struct mq_record *rec) {
        char uid[MQ_POD_UID_MAX];
        if (records_pod_uid(rec, uid) < 0)
                return NULL;
        return mq_snapshot_find_pod(snap, uid);
}

static void reconcile_record(struct agent *a, const struct log_timing *t,
                             const struct mq_snapshot *snap, const struct mq_record *rec) {
        _cleanup_close_ int fd = -1;
        if (!rec->cgroup || cgroup_open_beneath(a->cg_fd, rec->cgroup, &fd, NULL) < 0)
                return; /* the container is gone; its record is history */
        for (size_t i = 0; i < rec->n_applied; i++) {
                const char *file = rec->applied[i].key, *want = rec->applied[i].value;
                char have[64];
                if (!file || !want || !is_reconcilable(file))
                        continue;
                if (streq(file, "memory.high") && act_overridden(a, rec->cgroup))
                        continue; /* the livelock guard raised it on purpose */
                if (cgroup_read_file(fd, file, have, sizeof(have)) < 0 || streq(have, want))
                        continue;
                char target[MQ_CGROUP_PATH_MAX + 32], reason[320], result[96];
                (void)snprintf(target, sizeof(target), "%s/%s", rec->cgroup, file);
                (void)snprintf(reason, sizeof(reason),
                               "%s of container %s drifted: the file reads %s, the record "
                               "applied %s",
                               file, rec->id ? rec->id : "?", have, want);
                a->cnt.reconciles++;
                int r = agent_dry_run(a) ? 0 : cgroup_write_file(fd, file, want);
                write_result(a, r, result, sizeof(result));
                log_action(a, t, snap, pod_of(snap, rec), "reconcile", target, want, reason,
                           result);
        }
}

void reconcile_records(struct agent *a, const struct log_timing *t,
                       const struct mq_snapshot *snap) {
        for (size_t i = 0; i < a->recs.n; i++)
                reconcile_record(a, t, snap, &a->recs.v[i]);
}

/* One propagation walk over a kubepods tree: first every cgroup with
 * children and what they claim (nothing written), then, knowing the total
 * against the cap, the writes. */
struct prop_entry {
        char *path;
        struct mq_protection own, sum; /* as read; the sum of the children's bounded claims */
};

struct prop_walk {
        uint64_t cap, page;
        size_t n, alloc;
        struct prop_entry *v;
        int failed;                      /* -ENOMEM: the walk is incomplete, write nothing */
        const struct log_timing *timing; /* the wakeup's, for the log lines */
};

static void prop_walk_done(struct prop_walk *w) {
        for (size_t i = 0; i < w->n; i++)
                free(w->v[i].path);
        free(w->v);
        *w = (struct prop_walk){0};
}

static void read_protection(int fd, struct mq_protection *ret) {
        if (cgroup_read_u64(fd, "memory.min", &ret->min) < 0)
                ret->min = 0;
        if (cgroup_read_u64(fd, "memory.low", &ret->low) < 0)
                ret->low = 0;
}

static void prop_push(struct prop_walk *w, const char *path, const struct mq_protection *own,
                      const struct mq_protection *sum) {
        if (grow_array((void **)&w->v, &w->alloc, w->n, sizeof(*w->v), 64) < 0) {
                w->failed = -ENOMEM;
                return;
        }
        struct prop_entry *e = &w->v[w->n];
        *e = (struct prop_entry){strdup(path), *own, *sum};
        if (!e->path) {
                w->failed = -ENOMEM;
                return;
        }
        w->n++;
}

static uint64_t max_u64(uint64_t a, uint64_t b) {
        return a > b ? a : b;
}

/* No live process in the cgroup's subtree (cgroup.events "populated 0"): a
 * pod cgroup the kubelet has not removed yet, or a QoS level with no pods
 * left. It has nothing to protect, so it claims nothing toward its parent
 * (its own values are left as they are); counted, a leftover's memory.min
 * pushed the claims over the cap and scaled the live pods' share down.
 * Without a readable cgroup.events it counts, as before. */
static bool unpopulated(int fd) {
        char buf[256];
        bool populated;
        return cgroup_read_file(fd, "cgroup.events", buf, sizeof(buf)) >= 0 &&
               cgroup_parse_populated(buf, &populated) == 0 && !populated;
}

/* Post-order: *ret is what this cgroup claims toward its parent, its own
 * value or its children's sum, whichever is larger, bounded by the cap (a
 * "max" anywhere counts as the cap, never as "max"). */
static void prop_collect(struct prop_walk *w, int dfd, const char *path, int depth,
                         struct mq_protection *ret) {
        struct mq_protection own, bounded, sum = {0};
        bool any = false;
        read_protection(dfd, &own);
        bounded = own;
        mq_protection_bound(&bounded, w->cap);
        *ret = bounded;
        if (depth > 6)
                return;

        _cleanup_closedir_ DIR *d = NULL;
        if (cgroup_opendir(dfd, &d) < 0)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                _cleanup_close_ int fd =
                        openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                char sub[MQ_CGROUP_PATH_MAX];
                int n = snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                if (fd < 0 || n < 0 || (size_t)n >= sizeof(sub) || unpopulated(fd))
                        continue;
                struct mq_protection child;
                prop_collect(w, fd, sub, depth + 1, &child);
                mq_protection_add(&sum, &child);
                any = true;
        }
        if (!any)
                return;
        prop_push(w, path, &own, &sum);
        ret->min = max_u64(bounded.min, sum.min);
        ret->low = max_u64(bounded.low, sum.low);
}

/* One value of one cgroup: raised to its children's claims scaled to the
 * cap, never lowered, except that the top cgroup never stays above the cap
 * (whoever put it there: a "max" on kubepods is what the cap prevents). */
static uint64_t need_of(const struct prop_walk *w, uint64_t own, uint64_t sum, uint64_t total,
                        bool top) {
        uint64_t target = mq_protection_scale(sum, total, w->cap, w->page);
        if (top && own > w->cap)
                own = w->cap;
        return max_u64(own, target);
}

static void write_need(struct agent *a, const struct mq_snapshot *snap, const struct prop_walk *w,
                       const char *path, const char *file, uint64_t have, uint64_t sum,
                       uint64_t total, bool top) {
        uint64_t need = need_of(w, have, sum, total, top);
        if (need == have)
                return;
        char target[600], value[24], reason[900], result[96], s[24], c[24];
        (void)snprintf(target, sizeof(target), "%s/%s", path, file);
        cgroup_format_u64(need, value);
        cgroup_format_u64(sum, s);
        cgroup_format_u64(w->cap, c);
        if (total > w->cap)
                (void)snprintf(reason, sizeof(reason),
                               "children of %s carry %s of %s in total; the pods' total is above "
                               "the propagation cap (%s), so the value is scaled to fit it",
                               path, s, file, c);
        else if (need < have)
                (void)snprintf(reason, sizeof(reason),
                               "%s of %s is above the propagation cap (%s); lowered to it", file,
                               path, c);
        else
                (void)snprintf(reason, sizeof(reason),
                               "children of %s carry %s of %s in total; a child's protection is "
                               "capped by its parent's",
                               path, s, file);
        a->cnt.propagations++;
        _cleanup_close_ int fd = -1;
        int r = agent_dry_run(a) ? 0 : cgroup_open_beneath(a->cg_fd, path, &fd, NULL);
        if (r >= 0 && !agent_dry_run(a))
                r = cgroup_write_u64(fd, file, need);
        write_result(a, r, result, sizeof(result));
        log_action(a, w->timing, snap, NULL, "propagate", target, value, reason, result);
}

static void prop_write(struct agent *a, const struct mq_snapshot *snap, const struct prop_walk *w,
                       const struct prop_entry *e, const struct mq_protection *total, bool top) {
        write_need(a, snap, w, e->path, "memory.min", e->own.min, e->sum.min, total->min, top);
        write_need(a, snap, w, e->path, "memory.low", e->own.low, e->sum.low, total->low, top);
}

/* The one line that says the cap held the pods' claims back. */
static void log_cap(struct agent *a, const struct mq_snapshot *snap, const char *root,
                    const struct prop_walk *w, const struct mq_protection *total,
                    uint64_t mem_total) {
        char target[80], value[24], reason[700], tmin[24], tlow[24], mt[24];
        (void)snprintf(target, sizeof(target), "%s/memory.min", root);
        cgroup_format_u64(w->cap, value);
        cgroup_format_u64(total->min, tmin);
        cgroup_format_u64(total->low, tlow);
        cgroup_format_u64(mem_total, mt);
        (void)snprintf(reason, sizeof(reason),
                       "the pods under %s claim %s of memory.min and %s of memory.low (a child's "
                       "max counts as the cap), above the propagation cap of %s (%u%% of "
                       "MemTotal %s, node policy %s): scaled the ancestors' values to the cap",
                       root, tmin, tlow, value, a->policy.max_share_pct, mt, a->policy.source);
        log_action(a, w->timing, snap, NULL, "propagate-cap", target, value, reason,
                   agent_dry_run(a) ? "dry-run" : "ok");
}

static uint64_t node_mem_total(struct agent *a, const struct mq_snapshot *snap) {
        if (snap->mem_total)
                return snap->mem_total;
        char buf[8192];
        _cleanup_close_ int fd = openat(a->proc_fd, "meminfo", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        struct mq_meminfo mi;
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        return parse_meminfo_buf(buf, &mi) == 0 ? mi.mem_total : 0;
}

static void propagate_root(struct agent *a, const struct log_timing *t,
                           const struct mq_snapshot *snap, const char *name, uint64_t mem_total,
                           uint64_t page) {
        char root[64];
        (void)snprintf(root, sizeof(root), "/%s", name);
        _cleanup_close_ int fd =
                openat(a->cg_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        struct prop_walk w = {
                .cap = mq_protection_cap(mem_total, a->policy.max_share_pct, page),
                .page = page,
                .timing = t,
        };
        struct mq_protection total;
        prop_collect(&w, fd, root, 0, &total);
        if (w.failed < 0) {
                log_warn("protection propagation under %s skipped: %s", root, strerror(-w.failed));
                prop_walk_done(&w);
                return;
        }
        uint64_t before = a->cnt.propagations;
        /* post-order: the top cgroup is the last entry */
        for (size_t i = 0; i < w.n; i++)
                prop_write(a, snap, &w, &w.v[i], &total, i + 1 == w.n);
        if (total.min > w.cap || total.low > w.cap) {
                a->cnt.propagation_caps++;
                if (a->cnt.propagations != before)
                        log_cap(a, snap, root, &w, &total, mem_total);
        }
        prop_walk_done(&w);
}

void reconcile_propagate(struct agent *a, const struct log_timing *t,
                         const struct mq_snapshot *snap) {
        if (!a->cfg.propagate_protection)
                return;
        uint64_t mem_total = node_mem_total(a, snap);
        long page = sysconf(_SC_PAGESIZE);
        if (!mem_total) {
                /* without it there is no cap, and an uncapped "max" carried
                 * up is the one thing this must never do */
                log_warn("protection propagation skipped: MemTotal unknown");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++)
                propagate_root(a, t, snap, scan_kubepods_roots[i], mem_total,
                               page > 0 ? (uint64_t)page : 4096);
}
