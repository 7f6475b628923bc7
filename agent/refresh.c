/* SPDX-License-Identifier: MIT */
/* The fast path of a pressure wakeup. A full scan reads ~13 files per pod:
 * with 1,000 pods natively that was ~36-55 ms from wakeup to the first
 * write (make bench-host), most of it in the scan. The decision only acts on the
 * lowest-ranked eligible pods and on pods it is already handling, so those
 * are read afresh, the node figures too, and every other pod keeps its
 * figures from the last full scan (< SCAN_FRESH_MS old). Every pod stays in
 * the snapshot: mq_decide() drops the state of pods missing from it. The
 * loop takes a full scan right after the decision. */
#include <fcntl.h>

#include "cgfs.h"
#include "decide-int.h"
#include "memstat.h"
#include "psi.h"
#include "scan.h"
#include "watermark.h"

#define REFRESH_CANDIDATES 4  /* lowest-ranked eligible pods read afresh */
#define REFRESH_MAX        16 /* more pods to read: a full scan instead */

static int copy_snap(const struct mq_snapshot *src, struct mq_snapshot *dst) {
        *dst = *src;
        dst->pods = calloc(src->n_pods ? src->n_pods : 1, sizeof(*dst->pods));
        if (!dst->pods)
                return -ENOMEM;
        for (size_t i = 0; i < src->n_pods; i++) {
                struct mq_pod *p = &dst->pods[i];
                *p = src->pods[i];
                p->containers = NULL;
                if (!p->n_containers)
                        continue;
                p->containers = calloc(p->n_containers, sizeof(*p->containers));
                if (!p->containers) {
                        dst->n_pods = i + 1;
                        return -ENOMEM;
                }
                memcpy(p->containers, src->pods[i].containers,
                       p->n_containers * sizeof(*p->containers));
        }
        return 0;
}

static int cmp_uid(const void *key, const void *elem) {
        return strcmp(key, ((const struct mq_pod_state *)elem)->uid);
}

static const struct mq_pod_state *state_of(const struct agent *a, const struct mq_pod *p) {
        return bsearch(p->uid, a->st.pods, a->st.n_pods, sizeof(*a->st.pods), cmp_uid);
}

/* What to read of a pod: nothing (figures of the last full scan), the
 * livelock guard's inputs, or everything. */
enum need { NEED_NONE = 0, NEED_SAMPLE, NEED_ALL };

/* Every pod's livelock sample falls due together (MQ_LIVELOCK_SAMPLE_MS):
 * the guard reads memory.events (and memory.pressure) of each, 1-2 files of
 * the ~13 a full read takes. Above the reclaim watermark the pressure test
 * sets PSI stall aside when any pod's high events rose (decide.c: assess()),
 * so then every pod's memory.events is read. A kill to confirm, a stuck
 * count under way or a pod without state yet (a baseline): a full read. */
static enum need must_read(const struct agent *a, const struct mq_pod *p, uint64_t now, bool held) {
        const struct mq_pod_state *ps = state_of(a, p);
        if (!ps || ps->step == MQ_STEP_KILL || ps->stuck_since_ms)
                return NEED_ALL;
        return held || now >= ps->livelock_sample_ms + MQ_LIVELOCK_SAMPLE_MS ? NEED_SAMPLE
                                                                             : NEED_NONE;
}

/* decide.c: assess(), the same test: is the node above the watermark? */
static bool held_test(const struct agent *a, const struct mq_snapshot *s) {
        double pct = s->mem_total ? 100.0 * (double)s->mem_available / (double)s->mem_total : 100.0;
        return s->trigger != MQ_TRIGGER_WATERMARK &&
               !(s->mem_total && pct < a->cfg.watermark_reclaim_pct);
}

/* A pod the ladder may act on (decide-ladder.c: eligible(), advance()); a
 * throttled pod is passed over without reading its figures unless a kill
 * may follow. */
static bool candidate(const struct agent *a, const struct mq_pod *p) {
        const struct mq_pod_state *ps = state_of(a, p);
        enum mq_step step = ps ? ps->step : MQ_STEP_NONE;
        return !mq_pod_protected(&a->cfg, p) && p->current >= MQ_POD_FLOOR_BYTES &&
               step != MQ_STEP_KILL && (a->cfg.kill_enabled || step < MQ_STEP_THROTTLE);
}

/* Mark what to read of each pod; -EAGAIN when too many need a full read. */
static int pick(const struct agent *a, const struct mq_snapshot *s, const size_t *order,
                uint8_t *mark) {
        size_t n = 0, cand = 0;
        bool held = held_test(a, s);
        for (size_t i = 0; i < s->n_pods; i++)
                if ((mark[i] = must_read(a, &s->pods[i], s->now_ms, held)) == NEED_ALL)
                        n++;
        for (size_t k = 0; k < s->n_pods && cand < REFRESH_CANDIDATES; k++) {
                size_t i = order[k];
                if (!candidate(a, &s->pods[i]))
                        continue;
                cand++;
                if (mark[i] != NEED_ALL)
                        n++;
                mark[i] = NEED_ALL;
        }
        return n > REFRESH_MAX ? -EAGAIN : 0;
}

