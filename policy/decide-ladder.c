/* SPDX-License-Identifier: MIT */
/* The ladder, per pod, lowest-ranked unprotected pod first:
 *   RECLAIM   write part of its reclaimable page cache to memory.reclaim;
 *   THROTTLE  lower memory.high toward current usage, never below usage, its
 *             memory.min/memory.low or a small floor;
 *   KILL      cgroup.kill of the whole pod.
 * One rung per step, each step only when the previous one is at least
 * step_interval_ms old and pressure is still there. A rung that cannot help
 * (nothing to reclaim, no room to throttle) is skipped; a pod that has been
 * killed, or throttled with kills disabled, is exhausted and the next pod is
 * taken. When the headroom is critical (below watermarks.kill_pct, or
 * shrinking fast enough to get there before a kill could free memory:
 * policy/headroom.h) the ladder is skipped: the lowest pod is killed at once (still at most one
 * kill per cooldown, confirmed); while a kill must wait, every eligible pod holding anonymous
 * memory has its growth capped in that one step, since without swap nothing else stops anonymous
 * growth before the OOM killer does.
 * After the episode, memory.high is raised back in relax_pct steps. */
#include "decide-int.h"

/* Reclaimable without swap: "file" in memory.stat includes tmpfs and shared
 * memory (cgroup-v2.rst), which only swap could evict. */
static uint64_t reclaim_bytes(const struct mq_config *cfg, const struct mq_pod *pod) {
        uint64_t file = pod->file > pod->shmem ? pod->file - pod->shmem : 0;
        uint64_t v = decide_pct_of(file, cfg->reclaim_fraction_pct);
        return v >= MQ_MIN_STEP_BYTES ? v : 0;
}

/* The limit memory.high moves down from: what is in force now (the agent's
 * own last write counts even in a dry run, where the file never changes),
 * and with no limit at all, usage plus what the node has left, since the pod
 * cannot grow further than that anyway. */
static uint64_t throttle_ceiling(const struct mq_snapshot *s, const struct mq_pod *pod,
                                 const struct mq_pod_state *ps) {
        uint64_t eff = pod->high < pod->max ? pod->high : pod->max;
        if (ps->throttled && ps->throttled_high < eff)
                eff = ps->throttled_high;
        if (eff == MQ_UNLIMITED)
                eff = pod->current + s->mem_available;
        return eff;
}

/* The new memory.high, or 0 when throttling cannot narrow the pod's room by
 * a meaningful amount. Never below usage: memory.high under usage makes every
 * allocation reclaim, and without swap that freezes an anonymous-memory pod
 * outright; throttling is meant to stop growth, the next rung frees memory. */
static uint64_t throttle_value(const struct mq_config *cfg, const struct mq_snapshot *s,
                               const struct mq_pod *pod, const struct mq_pod_state *ps) {
        if (cfg->throttle_step_pct == 0)
                return 0;
        uint64_t ceil = throttle_ceiling(s, pod, ps);
        uint64_t floor = pod->min > pod->low ? pod->min : pod->low;
        if (floor < MQ_POD_FLOOR_BYTES)
                floor = MQ_POD_FLOOR_BYTES;
        if (ceil <= pod->current || floor >= ceil)
                return 0;
        uint64_t v =
                pod->current + decide_pct_of(ceil - pod->current, 100 - cfg->throttle_step_pct);
        if (v < floor)
                v = floor;
        return ceil - v >= MQ_MIN_STEP_BYTES ? v : 0;
}

static int do_reclaim(struct decide_ctx *c, size_t i, uint64_t bytes) {
        const struct mq_pod *pod = &c->snap->pods[i];
        char label[160], cur[24], file[24], v[24];
        decide_pod_label(pod, label, sizeof(label));
        decide_fmt_mib(pod->current, cur);
        decide_fmt_mib(pod->file > pod->shmem ? pod->file - pod->shmem : 0, file);
        decide_fmt_mib(bytes, v);
        c->ps[i].step = MQ_STEP_RECLAIM;
        return decide_emit(c, MQ_ACT_RECLAIM, pod, pod->cgroup, bytes,
                           "reclaim %s of %s page cache from %s (usage %s): %s.", v, file, label,
                           cur, c->evidence);
}

static int do_throttle(struct decide_ctx *c, size_t i, uint64_t value) {
        const struct mq_pod *pod = &c->snap->pods[i];
        struct mq_pod_state *ps = &c->ps[i];
        char label[160], cur[24], from[24], to[24];
        decide_pod_label(pod, label, sizeof(label));
        decide_fmt_mib(pod->current, cur);
        decide_fmt_mib(ps->throttled ? ps->throttled_high : pod->high, from);
        decide_fmt_mib(value, to);
        if (!ps->throttled) {
                ps->throttled = true;
                ps->original_high = pod->high;
        }
        ps->throttled_high = value;
        ps->relax_step = 0;
        ps->high_at_ms = c->snap->now_ms;
        ps->step = MQ_STEP_THROTTLE;
        return decide_emit(c, MQ_ACT_SET_HIGH, pod, pod->cgroup, value,
                           "lower memory.high of %s from %s to %s (usage %s): %s.", label, from, to,
                           cur, c->evidence);
}

