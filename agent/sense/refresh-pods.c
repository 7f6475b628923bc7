/* SPDX-License-Identifier: MIT */
/* Between full scans: pods whose cgroups came or went (from inotify), and
 * the usage pass that keeps the ranking current. */
#include "refresh-pods.h"
#include "curfd.h"
#include "decide.h"
#include "scan.h"
#include "usagebound.h"

#define RECENT_BORN_MS 120000

static void note_born(struct agent_born *b, const char *uid, uint64_t now) {
        size_t k = b->n++ % AGENT_BORN_MAX;
        (void)snprintf(b->v[k].uid, sizeof(b->v[k].uid), "%s", uid);
        b->v[k].ms = now;
}

/* The UIDs of the pods created within RECENT_BORN_MS (a new workload is the
 * usual sudden grower); returns how many. */
static size_t born_lately(const struct agent_born *b, uint64_t now,
                          const char *ret[static AGENT_BORN_MAX]) {
        size_t n = b->n < AGENT_BORN_MAX ? b->n : AGENT_BORN_MAX;
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
                if (now < b->v[k].ms + RECENT_BORN_MS)
                        ret[m++] = b->v[k].uid;
        return m;
}

static bool among(const char *uid, const char *const *uids, size_t n) {
        for (size_t k = 0; k < n; k++)
                if (streq(uid, uids[k]))
                        return true;
        return false;
}

/* Pods created since the last full scan join the snapshot, to be read in
 * full (they have no state yet: must_read()); pods removed leave it. s has
 * room for every change (refresh_in_place()). */
void refresh_apply_pod_changes(struct agent *a, struct mq_snapshot *s, uint8_t *mark) {
        for (size_t i = 0; i < a->pod_changes.n; i++) {
                const struct agent_pod_change *c = &a->pod_changes.v[i];
                const struct mq_pod *found = scan_find_pod(s, c->cgroup);
                if (found) {
                        mark[found - s->pods] = c->born ? NEED_ALL : NEED_GONE;
                        continue;
                }
                if (!c->born)
                        continue;
                struct mq_pod *p = &s->pods[s->n_pods];
                note_born(&a->born, c->uid, now_ms());
                scan_pod_init(p, c->uid, c->cgroup);
                scan_apply_records_pod(&a->recs, p);
                mark[s->n_pods++] = NEED_ALL;
        }
}

static bool same_group(const struct mq_pod *x, const struct mq_pod *y) {
        return mq_rank_group_cmp(x, y) == 0;
}

static bool later_group(const struct mq_pod *x, const struct mq_pod *y) {
        return mq_rank_group_cmp(x, y) > 0;
}

static bool is_kubepods_root(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++)
                if (path[0] == '/' && streq(path + 1, scan_kubepods_roots[i]))
                        return true;
        return false;
}

/* The QoS-level parents' memory.current (policy/usagebound.h); not the
 * kubepods level's, which also holds the QoS levels. */
static void read_bounds(const struct refresh_ctx *rc, struct mq_usage_bounds *b) {
        for (size_t i = 0; i < b->n; i++) {
                uint64_t v;
                if (!is_kubepods_root(b->v[i].path) &&
                    curfd_read_path(rc->a, b->v[i].path, &v) == 0)
                        mq_usage_bound_set(b, (int)i, v);
        }
}

struct usage_pass {
        struct mq_usage_bounds b;
        int *bidx;     /* each pod's bound, -1: none */
        uint8_t *done; /* read in this pass */
};

static int read_one_usage(const struct refresh_ctx *rc, struct mq_snapshot *s, struct usage_pass *u,
                          uint8_t *mark, size_t i) {
        uint64_t current;
        int r = curfd_read(rc->a, &s->pods[i], &current);
        u->done[i] = 1;
        rc->a->cnt.usage_reads++;
        if (refresh_gone(r)) {
                mark[i] = NEED_GONE;
                return 0;
        }
        if (r < 0)
                return -EAGAIN; /* the full scan says what is wrong */
        s->pods[i].current = current;
        mq_usage_bound_spend(&u->b, u->bidx[i], current);
        return 0;
}

/* The best candidate so far: the lowest group, then the most excess. */
static const struct mq_pod *better(const struct refresh_ctx *rc, const struct mq_snapshot *s,
                                   const uint8_t *mark, size_t i, const struct mq_pod *best) {
        const struct mq_pod *p = &s->pods[i];
        if (mark[i] == NEED_GONE || !refresh_candidate(rc, p))
                return best;
        if (!best || later_group(best, p) ||
            (same_group(best, p) && mq_pod_excess(p) > mq_pod_excess(best)))
                return p;
        return best;
}

/* The ranking's one fast-moving input is usage: a pod that grew since it
 * was last read must rank where it stands now. Pods that can come first are
 * the unprotected pods of every group up to the lowest priority and QoS
 * group that holds a candidate. Pods created in the last two minutes are
 * read first (the usual suspects of sudden growth), then the rest in the
 * last rank order, each only while its QoS level's bound leaves room for it
 * to matter. */
static int usage_pass(const struct refresh_ctx *rc, struct mq_snapshot *s, const size_t *order,
                      uint8_t *mark, struct usage_pass *u) {
        for (size_t i = 0; i < s->n_pods; i++)
                u->bidx[i] = mq_usage_bound_of(&u->b, s->pods[i].cgroup);
        read_bounds(rc, &u->b);
        const struct mq_pod *best = NULL;
        const char *recent[AGENT_BORN_MAX];
        size_t n_recent = born_lately(&rc->a->born, now_ms(), recent);
        for (size_t i = 0; i < s->n_pods; i++)
                if (mark[i] != NEED_GONE &&
                    ((n_recent && among(s->pods[i].uid, recent, n_recent)) ||
                     (mark[i] == NEED_ALL && !refresh_state_of(rc, &s->pods[i])))) {
                        int r = read_one_usage(rc, s, u, mark, i);
                        if (r < 0)
                                return r;
                        best = better(rc, s, mark, i, best);
                }
        for (size_t k = 0; k < s->n_pods; k++) {
                size_t i = order[k];
                struct mq_pod *p = &s->pods[i];
                if (best && later_group(p, best))
                        break; /* the rank order holds no earlier group past here */
                if (mq_pod_protected(&rc->a->cfg, p) || mark[i] == NEED_GONE)
                        continue;
                if (!u->done[i] && !mq_usage_bounded_out(&u->b, u->bidx[i], p, best)) {
                        int r = read_one_usage(rc, s, u, mark, i);
                        if (r < 0)
                                return r;
                }
                best = better(rc, s, mark, i, best);
        }
        return 0;
}

int refresh_read_usage(const struct refresh_ctx *rc, struct mq_snapshot *s, const size_t *order,
                       uint8_t *mark) {
        if (!s->pods || !s->n_pods)
                return 0; /* nothing to read */
        struct usage_pass u = {.b = {.n = 0}};
        u.bidx = calloc(s->n_pods + 1, sizeof(*u.bidx));
        u.done = calloc(s->n_pods + 1, sizeof(*u.done));
        int r = u.bidx && u.done ? usage_pass(rc, s, order, mark, &u) : -ENOMEM;
        free(u.bidx);
        free(u.done);
        return r;
}

bool refresh_has_candidate(const struct refresh_ctx *rc, const struct mq_snapshot *s) {
        for (size_t i = 0; i < s->n_pods; i++)
                if (refresh_candidate(rc, &s->pods[i]))
                        return true;
        return false;
}
