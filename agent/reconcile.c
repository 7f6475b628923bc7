/* SPDX-License-Identifier: MIT */
/* Reconcile and protection propagation: the slow, periodic duties. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>

#include "act.h"
#include "cgfs.h"
#include "kubepath.h"
#include "log.h"
#include "propagate.h"
#include "records.h"
#include "scan.h"

/* Only the knobs the hook sets are ever re-applied from a record. */
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
        for (size_t i = 0; i < snap->n_pods; i++)
                if (streq(snap->pods[i].uid, uid))
                        return &snap->pods[i];
        return NULL;
}

static void reconcile_record(struct agent *a, const struct mq_snapshot *snap,
                             const struct mq_record *rec) {
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
                if (agent_dry_run(a))
                        (void)snprintf(result, sizeof(result), "dry-run");
                else if (r < 0)
                        (void)snprintf(result, sizeof(result), "error: %s", strerror(-r));
                else
                        (void)snprintf(result, sizeof(result), "ok");
                log_action(a, snap, pod_of(snap, rec), "reconcile", target, want, reason, result);
        }
}

void act_reconcile(struct agent *a, const struct mq_snapshot *snap) {
        for (size_t i = 0; i < a->recs.n; i++)
                reconcile_record(a, snap, &a->recs.v[i]);
}

static void closedirp(DIR **d) {
        if (*d)
                (void)closedir(*d);
}

static void read_protection(int fd, struct mq_protection *ret) {
        if (cgroup_read_u64(fd, "memory.min", &ret->min) < 0)
                ret->min = 0;
        if (cgroup_read_u64(fd, "memory.low", &ret->low) < 0)
                ret->low = 0;
}

static void write_need(struct agent *a, const struct mq_snapshot *snap, int fd, const char *path,
                       const char *file, uint64_t have, uint64_t need) {
        if (need == have)
                return;
        char target[600], value[24], reason[700], result[96];
        (void)snprintf(target, sizeof(target), "%s/%s", path, file);
        cgroup_format_u64(need, value);
        (void)snprintf(reason, sizeof(reason),
                       "children of %s carry %s of %s in total; a child's protection is capped "
                       "by its parent's",
                       path, value, file);
        a->cnt.propagations++;
        int r = agent_dry_run(a) ? 0 : cgroup_write_u64(fd, file, need);
        if (agent_dry_run(a))
                (void)snprintf(result, sizeof(result), "dry-run");
        else if (r < 0)
                (void)snprintf(result, sizeof(result), "error: %s", strerror(-r));
        else
                (void)snprintf(result, sizeof(result), "ok");
        log_action(a, snap, NULL, "propagate", target, value, reason, result);
}

/* Post-order walk: children first, then make this cgroup carry their sum.
 * *ret gets this cgroup's protection as it stands afterwards. */
static void propagate_dir(struct agent *a, const struct mq_snapshot *snap, int dfd,
                          const char *path, int depth, struct mq_protection *ret) {
        struct mq_protection own, sum = {0};
        bool any = false;
        read_protection(dfd, &own);
        *ret = own;
        if (depth > 6)
                return;

        int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (dup < 0)
                return;
        _cleanup_(closedirp) DIR *d = fdopendir(dup);
        if (!d) {
                (void)close(dup);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                _cleanup_close_ int fd =
                        openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                char sub[MQ_CGROUP_PATH_MAX];
                int n = snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                if (fd < 0 || n < 0 || (size_t)n >= sizeof(sub))
                        continue;
                struct mq_protection child;
                propagate_dir(a, snap, fd, sub, depth + 1, &child);
                mq_protection_add(&sum, &child);
                any = true;
        }
        struct mq_protection need;
        if (!any || !mq_protection_need(&own, &sum, &need))
                return;
        write_need(a, snap, dfd, path, "memory.min", own.min, need.min);
        write_need(a, snap, dfd, path, "memory.low", own.low, need.low);
        *ret = need;
}

void act_propagate(struct agent *a, const struct mq_snapshot *snap) {
        if (!a->cfg.propagate_protection)
                return;
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++) {
                char path[64];
                (void)snprintf(path, sizeof(path), "/%s", scan_kubepods_roots[i]);
                _cleanup_close_ int fd = openat(a->cg_fd, scan_kubepods_roots[i],
                                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                struct mq_protection top;
                propagate_dir(a, snap, fd, path, 0, &top);
        }
}