static bool gone(int r) {
        return r == -ENOENT || r == -ENODEV; /* as scan.c: vanished() */
}

/* The livelock guard's inputs, zero when unreadable as in scan.c. It reads
 * the pod's PSI only once the high events rose (decide-livelock.c:
 * guard_one()), so memory.pressure is read only then: the 1,000-pod sample
 * wakeup took ~8 ms natively with it, ~5 ms without. */
static int read_sample(int fd, struct mq_pod *pod, const struct mq_pod_state *ps, char *big) {
        pod->events = (struct mq_memory_events){0};
        int r = cgroup_read_file(fd, "memory.events", big, BIG_FILE_MAX);
        if (gone(r))
                return -ENOENT;
        if (r >= 0)
                (void)parse_memory_events_buf(big, &pod->events);
        if (pod->events.high == ps->last_events_high && !ps->last_rise_ms)
                return 0;
        pod->psi = (struct mq_psi){0};
        r = cgroup_read_file(fd, "memory.pressure", big, BIG_FILE_MAX);
        if (gone(r))
                return -ENOENT;
        if (r >= 0)
                (void)parse_psi_buf(big, &pod->psi);
        return 0;
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

/* Read a pod afresh; 1 when it is gone (a full scan would skip it). */
static int read_one(const struct agent *a, struct mq_pod *pod, enum need need, char *big) {
        _cleanup_close_ int fd =
                openat(a->cg_fd, pod->cgroup + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 1 : -errno;
        int r = need == NEED_ALL ? read_all(fd, pod, big)
                                 : read_sample(fd, pod, state_of(a, pod), big);
        return r == -ENOENT ? 1 : r;
}

static int read_marked(const struct agent *a, struct mq_snapshot *s, uint8_t *mark) {
        char *big = malloc(BIG_FILE_MAX);
        if (!big)
                return -ENOMEM;
        int r = 0;
        for (size_t i = s->n_pods; i-- > 0 && r >= 0;) {
                if (!mark[i] || (r = read_one(a, &s->pods[i], mark[i], big)) != 1)
                        continue;
                free(s->pods[i].containers);
                memmove(&s->pods[i], &s->pods[i + 1], (s->n_pods - i - 1) * sizeof(*s->pods));
                memmove(&mark[i], &mark[i + 1], (s->n_pods - i - 1) * sizeof(*mark));
                s->n_pods--;
                r = 0;
        }
        free(big);
        return r < 0 ? r : 0;
}

/* With fresh figures the ranking may move: the pods the ladder tries first
 * must be ones just read, or it could act on stale numbers. */
static bool first_are_fresh(const struct agent *a, const struct mq_snapshot *s, size_t *order,
                            const uint8_t *mark) {
        mq_rank_pods(s, order);
        size_t cand = 0;
        for (size_t k = 0; k < s->n_pods && cand < REFRESH_CANDIDATES; k++) {
                if (!candidate(a, &s->pods[order[k]]))
                        continue;
                if (mark[order[k]] != NEED_ALL)
                        return false;
                cand++;
        }
        return true;
}

static int refresh(struct agent *a, struct mq_snapshot *s, size_t *order, uint8_t *mark) {
        mq_rank_pods(s, order);
        int r = pick(a, s, order, mark);
        if (r < 0)
                return r;
        r = read_marked(a, s, mark);
        if (r < 0)
                return r;
        return first_are_fresh(a, s, order, mark) ? 0 : -EAGAIN;
}

int scan_refresh(struct agent *a, enum mq_trigger trigger, struct mq_snapshot *ret,
                 struct mq_error *err) {
        uint64_t now = agent_now_ms();
        if (!a->snap.mem_total || now >= a->snap.now_ms + SCAN_FRESH_MS)
                return -EAGAIN;
        struct mq_psi psi;
        struct mq_meminfo mi;
        int r = scan_node(a->proc_fd, &psi, &mi, err);
        if (r < 0)
                return r;
        bool short_of_memory =
                mi.mem_available < mq_watermark_bytes(mi.mem_total, a->cfg.watermark_reclaim_pct);
        if (trigger == MQ_TRIGGER_TIMER && !short_of_memory)
                return -EAGAIN; /* not a pressure wakeup */
        if (mi.mem_available < mq_watermark_bytes(mi.mem_total, a->cfg.watermark_kill_pct))
                return -EAGAIN; /* the emergency throttle caps every pod */
        struct mq_snapshot s;
        r = copy_snap(&a->snap, &s);
        size_t *order = calloc(s.n_pods + 1, sizeof(*order));
        uint8_t *mark = calloc(s.n_pods + 1, sizeof(*mark));
        if (r == 0 && (!order || !mark))
                r = -ENOMEM;
        s.trigger = trigger;
        s.now_ms = now;
        s.node_psi = psi;
        s.mem_total = mi.mem_total;
        s.mem_available = mi.mem_available;
        if (r == 0)
                r = refresh(a, &s, order, mark);
        free(order);
        free(mark);
        if (r < 0) {
                snapshot_done(&s);
                return r == -EAGAIN ? r : mq_error_set(err, -r, "refresh: %s", strerror(-r));
        }
        *ret = s;
        return 0;
}
