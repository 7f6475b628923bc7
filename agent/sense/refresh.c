/* SPDX-License-Identifier: MIT */
/* The fast path of a wakeup. A full scan reads ~13 files per pod: with 1,000
 * pods natively that was ~36-55 ms from wakeup to the first write (make
 * bench-host), most of it in the scan. The decision only acts on the
 * lowest-ranked eligible pods and on pods it is already handling, and the
 * livelock guard only needs the memory.events files that changed (inotify
 * says which), so those are read afresh with the node figures, and every
 * other pod keeps its figures from its last read. Usage, the ranking's
 * fast-moving input, is read for the pods that can come first after the
 * writes (refresh-pods.c), or before them when a kill may follow. Every pod
 * stays in the snapshot: mq_decide() drops the state of pods missing from
 * it. */
#include <fcntl.h>

#include "cgfs.h"
#include "decide.h"
#include "kubepath.h"
#include "memstat.h"
#include "psi.h"
#include "refresh-ctx.h"
#include "refresh-pods.h"
#include "refresh.h"
#include "scan.h"

#define REFRESH_MAX 16 /* more pods to read in full: a full scan instead */

/* The livelock guard samples a pod's memory.events (and memory.pressure)
 * every MQ_LIVELOCK_SAMPLE_MS. Above the reclaim watermark the pressure test
 * sets PSI stall aside when any pod's high events rose (decide.c: assess()),
 * so then every pod's events count. Either way a memory.events without an
 * inotify event since it was read holds what the snapshot has. The guard
 * reads the pod's PSI only once the high events rose or while it counts
 * (decide-livelock.c: guard_one()). A kill to confirm, a stuck count under
 * way or a pod without state yet (a baseline): a full read. */
static enum need must_read(const struct refresh_ctx *rc, const struct mq_pod *p, uint64_t now,
                           bool held, size_t *unchanged) {
        const struct mq_pod_state *ps = refresh_state_of(rc, p);
        if (!ps || ps->step == MQ_STEP_KILL || ps->stuck_since_ms)
                return NEED_ALL;
        if (!held && now < ps->livelock_sample_ms + MQ_LIVELOCK_SAMPLE_MS)
                return NEED_NONE;
        if (mq_podwatch_changed(&rc->a->events_watch, p->uid))
                return NEED_SAMPLE;
        (*unchanged)++;
        return p->events.high != ps->last_events_high || ps->last_rise_ms ? NEED_PSI : NEED_NONE;
}

/* The first k candidates in rank order (k <= REFRESH_CANDIDATES), by one
 * pass over the pods instead of a sort: a wakeup needs the front of the
 * ranking, and sorting 1,000 pods several times per wakeup was a large part
 * of its cost. Pods marked gone are skipped. Returns how many. */
static size_t first_candidates(const struct refresh_ctx *rc, const struct mq_snapshot *s,
                               const uint8_t *mark, size_t ret[static REFRESH_CANDIDATES]) {
        size_t n = 0;
        for (size_t i = 0; i < s->n_pods; i++) {
                if (mark[i] == NEED_GONE || !refresh_candidate(rc, &s->pods[i]))
                        continue;
                size_t j = n < REFRESH_CANDIDATES ? n++ : REFRESH_CANDIDATES;
                /* Insert i among the kept ones; j == K: i must beat the last. */
                while (j > 0 && mq_pod_rank_cmp(&s->pods[i], &s->pods[ret[j - 1]]) < 0) {
                        if (j < REFRESH_CANDIDATES)
                                ret[j] = ret[j - 1];
                        j--;
                }
                if (j < REFRESH_CANDIDATES)
                        ret[j] = i;
        }
        return n;
}

/* What the ladder needs of a candidate is its usage, memory.stat and limits
 * (NEED_LIMITS); its containers, events and PSI serve the livelock guard,
 * which asks for them itself. Both asked: everything. */
static uint8_t candidate_need(uint8_t mark) {
        if (mark == NEED_NONE)
                return NEED_LIMITS;
        return mark >= NEED_LIMITS ? mark : NEED_ALL;
}