enum outcome { ACTED, EXHAUSTED, DEFERRED };

/* A kill frees a pod's anonymous memory; its page cache stays charged to the
 * cgroup until reclaimed (cgroup-v2.rst: a page stays charged to the cgroup
 * that first touched it). Killing a pod holding little anon frees nothing. */
/* Advance pod i by one rung, skipping rungs that cannot help. */
static int advance(struct decide_ctx *c, size_t i, enum outcome *ret, char *why, size_t size) {
        const struct mq_pod *pod = &c->snap->pods[i];
        struct mq_pod_state *ps = &c->ps[i];
        int r;

        if (ps->step < MQ_STEP_RECLAIM) {
                uint64_t bytes = reclaim_bytes(c->cfg, pod);
                if (bytes > 0) {
                        r = do_reclaim(c, i, bytes);
                        *ret = ACTED;
                        return r;
                }
        }
        if (ps->step < MQ_STEP_THROTTLE) {
                uint64_t v = throttle_value(c->cfg, c->snap, pod, ps);
                if (v > 0) {
                        r = do_throttle(c, i, v);
                        *ret = ACTED;
                        return r;
                }
        }
        if (!c->cfg->kill_enabled || !mq_pod_killable(pod)) {
                *ret = EXHAUSTED;
                return 0;
        }
        if (!decide_kill_allowed(c, why, size)) {
                *ret = DEFERRED;
                return 0;
        }
        char cause[320];
        (void)snprintf(cause, sizeof(cause), "gentler steps did not relieve pressure, %s",
                       c->evidence);
        *ret = ACTED;
        return decide_kill_pod(c, i, cause);
}

static bool eligible(const struct decide_ctx *c, size_t i) {
        return mq_pod_eligible(c->cfg, &c->snap->pods[i], c->ps[i].step);
}

static int note(struct decide_ctx *c, size_t n_protected, const char *deferred) {
        c->st->last_action_ms = c->snap->now_ms;
        if (deferred[0])
                return decide_emit(c, MQ_ACT_NOTE, NULL, NULL, 0,
                                   "under pressure, next step is a kill but %s: %s.", deferred,
                                   c->evidence);
        if (n_protected == c->snap->n_pods)
                return decide_emit(c, MQ_ACT_NOTE, NULL, NULL, 0,
                                   "under pressure but no eligible pod (%zu protected), leaving "
                                   "it to the kernel OOM killer: %s.",
                                   n_protected, c->evidence);
        return decide_emit(c, MQ_ACT_NOTE, NULL, NULL, 0,
                           "under pressure but nothing left to act on (%zu protected, the rest "
                           "already acted on or too small): %s.",
                           n_protected, c->evidence);
}

/* Headroom critical: the OOM killer is close, skip the gentle rungs and kill the lowest-ranked
 * eligible pod. */
static int emergency_kill(struct decide_ctx *c, bool *ret_done) {
        char why[160];
        *ret_done = false;
        if (!c->pr.critical || !decide_kill_allowed(c, why, sizeof(why)))
                return 0;
        for (size_t k = 0; k < c->snap->n_pods; k++) {
                size_t i = c->order[k];
                if (!eligible(c, i) || !mq_pod_killable(&c->snap->pods[i]))
                        continue;
                const struct mq_headroom *hr = &c->pr.hr;
                char cause[320];
                if (hr->by_rate)
                        (void)snprintf(cause, sizeof(cause),
                                       "headroom would reach the %.1f%% kill watermark in %" PRIu64
                                       " ms, sooner than a kill frees memory, %s",
                                       c->cfg->watermark_kill_pct, hr->ms_to_kill_line,
                                       c->evidence);
                else
                        (void)snprintf(cause, sizeof(cause),
                                       "headroom below the %.1f%% kill watermark, %s",
                                       c->cfg->watermark_kill_pct, c->evidence);
                *ret_done = true;
                c->st->last_action_ms = c->snap->now_ms;
                return decide_kill_pod(c, i, cause);
        }
        return 0;
}

/* Headroom critical with no kill possible now: cap every eligible pod
 * that holds anonymous memory and was not throttled yet in this episode.
 * Pods of mostly page cache take the normal ladder: reclaim helps them. */
