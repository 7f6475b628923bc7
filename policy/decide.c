/* SPDX-License-Identifier: MIT */
/* The decision: is the node under pressure, which episode are we in, and what
 * does the ladder, the relax phase and the livelock guard ask for now.
 *
 * "Under pressure" in one snapshot is any of:
 *   - the wakeup came from a PSI trigger (node or kubepods): the kernel saw
 *     the configured stall within its window (psi.rst), fresher evidence than
 *     any average, which lags ~2 s;
 *   - the headroom (MemAvailable net of the page cache protection keeps
 *     from reclaim, policy/headroom.h) below watermarks.reclaim_pct of
 *     MemTotal (or a watermark wakeup): without swap, anonymous growth
 *     reaches the OOM killer with little stall recorded, so PSI alone comes
 *     too late;
 *   - the node's "some" stall total grew, since a baseline at least one
 *     trigger window old, by at least the trigger threshold per window (the
 *     kernel's PSI trigger, psi.rst), made on totals so it also holds between
 *     wakeups and drops the moment stall stops (avg10 would keep a relieved
 *     node "under pressure" for seconds after a kill);
 *   - only on the very first snapshot (no baseline yet, e.g. `once`): some
 *     avg10 at or above the trigger's level (threshold / window).
 * The PSI evidence (the first and the last two) is set aside while the headroom
 * is above the reclaim watermark and some pod is being held at a memory.high
 * (its "high" events rising; known from the second snapshot on): the kernel accounts the throttling
 * of a cgroup over memory.high as memory stall (mem_cgroup_handle_over_high() runs its reclaim and
 * penalty sleep inside psi_memstall_enter()), and that stall shows in every ancestor up to
 * /proc/pressure/memory. One container stuck at its own limit is the livelock guard's business, not
 * a reason to reclaim, throttle or kill the other pods.
 */
#include <stdlib.h>

#include "decide-int.h"

static bool pressure_any(const struct decide_pressure *p) {
        return p->psi_trigger || p->watermark || p->growth || p->avg10;
}

/* Node stall growth against a baseline at least one window old. The baseline
 * only moves once a window has passed, so frequent wakeups (a few ms apart)
 * still measure over a full window instead of many tiny, always-quiet ones. */
static void measure_growth(const struct mq_config *cfg, const struct mq_snapshot *snap,
                           struct mq_agent_state *st, struct decide_pressure *pr) {
        uint64_t window_ms = cfg->psi_node_window_us / 1000, total = snap->node_psi.some_total_us;
        if (!st->have_last || snap->now_ms < st->last_snapshot_ms ||
            total < st->last_node_some_total_us) {
                /* First snapshot, or the clock or counter went backwards
                 * (a restarted kernel counter cannot happen, but be safe). */
                pr->avg10 = !st->have_last && window_ms > 0 &&
                            snap->node_psi.some_avg10 * (double)cfg->psi_node_window_us >=
                                    100.0 * (double)cfg->psi_node_some_us;
                st->have_last = true;
                st->last_snapshot_ms = snap->now_ms;
                st->last_node_some_total_us = total;
                return;
        }
        uint64_t dt = snap->now_ms - st->last_snapshot_ms;
        uint64_t stall = total - st->last_node_some_total_us;
        uint64_t span = dt > window_ms ? dt : window_ms;
        pr->measured = dt > 0;
        pr->stall_us = stall;
        pr->interval_ms = dt;
        /* psi.rst: a trigger fires when stall within the window reaches the
         * threshold; over a longer span, scale the threshold with it. */
        if (window_ms > 0)
                pr->growth = (double)stall * (double)window_ms >=
                             (double)cfg->psi_node_some_us * (double)span;
        if (dt >= window_ms) {
                st->last_snapshot_ms = snap->now_ms;
                st->last_node_some_total_us = total;
        }
}

