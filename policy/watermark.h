/* SPDX-License-Identifier: MIT */
/* The MemAvailable watermark timer, pure arithmetic. earlyoom's rule: sleep
 * the headroom to the next watermark divided by a worst-case fill rate, so
 * memory cannot run out between two reads of /proc/meminfo, clamped to
 * 100 ms..1 s. Without swap, anonymous growth stalls almost nothing before
 * the OOM killer fires (DESIGN.md), so PSI alone cannot see it coming. */
#pragma once

#include <stdint.h>

#define MQ_WATERMARK_MIN_MS 100
#define MQ_WATERMARK_MAX_MS 1000
/* earlyoom's worst case: RAM filling at 6000 MiB/s. */
#define MQ_WORST_FILL_BYTES_PER_MS (6000ULL * 1024 * 1024 / 1000)

/* pct % of total, in bytes; 0 for pct <= 0, total for pct >= 100. */
uint64_t mq_watermark_bytes(uint64_t total, double pct);

/* Milliseconds until MemAvailable must be read again; 0 when both
 * watermarks are off (0 %) or total is unknown. Below the reclaim
 * watermark the headroom is measured to the kill watermark. */
uint64_t mq_watermark_delay_ms(uint64_t total, uint64_t available, double reclaim_pct,
                               double kill_pct);
