/* SPDX-License-Identifier: MIT */
#include "headroom.h"

#include <inttypes.h>
#include <stdio.h>

#include "util.h"

#define MIB (UINT64_C(1) << 20)

static const char *const level_names[] = {
        [MQ_HEADROOM_OK] = "ok",
        [MQ_HEADROOM_LOW] = "low",
        [MQ_HEADROOM_CRITICAL] = "critical",
};

const char *mq_headroom_level_name(enum mq_headroom_level l) {
        if ((unsigned)l >= ELEMENTSOF(level_names))
                return "invalid";
        return level_names[l];
}

uint64_t mq_watermark_bytes(uint64_t total, double pct) {
        if (pct <= 0)
                return 0;
        if (pct >= 100)
                return total;
        return (uint64_t)((double)total * pct / 100.0);
}

static enum mq_headroom_level level_of(const struct mq_headroom *h, bool *ret_by_rate) {
        *ret_by_rate = false;
        if (h->mem_total == 0)
                return MQ_HEADROOM_OK;
        if (h->headroom < h->kill_line)
                return MQ_HEADROOM_CRITICAL;
        if (h->headroom >= h->reclaim_line)
                return MQ_HEADROOM_OK;
        /* Below the reclaim line: would the kill line come before a kill
         * decided now could free anything? Only with the kill line on. */
        if (h->kill_line && h->ms_to_kill_line < MQ_KILL_LEAD_MS) {
                *ret_by_rate = true;
                return MQ_HEADROOM_CRITICAL;
        }
        return MQ_HEADROOM_LOW;
}

void mq_headroom_assess(const struct mq_config *cfg, uint64_t mem_total, uint64_t mem_available,
                        const struct mq_protected *prot, uint64_t fill_rate,
                        struct mq_headroom *ret) {
        struct mq_headroom h = {
                .mem_total = mem_total,
                .mem_available = mem_available,
                .prot = *prot,
                .reclaim_line = mq_watermark_bytes(mem_total, cfg->watermark_reclaim_pct),
                .kill_line = mq_watermark_bytes(mem_total, cfg->watermark_kill_pct),
                .fill_rate = fill_rate,
                .ms_to_kill_line = UINT64_MAX,
        };
        uint64_t kept = prot->min > UINT64_MAX - prot->low ? UINT64_MAX : prot->min + prot->low;
        h.headroom = mem_available > kept ? mem_available - kept : 0;
        if (fill_rate > 0) {
                uint64_t room = h.headroom > h.kill_line ? h.headroom - h.kill_line : 0;
                h.ms_to_kill_line = (uint64_t)((unsigned __int128)room * 1000 / fill_rate);
        }
        h.level = level_of(&h, &h.by_rate);
        *ret = h;
}

void mq_headroom_of_snapshot(const struct mq_config *cfg, const struct mq_snapshot *s,
                             struct mq_headroom *ret) {
        struct mq_protected prot;
        mq_protection_compute(s, NULL, &prot);
        mq_headroom_assess(cfg, s->mem_total, s->mem_available, &prot, s->fill_rate, ret);
}

double mq_headroom_pct(const struct mq_headroom *h) {
        if (h->mem_total == 0)
                return 100.0;
        return 100.0 * (double)h->headroom / (double)h->mem_total;
}

void mq_headroom_describe(const struct mq_headroom *h, char *buf, size_t size) {
        double avail_pct =
                h->mem_total ? 100.0 * (double)h->mem_available / (double)h->mem_total : 100.0;
        int n = snprintf(buf, size,
                         "MemAvailable %" PRIu64 " MiB (%.1f%%), protected cache %" PRIu64
                         " MiB, headroom %" PRIu64 " MiB (%.1f%%)",
                         h->mem_available / MIB, avail_pct, (h->prot.min + h->prot.low) / MIB,
                         h->headroom / MIB, mq_headroom_pct(h));
        if (n > 0 && (size_t)n < size && h->fill_rate >= MIB)
                (void)snprintf(buf + n, size - (size_t)n, ", shrinking %" PRIu64 " MiB/s",
                               h->fill_rate / MIB);
}

uint64_t mq_headroom_delay_ms(const struct mq_headroom *h) {
        if ((h->reclaim_line == 0 && h->kill_line == 0) || h->mem_total == 0)
                return 0;
        uint64_t line = h->headroom > h->reclaim_line ? h->reclaim_line : h->kill_line;
        uint64_t room = h->headroom > line ? h->headroom - line : 0;
        uint64_t rate_ms = h->fill_rate / 1000;
        uint64_t per_ms =
                rate_ms > MQ_WORST_FILL_BYTES_PER_MS ? rate_ms : MQ_WORST_FILL_BYTES_PER_MS;
        uint64_t ms = room / per_ms;
        if (ms < MQ_WATERMARK_MIN_MS)
                return MQ_WATERMARK_MIN_MS;
        return ms > MQ_WATERMARK_MAX_MS ? MQ_WATERMARK_MAX_MS : ms;
}

void mq_fill_meter_add(struct mq_fill_meter *m, uint64_t now_ms, uint64_t mem_available) {
        /* Readings closer than the gap to the sample before the newest
         * replace the newest, so bursts of wakeups do not crowd the window
         * out of the ring and every sample keeps its own time. */
        size_t prev = (m->head + MQ_FILL_SAMPLES - 1) % MQ_FILL_SAMPLES;
        if (m->n >= 2 && now_ms >= m->v[prev].ms && now_ms < m->v[prev].ms + MQ_FILL_GAP_MS) {
                m->v[m->head].ms = now_ms;
                m->v[m->head].bytes = mem_available;
                return;
        }
        m->head = m->n ? (m->head + 1) % MQ_FILL_SAMPLES : 0;
        if (m->n < MQ_FILL_SAMPLES)
                m->n++;
        m->v[m->head].ms = now_ms;
        m->v[m->head].bytes = mem_available;
}

uint64_t mq_fill_meter_rate(const struct mq_fill_meter *m) {
        if (m->n < 2)
                return 0;
        uint64_t now = m->v[m->head].ms, last = m->v[m->head].bytes;
        size_t oldest = m->head;
        for (size_t k = 1; k < m->n; k++) {
                size_t i = (m->head + MQ_FILL_SAMPLES - k) % MQ_FILL_SAMPLES;
                if (m->v[i].ms > now || now - m->v[i].ms > MQ_FILL_WINDOW_MS)
                        break;
                oldest = i;
        }
        uint64_t dt = now - m->v[oldest].ms, then = m->v[oldest].bytes;
        if (dt < MQ_FILL_GAP_MS || then <= last)
                return 0;
        return (uint64_t)((unsigned __int128)(then - last) * 1000 / dt);
}