static void assess(struct decide_ctx *c) {
        const struct mq_snapshot *s = c->snap;
        const struct mq_config *cfg = c->cfg;
        struct decide_pressure *pr = &c->pr;

        pr->psi_trigger =
                s->trigger == MQ_TRIGGER_PSI_NODE || s->trigger == MQ_TRIGGER_PSI_KUBEPODS;
        mq_headroom_of_snapshot(cfg, s, &pr->hr);
        pr->watermark = s->trigger == MQ_TRIGGER_WATERMARK || pr->hr.level != MQ_HEADROOM_OK;
        pr->critical = pr->hr.level == MQ_HEADROOM_CRITICAL;
        measure_growth(cfg, s, c->st, pr);
        const struct mq_pod *held = NULL;
        if (!pr->watermark && (pr->psi_trigger || pr->growth || pr->avg10))
                for (size_t i = 0; i < s->n_pods && !held; i++)
                        if (decide_pod_held_at_high(&c->ps[i], &s->pods[i]))
                                held = &s->pods[i];
        if (held) {
                pr->discounted = true;
                pr->psi_trigger = pr->growth = pr->avg10 = false;
        }

        mq_headroom_describe(&pr->hr, c->evidence, sizeof(c->evidence));
        size_t len = strlen(c->evidence);
        int n = snprintf(c->evidence + len, sizeof(c->evidence) - len,
                         ", node PSI some avg10 %.1f%%", s->node_psi.some_avg10);
        n = n < 0 ? n : n + (int)len;
        if (n > 0 && (size_t)n < sizeof(c->evidence) && pr->measured)
                n += snprintf(c->evidence + n, sizeof(c->evidence) - (size_t)n,
                              ", stall +%" PRIu64 " ms in %" PRIu64 " ms", pr->stall_us / 1000,
                              pr->interval_ms);
        if (n > 0 && (size_t)n < sizeof(c->evidence) && pr->psi_trigger)
                n += snprintf(c->evidence + n, sizeof(c->evidence) - (size_t)n, ", trigger %s",
                              mq_trigger_name(s->trigger));
        if (n > 0 && (size_t)n < sizeof(c->evidence) && held)
                (void)snprintf(c->evidence + n, sizeof(c->evidence) - (size_t)n,
                               ", stall set aside: pod %s is held at memory.high", held->uid);
}

static int cmp_state_uid(const void *a, const void *b) {
        return strcmp(((const struct mq_pod_state *)a)->uid, ((const struct mq_pod_state *)b)->uid);
}

static int cmp_key_state_uid(const void *key, const void *elem) {
        return strcmp(key, ((const struct mq_pod_state *)elem)->uid);
}

static bool sorted_by_uid(const struct mq_pod_state *v, size_t n) {
        for (size_t i = 1; i < n; i++)
                if (strcmp(v[i - 1].uid, v[i].uid) > 0)
                        return false;
        return true;
}

/* Carry each snapshot pod's state over (by UID) into a new array parallel to
 * snap->pods. Pods that vanished are not carried: they are dropped. */
static struct mq_pod_state *carry_states(const struct mq_snapshot *snap,
                                         struct mq_agent_state *old) {
        struct mq_pod_state *ps = calloc(snap->n_pods ? snap->n_pods : 1, sizeof(*ps));
        if (!ps)
                return NULL;
        /* Sorted by the last commit; a caller may have built it otherwise. */
        if (old->n_pods > 1 && !sorted_by_uid(old->pods, old->n_pods))
                qsort(old->pods, old->n_pods, sizeof(*old->pods), cmp_state_uid);
        for (size_t i = 0; i < snap->n_pods; i++) {
                const char *uid = snap->pods[i].uid;
                const struct mq_pod_state *prev =
                        old->n_pods ? bsearch(uid, old->pods, old->n_pods, sizeof(*old->pods),
                                              cmp_key_state_uid)
                                    : NULL;
                if (prev)
                        ps[i] = *prev;
                else
                        (void)snprintf(ps[i].uid, sizeof(ps[i].uid), "%s", uid);
                ps[i].seen = true;
        }
        return ps;
}

/* The states in UID order for the next carry_states(): sort small keys
 * (the UID's first 8 bytes, then the UID) and move each state once, rather
 * than merge-sorting the states themselves. NULL: no memory (the caller
 * sorts in place). */
struct state_key {
        uint64_t uid8;
        const char *uid;
        size_t index;
};

static int cmp_state_keys(const void *a, const void *b) {
        const struct state_key *x = a, *y = b;
        if (x->uid8 != y->uid8)
                return x->uid8 < y->uid8 ? -1 : 1;
        return strcmp(x->uid, y->uid);
}

