/* SPDX-License-Identifier: MIT */
/* Between full scans: pods whose cgroups came or went (from inotify), and
 * the usage pass that keeps the ranking current. */
#include "decide.h"
#include "refresh-int.h"
#include "refresh.h"
#include "scan.h"
#include "usage.h"

#define RECENT_BORN_MS 120000

static void note_born(struct agent *a, const char *uid) {
        size_t k = a->n_born++ % ELEMENTSOF(a->recent_born);
        (void)snprintf(a->recent_born[k].uid, sizeof(a->recent_born[k].uid), "%s", uid);
        a->recent_born[k].ms = agent_now_ms();
}

/* The UIDs of the pods created within RECENT_BORN_MS (a new workload is the
 * usual sudden grower); returns how many. */
static size_t born_lately(const struct agent *a, uint64_t now,
                          const char *ret[static ELEMENTSOF(a->recent_born)]) {
        size_t n = a->n_born < ELEMENTSOF(a->recent_born) ? a->n_born : ELEMENTSOF(a->recent_born);
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
                if (now < a->recent_born[k].ms + RECENT_BORN_MS)
                        ret[m++] = a->recent_born[k].uid;
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
                note_born(a, c->uid);
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

/* A bound on the usage of the pods not read: a parent's memory.current is
 * at least the sum of its children's (cgroup-v2.rst: hierarchical; memory
 * of removed children is reparented, which only makes it larger), so after
 * reading some children, parent - (what they hold) bounds every child not
 * read. QoS-level parents only: the kubepods level also holds the QoS
 * levels. */
#define BOUNDS_MAX 8
struct bound {
        char path[512];
        uint64_t left; /* parent's memory.current less its children read */
        bool known;
};

static int bound_of(struct bound *b, size_t *nb, const char *cgroup) {
        const char *slash = strrchr(cgroup, '/');
        size_t len = slash ? (size_t)(slash - cgroup) : 0;
        for (size_t i = 0; i < *nb; i++)
                if (strlen(b[i].path) == len && strncmp(b[i].path, cgroup, len) == 0)
                        return (int)i;
        if (*nb >= BOUNDS_MAX || len == 0 || len >= sizeof(b[0].path))
                return -1;
        memcpy(b[*nb].path, cgroup, len);
        b[*nb].path[len] = '\0';
        b[*nb].known = false;
        return (int)(*nb)++;
}

static bool is_kubepods_root(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++)
                if (path[0] == '/' && streq(path + 1, scan_kubepods_roots[i]))
                        return true;
        return false;
}

static void read_bounds(const struct agent *a, struct bound *b, size_t nb) {
        for (size_t i = 0; i < nb; i++) {
                if (is_kubepods_root(b[i].path))
                        continue;
                b[i].known = usage_read_path(a, b[i].path, &b[i].left) == 0;
        }
}

static void spend(struct bound *b, int k, uint64_t v) {
        if (k >= 0)
                b[k].left = b[k].left > v ? b[k].left - v : 0;
}

struct usage_pass {
        struct bound b[BOUNDS_MAX];
        size_t nb;
        int *bidx;     /* each pod's bound, -1: none */
        uint8_t *done; /* read in this pass */
};

static int read_one_usage(struct agent *a, struct mq_snapshot *s, struct usage_pass *u,
                          uint8_t *mark, size_t i) {
        struct mq_pod *p = &s->pods[i];
        int r = usage_read(a, p, &p->current);
        u->done[i] = 1;
        a->cnt.usage_reads++;
        if (refresh_gone(r)) {
                mark[i] = NEED_GONE;
                return 0;
        }
        if (r < 0)
                return -EAGAIN; /* the full scan says what is wrong */
        spend(u->b, u->bidx[i], p->current);
        return 0;
}

/* Can pod i be passed over? Its usage is at most what its parent has left:
 * below the floor it cannot be a candidate, and in the group of the best
 * candidate read it cannot outrank it with less. Its figure is lowered to
 * that bound. */