/* Mark what to read of each pod, over what is marked already; the
 * lowest-ranked candidates only when the ladder may act. -EAGAIN when too
 * many need a full read. *unchanged: memory.events files left unread since
 * no event changed them. */
static int pick(const struct refresh_ctx *rc, const struct mq_snapshot *s, uint8_t *mark,
                bool may_act, enum mq_headroom_level level, size_t *unchanged) {
        /* Above the reclaim line the decision sets PSI stall aside when a
         * pod is held at memory.high (decide.c: assess()): every pod's
         * events count then. */
        bool held = s->trigger != MQ_TRIGGER_WATERMARK && level == MQ_HEADROOM_OK;
        for (size_t i = 0; i < s->n_pods; i++) {
                enum need m = must_read(rc, &s->pods[i], s->now_ms, held, unchanged);
                if (mark[i] < m)
                        mark[i] = (uint8_t)m;
        }
        size_t first[REFRESH_CANDIDATES];
        size_t k = may_act ? first_candidates(rc, s, mark, first) : 0;
        for (size_t j = 0; j < k; j++)
                mark[first[j]] = candidate_need(mark[first[j]]);
        size_t n = 0;
        for (size_t i = 0; i < s->n_pods; i++)
                n += mark[i] == NEED_ALL;
        return n > REFRESH_MAX ? -EAGAIN : 0;
}

static int read_psi(int fd, struct mq_pod *pod, char *big) {
        pod->psi = (struct mq_psi){0};
        int r = cgroup_read_file(fd, "memory.pressure", big, BIG_FILE_MAX);
        if (refresh_gone(r))
                return -ENOENT;
        if (r >= 0)
                (void)parse_psi_buf(big, &pod->psi);
        return 0;
}

/* The livelock guard's inputs, zero when unreadable as in scan.c; the PSI
 * only when the guard will look at it. */
static int read_sample(int fd, struct mq_pod *pod, const struct mq_pod_state *ps, char *big) {
        pod->events = (struct mq_memory_events){0};
        int r = cgroup_read_file(fd, "memory.events", big, BIG_FILE_MAX);
        if (refresh_gone(r))
                return -ENOENT;
        if (r >= 0)
                (void)parse_memory_events_buf(big, &pod->events);
        if (pod->events.high == ps->last_events_high && !ps->last_rise_ms)
                return 0;
        return read_psi(fd, pod, big);
}

static int read_all(int fd, struct mq_pod *pod, char *big) {
        struct mq_pod p = *pod;
        p.containers = NULL;
        p.n_containers = 0;
        p.events = (struct mq_memory_events){0};
        p.psi = (struct mq_psi){0};
        int r = scan_read_pod(fd, &p, big);
        if (r < 0) {
                free(p.containers);
                return r;
        }
        free(pod->containers);
        *pod = p;
        return 0;
}

static int read_level(int fd, struct mq_pod *pod, const struct mq_pod_state *ps, enum need need,
                      char *big) {
        switch (need) {
        case NEED_PSI:
                return read_psi(fd, pod, big);
        case NEED_SAMPLE:
                return read_sample(fd, pod, ps, big);
        case NEED_LIMITS:
                return scan_read_pod_limits(fd, pod, big);
        default:
                return read_all(fd, pod, big);
        }
}

/* Read a pod afresh; 1 when it is gone (a full scan would skip it). The
 * memory.events just read is current: clear its flag (the inotify events up
 * to now were drained before this wakeup's reads). */
static int read_one(const struct refresh_ctx *rc, struct mq_pod *pod, enum need need, char *big) {
        _cleanup_close_ int fd = openat(rc->a->cg_fd, pod->cgroup + 1,
                                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 1 : -errno;
        int r = read_level(fd, pod, refresh_state_of(rc, pod), need, big);
        if (r == 0 && (need == NEED_SAMPLE || need == NEED_ALL))
                mq_podwatch_clear(&rc->a->events_watch, pod->uid);
        return r == -ENOENT ? 1 : r;
}

/* Read the pods marked `level` (NEED_NONE: every marked pod); mark the
 * ones found gone. */
static int read_marked(const struct refresh_ctx *rc, struct mq_snapshot *s, uint8_t *mark,
                       enum need level) {
        char *big = malloc(BIG_FILE_MAX);
        if (!big)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; i < s->n_pods && r >= 0; i++) {
                if (mark[i] == NEED_NONE || mark[i] == NEED_GONE ||
                    (level != NEED_NONE && mark[i] != level))
                        continue;
                r = read_one(rc, &s->pods[i], mark[i], big);
                if (r == 1)
                        mark[i] = NEED_GONE;
        }
        free(big);
        return r < 0 ? r : 0;
}