static struct mq_pod_state *states_by_uid(const struct mq_pod_state *ps, size_t n) {
        struct state_key *keys = calloc(n ? n : 1, sizeof(*keys));
        struct mq_pod_state *out = calloc(n ? n : 1, sizeof(*out));
        if (!keys || !out) {
                free(keys);
                free(out);
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                keys[i] = (struct state_key){str_prefix8(ps[i].uid), ps[i].uid, i};
        qsort(keys, n, sizeof(*keys), cmp_state_keys);
        for (size_t i = 0; i < n; i++)
                out[i] = ps[keys[i].index];
        free(keys);
        return out;
}

/* Episode bookkeeping; then the ladder while pressure lasts, or the relax
 * phase once the episode is over. */
static int run_episode(struct decide_ctx *c) {
        struct mq_agent_state *st = c->st;
        uint64_t now = c->snap->now_ms;
        if (pressure_any(&c->pr)) {
                if (!st->in_episode) {
                        st->in_episode = true;
                        st->episode_start_ms = now;
                }
                st->last_pressure_ms = now;
                return decide_ladder_step(c);
        }
        if (st->in_episode && now >= st->last_pressure_ms + c->cfg->relief_ms) {
                /* Relief confirmed: the ladder starts from scratch next time;
                 * throttles stay recorded until relaxed. */
                st->in_episode = false;
                for (size_t i = 0; i < c->snap->n_pods; i++)
                        c->ps[i].step = MQ_STEP_NONE;
        }
        if (!st->in_episode)
                return decide_relax(c);
        return 0;
}

static int commit(struct decide_ctx *c, struct mq_agent_state *state, struct mq_actions *out) {
        if (c->acts.n > 0) {
                size_t need = out->n + c->acts.n;
                if (need > out->cap) {
                        struct mq_action *v = reallocarray(out->v, need, sizeof(*v));
                        if (!v)
                                return -ENOMEM;
                        out->v = v;
                        out->cap = need;
                }
                memcpy(out->v + out->n, c->acts.v, c->acts.n * sizeof(*c->acts.v));
                out->n = need;
        }
        if (c->snap->n_pods > 1) {
                struct mq_pod_state *sorted = states_by_uid(c->ps, c->snap->n_pods);
                if (sorted) {
                        free(c->ps);
                        c->ps = sorted;
                } else
                        qsort(c->ps, c->snap->n_pods, sizeof(*c->ps), cmp_state_uid);
        }
        free(state->pods);
        *state = *c->st;
        state->pods = c->ps;
        state->n_pods = state->cap_pods = c->snap->n_pods;
        c->ps = NULL;
        return 0;
}

int mq_decide(const struct mq_config *cfg, const struct mq_snapshot *snap,
              struct mq_agent_state *state, struct mq_actions *out) {
        struct mq_agent_state work = *state;
        struct decide_ctx c = {.cfg = cfg, .snap = snap, .st = &work};
        int r = -ENOMEM;

        c.order = calloc(snap->n_pods ? snap->n_pods : 1, sizeof(*c.order));
        c.ps = carry_states(snap, state);
        if (!c.order || !c.ps)
                goto out;
        mq_rank_pods(snap, c.order);
        assess(&c);

        work.last_decision_ms = snap->now_ms;
        r = decide_livelock_guard(&c);
        if (r >= 0)
                r = run_episode(&c);
        if (r >= 0)
                r = commit(&c, state, out);
out:
        free(c.order);
        free(c.ps);
        free(c.acts.v);
        return r;
}

static void earliest(uint64_t *d, uint64_t t) {
        if (t && (*d == 0 || t < *d))
                *d = t;
}

uint64_t mq_next_deadline_ms(const struct mq_config *cfg, const struct mq_agent_state *state) {
        uint64_t d = 0, last = state->last_decision_ms;
        if (state->in_episode) {
                /* Re-check at least once per step interval during an episode:
                 * the next step, or the relief, may be due without any event. */
                uint64_t step = state->last_action_ms > last ? state->last_action_ms : last;
                earliest(&d, step + cfg->step_interval_ms);
                earliest(&d, state->last_pressure_ms + cfg->relief_ms);
        }
        for (size_t i = 0; i < state->n_pods; i++) {
                const struct mq_pod_state *p = &state->pods[i];
                if (p->throttled && !state->in_episode)
                        earliest(&d, p->high_at_ms + cfg->step_interval_ms);
                if (p->stuck_since_ms && cfg->livelock_ms)
                        earliest(&d, p->livelock_sample_ms + MQ_LIVELOCK_SAMPLE_MS);
        }
        /* Never a time already past: the caller would spin. */
        if (d && d <= last)
                d = last + cfg->step_interval_ms;
        return d;
}