static bool bounded_out(struct mq_snapshot *s, const struct usage_pass *u, size_t i,
                        const struct mq_pod *best) {
        int k = u->bidx[i];
        if (k < 0 || !u->b[k].known)
                return false;
        uint64_t left = u->b[k].left;
        struct mq_pod *p = &s->pods[i];
        if (left >= MQ_POD_FLOOR_BYTES &&
            !(best && same_group(best, p) && left < mq_pod_excess(best)))
                return false;
        if (p->current > left)
                p->current = left;
        return true;
}

/* The best candidate so far: the lowest group, then the most excess. */
static const struct mq_pod *better(const struct agent *a, const struct mq_snapshot *s,
                                   const uint8_t *mark, size_t i, const struct mq_pod *best) {
        const struct mq_pod *p = &s->pods[i];
        if (mark[i] == NEED_GONE || !refresh_candidate(a, p))
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
static int usage_pass(struct agent *a, struct mq_snapshot *s, const size_t *order, uint8_t *mark,
                      struct usage_pass *u) {
        for (size_t i = 0; i < s->n_pods; i++)
                u->bidx[i] = bound_of(u->b, &u->nb, s->pods[i].cgroup);
        read_bounds(a, u->b, u->nb);
        const struct mq_pod *best = NULL;
        const char *recent[ELEMENTSOF(a->recent_born)];
        size_t n_recent = born_lately(a, agent_now_ms(), recent);
        for (size_t i = 0; i < s->n_pods; i++)
                if (mark[i] != NEED_GONE &&
                    ((n_recent && among(s->pods[i].uid, recent, n_recent)) ||
                     (mark[i] == NEED_ALL && !refresh_state_of(a, &s->pods[i])))) {
                        int r = read_one_usage(a, s, u, mark, i);
                        if (r < 0)
                                return r;
                        best = better(a, s, mark, i, best);
                }
        for (size_t k = 0; k < s->n_pods; k++) {
                size_t i = order[k];
                struct mq_pod *p = &s->pods[i];
                if (best && later_group(p, best))
                        break; /* the rank order holds no earlier group past here */
                if (mq_pod_protected(&a->cfg, p) || mark[i] == NEED_GONE)
                        continue;
                if (!u->done[i] && !bounded_out(s, u, i, best)) {
                        int r = read_one_usage(a, s, u, mark, i);
                        if (r < 0)
                                return r;
                }
                best = better(a, s, mark, i, best);
        }
        return 0;
}

int refresh_read_usage(struct agent *a, struct mq_snapshot *s, const size_t *order, uint8_t *mark) {
        struct usage_pass u = {.nb = 0};
        u.bidx = calloc(s->n_pods + 1, sizeof(*u.bidx));
        u.done = calloc(s->n_pods + 1, sizeof(*u.done));
        int r = u.bidx && u.done ? usage_pass(a, s, order, mark, &u) : -ENOMEM;
        free(u.bidx);
        free(u.done);
        return r;
}

bool refresh_has_candidate(const struct agent *a, const struct mq_snapshot *s) {
        for (size_t i = 0; i < s->n_pods; i++)
                if (refresh_candidate(a, &s->pods[i]))
                        return true;
        return false;
}

int refresh_usage_pass(struct agent *a, struct mq_snapshot *s) {
        size_t *order = calloc(s->n_pods + 1, sizeof(*order));
        uint8_t *mark = calloc(s->n_pods + 1, sizeof(*mark));
        int r = -ENOMEM;
        if (order && mark) {
                mq_rank_pods(s, order);
                r = refresh_read_usage(a, s, order, mark);
        }
        free(order);
        free(mark);
        if (r < 0)
                return r;
        /* Gone pods leave with the next refresh or full scan; keep them
         * here, where the decision state of every pod was just committed. */
        s->usage_stale = false;
        return 0;
}
