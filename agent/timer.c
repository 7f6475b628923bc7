/* SPDX-License-Identifier: MIT */
/* The one timerfd: reconcile, the decision core's ladder steps, the PSI
 * fallback and the MemAvailable watermark, whichever is due first. */
#include <sys/timerfd.h>

#include "loop-int.h"

uint64_t pct_of(uint64_t total, double pct) {
        if (pct <= 0)
                return 0;
        return (uint64_t)((double)total * pct / 100.0);
}

/* The adaptive MemAvailable timer (earlyoom's rule): sleep the headroom to
 * the next watermark divided by the worst-case fill rate, clamped to
 * 100 ms..1 s; 0 (off) only when the watermarks are disabled. It runs even
 * with plenty of memory: anonymous growth without swap records almost no
 * stall before the OOM killer fires (DESIGN.md), so neither PSI nor
 * memory.events would tell us that the watermark is near. Each tick reads
 * two small procfs files, a few microseconds. */
uint64_t watermark_delay_ms(const struct agent *a) {
        const struct mq_snapshot *s = &a->snap;
        uint64_t reclaim = pct_of(s->mem_total, a->cfg.watermark_reclaim_pct);
        uint64_t kill = pct_of(s->mem_total, a->cfg.watermark_kill_pct);
        if ((reclaim == 0 && kill == 0) || s->mem_total == 0)
                return 0;
        uint64_t floor = s->mem_available > reclaim ? reclaim : kill;
        uint64_t headroom = s->mem_available > floor ? s->mem_available - floor : 0;
        uint64_t ms = headroom / WORST_FILL_BYTES_PER_MS;
        return ms < WATERMARK_MIN_MS   ? WATERMARK_MIN_MS
               : ms > WATERMARK_MAX_MS ? WATERMARK_MAX_MS
                                       : ms;
}

static void min_deadline(uint64_t *best, uint64_t t) {
        if (*best == 0 || t < *best)
                *best = t;
}

void arm_timer(struct loop *l) {
        const struct agent *a = l->a;
        uint64_t next = 0;
        if (a->cfg.reconcile_ms)
                min_deadline(&next, l->last_reconcile_ms + a->cfg.reconcile_ms);
        /* The decision core's own schedule: next ladder step, relief check,
         * relax step, livelock sample. Never sooner than MIN_EVENT_GAP_MS
         * after the last decision, so a deadline the core leaves in the past
         * cannot turn into a busy loop. */
        uint64_t d = mq_next_deadline_ms(&a->cfg, &a->st);
        if (d)
                min_deadline(&next, d > l->last_decide_ms + MIN_EVENT_GAP_MS
                                            ? d
                                            : l->last_decide_ms + MIN_EVENT_GAP_MS);
        uint64_t wm = watermark_delay_ms(a);
        if (wm)
                min_deadline(&next, l->last_meminfo_ms + wm);
        if (l->node.fd < 0)
                min_deadline(&next, l->last_scan_ms + PSI_FALLBACK_MS);
        if (l->pending)
                min_deadline(&next, l->last_scan_ms + MIN_EVENT_GAP_MS);

        struct itimerspec its = {0};
        if (next) {
                uint64_t now = agent_now_ms();
                if (next <= now)
                        next = now + 1;
                its.it_value.tv_sec = (time_t)(next / 1000);
                its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
        }
        (void)timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Is anything other than the watermark due: a pending event, the PSI
 * fallback, a ladder step of the decision core, or reconcile? */
bool full_cycle_due(const struct loop *l, uint64_t now) {
        const struct agent *a = l->a;
        uint64_t soon = now + DUE_SLACK_MS;
        uint64_t d = mq_next_deadline_ms(&a->cfg, &a->st);
        return l->pending || l->reconcile_now ||
               (l->node.fd < 0 && soon >= l->last_scan_ms + PSI_FALLBACK_MS) || (d && soon >= d) ||
               (a->cfg.reconcile_ms && soon >= l->last_reconcile_ms + a->cfg.reconcile_ms);
}
