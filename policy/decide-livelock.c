/* SPDX-License-Identifier: MIT */
/* The livelock guard. cgroup-v2.rst: over memory.high, tasks are throttled
 * and put into direct reclaim, the OOM killer is never invoked, and "it is
 * meant to be used with an outside monitor" — without swap an anonymous-memory
 * pod over its memory.high simply stops (BACKGROUND.md: D state, its own full
 * PSI rising ~1 s per second, ~50 "high" events per second). A pod is stuck
 * when, at every sample (>= MQ_LIVELOCK_SAMPLE_MS apart), its memory.events
 * "high" rose and its own PSI full avg10 is at or above livelock.full_pct; stuck
 * for livelock.stuck_ms in a row, its memory.high is raised (or, with
 * livelock.kill and kills allowed, the pod is killed). Independent of node
 * pressure. Pods the ladder throttled during an episode are left to the ladder:
 * that pause is deliberate and its next rung resolves it. */
#include "decide-int.h"

/* Within this of memory.high counts as "at" it: the kernel lets a throttled
 * cgroup creep a little over, and a stuck one sits right under it. */
static bool at_high(uint64_t current, uint64_t high) {
        if (high == MQ_UNLIMITED)
                return false;
        uint64_t slack = high / 32 > MQ_MIN_STEP_BYTES ? high / 32 : MQ_MIN_STEP_BYTES;
        return current + slack >= high;
}

/* Room to finish what it is doing: a quarter of its usage, at least 32 MiB,
 * never above memory.max (over that the kernel's own OOM handling applies).
 * 0 when memory.high cannot be raised. */
static uint64_t raised_high(uint64_t current, uint64_t high, uint64_t max) {
        uint64_t base = current > high ? current : high;
        uint64_t margin = current / 4 > 32 * MIB ? current / 4 : 32 * MIB;
        uint64_t v = base + margin;
        if (v > max)
                v = max;
        return v > high ? v : 0;
}

static int unstick(struct decide_ctx *c, size_t i, const char *evidence) {
        const struct mq_pod *pod = &c->snap->pods[i];
        struct mq_pod_state *ps = &c->ps[i];
        char label[160], from[24], to[24];
        decide_pod_label(pod, label, sizeof(label));
        int r, n = 0;

        if (ps->throttled) {
                /* Our own throttle, outside an episode: give it all back. */
                decide_fmt_mib(ps->throttled_high, from);
                decide_fmt_mib(ps->original_high, to);
                r = decide_emit(c, MQ_ACT_UNSTICK, pod, pod->cgroup, ps->original_high,
                                "raise memory.high of %s from %s back to %s: %s.", label, from, to,
                                evidence);
                ps->throttled = false;
                ps->throttled_high = ps->original_high = ps->relax_step = 0;
                return r;
        }
        /* memory.events is hierarchical: the pod's counter also rises when a
         * container is held at its own memory.high (set by the hook). */
        for (size_t k = 0; k < pod->n_containers; k++) {
                const struct mq_container *ct = &pod->containers[k];
                uint64_t v = at_high(ct->current, ct->high)
                                     ? raised_high(ct->current, ct->high, ct->max)
                                     : 0;
                if (v == 0)
                        continue;
                decide_fmt_mib(ct->high, from);
                decide_fmt_mib(v, to);
                r = decide_emit(c, MQ_ACT_UNSTICK, pod, ct->cgroup, v,
                                "raise memory.high of container %.12s in %s from %s to %s: %s.",
                                ct->id, label, from, to, evidence);
                if (r < 0)
                        return r;
                n++;
        }
        uint64_t v = at_high(pod->current, pod->high)
                             ? raised_high(pod->current, pod->high, pod->max)
                             : 0;
        if (v > 0) {
                decide_fmt_mib(pod->high, from);
                decide_fmt_mib(v, to);
                r = decide_emit(c, MQ_ACT_UNSTICK, pod, pod->cgroup, v,
                                "raise memory.high of %s from %s to %s: %s.", label, from, to,
                                evidence);
                if (r < 0)
                        return r;
                n++;
        }
        if (n > 0)
                return 0;
        return decide_emit(c, MQ_ACT_NOTE, pod, NULL, 0,
                           "%s looks stuck but has no memory.high below memory.max to raise: %s.",
                           label, evidence);
}

