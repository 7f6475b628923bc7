/* SPDX-License-Identifier: MIT */
/* The one timerfd: reconcile, the decision core's ladder steps, the PSI
 * fallback and the headroom watermark (policy/headroom.h), whichever is
 * due first. The watermark tick runs even with plenty of memory: it reads
 * two small procfs files, a few microseconds. */
#include <sys/timerfd.h>

#include "loop-int.h"
#include "sense/refresh.h"
#include "sense/scan.h"
#include "timer.h"

uint64_t timer_watermark_delay_ms(const struct agent *a) {
        struct mq_headroom hr;
        agent_headroom(a, &hr);
        return mq_headroom_delay_ms(&hr);
}

static void min_deadline(uint64_t *best, uint64_t t) {
        if (*best == 0 || t < *best)
                *best = t;
}

void timer_arm(struct loop *l) {
        const struct agent *a = l->a;
        uint64_t next = 0;
        if (a->cfg.reconcile_ms)
                min_deadline(&next, l->last_reconcile_ms + a->cfg.reconcile_ms);
        /* The decision core's own schedule: next ladder step, relief check,
         * relax step, livelock sample. Never sooner than MIN_EVENT_GAP_MS
         * after the last decision, so a deadline the core leaves in the past
         * cannot turn into a busy loop. */
        uint64_t d = l->decide_deadline_ms;
        if (d)
                min_deadline(&next, d > l->last_decide_ms + MIN_EVENT_GAP_MS
                                            ? d
                                            : l->last_decide_ms + MIN_EVENT_GAP_MS);
        uint64_t wm = timer_watermark_delay_ms(a);
        if (wm)
                min_deadline(&next, l->last_meminfo_ms + wm);
        if (l->node.fd < 0)
                min_deadline(&next, l->last_scan_ms + PSI_FALLBACK_MS);
        if (l->pending || l->rewatch)
                min_deadline(&next, l->last_scan_ms + MIN_EVENT_GAP_MS);
        /* The safety net: pods that changed without an event are read at
         * least this often. */
        min_deadline(&next, a->snap_full_ms + SCAN_FULL_MS);

        struct itimerspec its = {0};
        if (next) {
                uint64_t now = now_ms();
                if (next <= now)
                        next = now + 1;
                its.it_value.tv_sec = (time_t)(next / 1000);
                its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
        }
        (void)timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Is anything other than the watermark due: a pending event, new watches,
 * the PSI fallback, a ladder step of the decision core, reconcile or the
 * periodic full scan? */
bool timer_full_cycle_due(const struct loop *l, uint64_t now) {
        const struct agent *a = l->a;
        uint64_t soon = now + DUE_SLACK_MS;
        uint64_t d = l->decide_deadline_ms;
        return l->pending || l->reconcile_now || l->rewatch ||
               soon >= a->snap_full_ms + SCAN_FULL_MS ||
               (l->node.fd < 0 && soon >= l->last_scan_ms + PSI_FALLBACK_MS) || (d && soon >= d) ||
               (a->cfg.reconcile_ms && soon >= l->last_reconcile_ms + a->cfg.reconcile_ms);
}