/* Drop the pods found gone, as a full scan would not have them. */
static void compact(struct refresh_ctx *rc, struct mq_snapshot *s, uint8_t *mark) {
        size_t w = 0;
        for (size_t i = 0; i < s->n_pods; i++) {
                if (mark[i] == NEED_GONE) {
                        free(s->pods[i].containers);
                        continue;
                }
                if (w != i) { /* ~1 KiB a pod: copy only what moves */
                        s->pods[w] = s->pods[i];
                        if (rc->state_of && i < rc->n)
                                rc->state_of[w] = rc->state_of[i];
                        mark[w] = mark[i];
                }
                w++;
        }
        s->n_pods = w;
        if (rc->state_of)
                rc->n = w;
}

/* With fresh figures the ranking may move: the pods the ladder tries first
 * must be ones just read, or it could act on stale numbers. */
static bool first_are_fresh(const struct refresh_ctx *rc, const struct mq_snapshot *s,
                            const uint8_t *mark) {
        size_t first[REFRESH_CANDIDATES];
        size_t k = first_candidates(rc, s, mark, first);
        for (size_t j = 0; j < k; j++)
                if (mark[first[j]] < NEED_LIMITS || mark[first[j]] == NEED_GONE)
                        return false;
        return true;
}

/* With the headroom critical, when the kill gate holds the next kill back,
 * the emergency throttle caps every eligible pod holding anonymous memory
 * that is not throttled yet (decide-ladder.c: emergency_throttle()): it
 * needs their usage and limits now, not as of the last scan. */
static int read_for_emergency(struct refresh_ctx *rc, struct mq_snapshot *s, uint8_t *mark) {
        if (mq_kill_allowed(&rc->a->cfg, &rc->a->st, s))
                return 0;
        size_t n = 0;
        for (size_t i = 0; i < s->n_pods; i++) {
                const struct mq_pod_state *ps = refresh_state_of(rc, &s->pods[i]);
                if (refresh_candidate(rc, &s->pods[i]) && (!ps || ps->step < MQ_STEP_THROTTLE) &&
                    mark[i] < NEED_LIMITS) {
                        mark[i] = NEED_LIMITS;
                        n++;
                }
        }
        int r = n ? read_marked(rc, s, mark, NEED_LIMITS) : 0;
        compact(rc, s, mark);
        return r;
}

/* usage_now: read the usage of the pods that can come first before
 * ranking; otherwise the decision ranks on the last figures and may not
 * kill (mq_snapshot.usage_stale). */
static int refresh(struct refresh_ctx *rc, struct mq_snapshot *s, size_t *order, uint8_t *mark,
                   bool may_act, bool usage_now, size_t *unchanged) {
        refresh_apply_pod_changes(rc->a, s, mark);
        enum mq_headroom_level level = refresh_level(&rc->a->cfg, s);
        bool critical = level == MQ_HEADROOM_CRITICAL;
        int r = refresh_ctx_index(rc, s);
        if (r < 0)
                return r;
        /* Nothing to act on by the last figures: maybe a pod grew into a
         * candidate, and waiting would lose the wakeup. */
        if (may_act && !usage_now && !refresh_has_candidate(rc, s))
                usage_now = true;
        if (usage_now) {
                mq_rank_pods(s, order);
                r = refresh_read_usage(rc, s, order, mark);
        }
        s->usage_stale = !usage_now;
        if (r == 0)
                r = pick(rc, s, mark, may_act, level, unchanged);
        if (r == 0)
                r = read_marked(rc, s, mark, NEED_NONE);
        if (r < 0)
                return r;
        compact(rc, s, mark);
        if (critical && (r = read_for_emergency(rc, s, mark)) < 0)
                return r;
        return !may_act || first_are_fresh(rc, s, mark) ? 0 : -EAGAIN;
}