static int emergency_throttle(struct decide_ctx *c, bool *ret_done) {
        *ret_done = false;
        if (!c->pr.critical)
                return 0;
        for (size_t k = 0; k < c->snap->n_pods; k++) {
                size_t i = c->order[k];
                const struct mq_pod *pod = &c->snap->pods[i];
                if (!eligible(c, i) || !mq_pod_killable(pod) || c->ps[i].step >= MQ_STEP_THROTTLE)
                        continue;
                uint64_t v = throttle_value(c->cfg, c->snap, pod, &c->ps[i]);
                if (v == 0)
                        continue;
                int r = do_throttle(c, i, v);
                if (r < 0)
                        return r;
                c->ps[i].step_at_ms = c->snap->now_ms;
                *ret_done = true;
        }
        if (*ret_done)
                c->st->last_action_ms = c->snap->now_ms;
        return 0;
}

int decide_ladder_step(struct decide_ctx *c) {
        struct mq_agent_state *st = c->st;
        uint64_t now = c->snap->now_ms;
        bool done;
        int r = emergency_kill(c, &done);
        if (r < 0 || done)
                return r;
        if (now < st->last_action_ms + c->cfg->step_interval_ms)
                return 0; /* confirmation: the previous step gets its time */
        r = emergency_throttle(c, &done);
        if (r < 0 || done)
                return r;

        size_t n_protected = 0;
        char deferred[160] = "";
        for (size_t k = 0; k < c->snap->n_pods; k++) {
                size_t i = c->order[k];
                if (mq_pod_protected(c->cfg, &c->snap->pods[i]))
                        n_protected++;
                if (!eligible(c, i))
                        continue;
                enum outcome o;
                char why[160] = "";
                r = advance(c, i, &o, why, sizeof(why));
                if (r < 0)
                        return r;
                if (o == ACTED) {
                        c->ps[i].step_at_ms = now;
                        st->last_action_ms = now;
                        return 0;
                }
                /* A kill waiting for its cooldown does not hold back gentler
                 * steps on the next pods. */
                if (o == DEFERRED && !deferred[0])
                        (void)snprintf(deferred, sizeof(deferred), "%s", why);
        }
        return note(c, n_protected, deferred);
}

/* The limit relaxing climbs to: the original, or for "max" the pod's
 * memory.max or else the node's memory, from where one more step writes
 * "max" back. */
static uint64_t relax_anchor(const struct mq_snapshot *s, const struct mq_pod *pod,
                             const struct mq_pod_state *ps) {
        if (ps->original_high != MQ_UNLIMITED)
                return ps->original_high;
        if (pod->max != MQ_UNLIMITED)
                return pod->max;
        return s->mem_total ? s->mem_total : ps->throttled_high;
}

static int relax_one(struct decide_ctx *c, size_t i) {
        const struct mq_pod *pod = &c->snap->pods[i];
        struct mq_pod_state *ps = &c->ps[i];
        uint64_t anchor = relax_anchor(c->snap, pod, ps);
        if (ps->relax_step == 0) {
                /* Fixed per relax phase, so the way back takes a known
                 * number of equal steps (100 / relax_pct). */
                uint64_t gap = anchor > ps->throttled_high ? anchor - ps->throttled_high : 0;
                ps->relax_step = decide_pct_of(gap, c->cfg->relax_step_pct);
                if (ps->relax_step < MQ_MIN_STEP_BYTES)
                        ps->relax_step = MQ_MIN_STEP_BYTES;
        }
        uint64_t from = ps->throttled_high, v = from + ps->relax_step;
        bool last = v < from || v >= anchor;
        if (last)
                v = ps->original_high;
        char label[160], f[24], t[24], orig[24];
        decide_pod_label(pod, label, sizeof(label));
        decide_fmt_mib(from, f);
        decide_fmt_mib(v, t);
        decide_fmt_mib(ps->original_high, orig);
        int r = decide_emit(c, MQ_ACT_RELAX_HIGH, pod, pod->cgroup, v,
                            "raise memory.high of %s from %s to %s (original %s): no pressure "
                            "for %.1f s, %s.",
                            label, f, t, orig,
                            (double)(c->snap->now_ms - c->st->last_pressure_ms) / 1000.0,
                            c->evidence);
        if (r < 0)
                return r;
        ps->high_at_ms = c->snap->now_ms;
        if (last) {
                ps->throttled = false;
                ps->throttled_high = ps->original_high = 0;
                ps->relax_step = 0;
        } else
                ps->throttled_high = v;
        return 0;
}

int decide_relax(struct decide_ctx *c) {
        for (size_t i = 0; i < c->snap->n_pods; i++) {
                if (!c->ps[i].throttled ||
                    c->snap->now_ms < c->ps[i].high_at_ms + c->cfg->step_interval_ms)
                        continue;
                int r = relax_one(c, i);
                if (r < 0)
                        return r;
        }
        return 0;
}
