/* SPDX-License-Identifier: MIT */
#include "watermark.h"

uint64_t mq_watermark_bytes(uint64_t total, double pct) {
        if (pct <= 0)
                return 0;
        if (pct >= 100)
                return total;
        return (uint64_t)((double)total * pct / 100.0);
}

uint64_t mq_watermark_delay_ms(uint64_t total, uint64_t available, double reclaim_pct,
                               double kill_pct) {
        uint64_t reclaim = mq_watermark_bytes(total, reclaim_pct);
        uint64_t kill = mq_watermark_bytes(total, kill_pct);
        if ((reclaim == 0 && kill == 0) || total == 0)
                return 0;
        uint64_t floor = available > reclaim ? reclaim : kill;
        uint64_t headroom = available > floor ? available - floor : 0;
        uint64_t ms = headroom / MQ_WORST_FILL_BYTES_PER_MS;
        if (ms < MQ_WATERMARK_MIN_MS)
                return MQ_WATERMARK_MIN_MS;
        return ms > MQ_WATERMARK_MAX_MS ? MQ_WATERMARK_MAX_MS : ms;
}