/* Could the ladder act on this wakeup? A PSI trigger, the headroom below
 * the reclaim line, an episode under way, or any node stall since the last
 * snapshot (decide.c: measure_growth() may find pressure in it). */
static bool may_act(const struct agent *a, enum mq_trigger trigger, const struct mq_psi *psi,
                    const struct mq_snapshot *s) {
        return trigger == MQ_TRIGGER_PSI_NODE || trigger == MQ_TRIGGER_PSI_KUBEPODS ||
               refresh_level(&a->cfg, s) != MQ_HEADROOM_OK || a->st.in_episode ||
               psi->some_total_us != a->snap.node_psi.some_total_us;
}

/* Refresh s in place; on failure s stays a valid snapshot (fresher in
 * parts) and the caller takes a full scan. *ret_deferred: the decision will
 * rank on old usage where it could act (read it after the writes). */
static int refresh_in_place(struct agent *a, struct mq_snapshot *s, bool may_act, bool usage_now,
                            bool *ret_deferred, struct mq_error *err) {
        size_t cap = s->n_pods + a->pod_changes.n + 1;
        struct mq_pod *grown = realloc(s->pods, cap * sizeof(*s->pods));
        if (!grown)
                return mq_error_set(err, ENOMEM, "refresh: out of memory");
        s->pods = grown;
        size_t *order = calloc(cap, sizeof(*order));
        uint8_t *mark = calloc(cap, sizeof(*mark));
        size_t unchanged = 0;
        struct refresh_ctx rc = {.a = a};
        int r = order && mark ? refresh(&rc, s, order, mark, may_act, usage_now, &unchanged)
                              : -ENOMEM;
        refresh_ctx_done(&rc);
        free(order);
        free(mark);
        if (r < 0)
                return r == -EAGAIN ? r : mq_error_set(err, -r, "refresh: %s", strerror(-r));
        a->cnt.events_unchanged += unchanged;
        *ret_deferred = may_act && s->usage_stale;
        return 0;
}

int refresh_snapshot(struct agent *a, enum mq_trigger trigger, struct mq_snapshot *ret,
                     bool *ret_deferred, struct mq_error *err) {
        if (!a->snap.mem_total || a->pod_changes.overflow)
                return -EAGAIN;
        struct mq_psi psi;
        struct mq_meminfo mi;
        int r = scan_node(a, &psi, &mi, err);
        if (r < 0)
                return r;
        /* The last snapshot becomes this one: no copy of every pod. */
        struct mq_snapshot s = a->snap;
        s.trigger = trigger;
        s.now_ms = now_ms();
        s.mem_total = mi.mem_total;
        s.mem_available = mi.mem_available;
        s.fill_rate = mq_fill_meter_rate(&a->fill);
        bool act = may_act(a, trigger, &psi, &s);
        s.node_psi = psi;
        a->snap = (struct mq_snapshot){0};
        bool deferred = false;
        r = refresh_in_place(a, &s, act, false, &deferred, err);
        if (r < 0) {
                a->snap = s;
                return r;
        }
        *ret = s;
        *ret_deferred = deferred;
        return 0;
}

int refresh_snapshot_usage(struct agent *a, struct mq_snapshot *s, struct mq_error *err) {
        bool deferred = false; /* the usage is read before ranking */
        return refresh_in_place(a, s, true, true, &deferred, err);
}

int refresh_usage_pass(struct agent *a, struct mq_snapshot *s) {
        size_t *order = calloc(s->n_pods + 1, sizeof(*order));
        uint8_t *mark = calloc(s->n_pods + 1, sizeof(*mark));
        int r = -ENOMEM;
        if (order && mark) {
                mq_rank_pods(s, order);
                /* after the decision: the states are final, no index */
                struct refresh_ctx rc = {.a = a};
                r = refresh_read_usage(&rc, s, order, mark);
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