static int act(struct decide_ctx *c, size_t i, const char *evidence) {
        const struct mq_pod *pod = &c->snap->pods[i];
        char why[160];
        if (c->cfg->livelock_kill && !mq_pod_protected(c->cfg, pod) &&
            decide_kill_allowed(c, why, sizeof(why))) {
                char cause[256];
                (void)snprintf(cause, sizeof(cause), "%s, livelock.kill is set", evidence);
                return decide_kill_pod(c, i, cause);
        }
        /* Raising memory.high only helps the pod, so protected pods and pods
         * whose kill must wait get it too. */
        return unstick(c, i, evidence);
}

static int guard_one(struct decide_ctx *c, size_t i) {
        const struct mq_config *cfg = c->cfg;
        const struct mq_pod *pod = &c->snap->pods[i];
        struct mq_pod_state *ps = &c->ps[i];
        uint64_t now = c->snap->now_ms;

        if (ps->livelock_sample_ms == 0 || now < ps->livelock_sample_ms ||
            pod->events.high < ps->last_events_high) {
                /* New pod (or a recreated cgroup): this is the baseline. */
                ps->livelock_sample_ms = now;
                ps->last_events_high = pod->events.high;
                ps->stuck_since_ms = 0;
                ps->held_at_high = false;
                ps->last_rise_ms = 0;
                return 0;
        }
        if (now - ps->livelock_sample_ms < MQ_LIVELOCK_SAMPLE_MS)
                return 0;
        uint64_t prev_ms = ps->livelock_sample_ms, rise = pod->events.high - ps->last_events_high;
        ps->livelock_sample_ms = now;
        ps->last_events_high = pod->events.high;
        if (rise > 0)
                ps->last_rise_ms = now;
        /* A still counter for one sample is the kernel's penalty sleep, not
         * relief (MQ_HELD_WINDOW_MS). */
        bool recent = ps->last_rise_ms && now - ps->last_rise_ms <= MQ_HELD_WINDOW_MS;
        ps->held_at_high = recent;

        /* Sampling goes on with the guard off: the pressure test uses it. */
        bool owned = ps->throttled && c->st->in_episode;
        if (cfg->livelock_ms == 0 || owned || !recent ||
            pod->psi.full_avg10 < cfg->livelock_full_pct) {
                ps->stuck_since_ms = 0;
                return 0;
        }
        if (ps->stuck_since_ms == 0)
                ps->stuck_since_ms = prev_ms; /* the rise happened since then */
        if (now - ps->stuck_since_ms < cfg->livelock_ms)
                return 0;

        char evidence[200];
        (void)snprintf(evidence, sizeof(evidence),
                       "stuck at memory.high for %.1f s (high events +%" PRIu64
                       " in %.1f s, own PSI full avg10 %.1f%%)",
                       (double)(now - ps->stuck_since_ms) / 1000.0, rise,
                       (double)(now - prev_ms) / 1000.0, pod->psi.full_avg10);
        /* A further action needs another full period, and a new rise: avg10
         * lags for seconds, and a pod released (or emptied) right now must not
         * look stuck on the strength of the rise that was just answered. */
        ps->stuck_since_ms = 0;
        ps->last_rise_ms = 0;
        return act(c, i, evidence);
}

bool decide_pod_held_at_high(const struct mq_pod_state *ps, const struct mq_pod *pod) {
        return ps->livelock_sample_ms &&
               (pod->events.high > ps->last_events_high || ps->held_at_high);
}

int decide_livelock_guard(struct decide_ctx *c) {
        int r = 0;
        c->livelock = true;
        for (size_t i = 0; i < c->snap->n_pods && r >= 0; i++)
                r = guard_one(c, i);
        c->livelock = false;
        return r < 0 ? r : 0;
}
