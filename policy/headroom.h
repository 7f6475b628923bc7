/* SPDX-License-Identifier: MIT */
/* How much memory the node can still give, and how bad it is: the one
 * definition the decision core, the agent's watermark timer and its status
 * output share.
 *
 * Headroom is MemAvailable net of the page cache that memory.min and
 * memory.low keep out of reclaim (policy/protection.h). MemAvailable alone
 * counts that cache as available: with a protected pod's cache a large
 * share of RAM, the kernel runs out of memory it may reclaim, and OOM-kills,
 * while MemAvailable still reads ~20 % (seen in the VM). The better memqos
 * protects a pod, the later MemAvailable would show the node running out.
 *
 * Levels, against the watermarks of the configuration (percent of MemTotal):
 *   low       headroom below watermarks.reclaim_pct: the ladder runs;
 *   critical  headroom below watermarks.kill_pct, or below the reclaim line
 *             and shrinking fast enough to reach the kill line within
 *             MQ_KILL_LEAD_MS: kill now. Without swap, throttling anonymous
 *             growth is a pause, not reclaim, and a kill needs time to free
 *             memory; waiting for the kill line at hundreds of MiB/s is
 *             waiting for the kernel OOM killer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "protection.h"

/* The watermark timer: sleep the headroom to the next line divided by a
 * worst-case fill rate (earlyoom's rule: RAM filling at 6000 MiB/s), or by
 * the measured rate when that is higher, clamped to 100 ms..1 s, so memory
 * cannot run out between two reads of /proc/meminfo. */
#define MQ_WATERMARK_MIN_MS        100
#define MQ_WATERMARK_MAX_MS        1000
#define MQ_WORST_FILL_BYTES_PER_MS (6000ULL * 1024 * 1024 / 1000)

/* From a kill decision to memory back: the next wakeup (<= 100 ms below the
 * reclaim line), cgroup.kill, and the tasks' exit unmapping their memory. */
#define MQ_KILL_LEAD_MS 1000

enum mq_headroom_level {
        MQ_HEADROOM_OK = 0,
        MQ_HEADROOM_LOW,      /* below the reclaim line */
        MQ_HEADROOM_CRITICAL, /* kill now */
};
const char *mq_headroom_level_name(enum mq_headroom_level l);

struct mq_headroom {
        uint64_t mem_total, mem_available;
        struct mq_protected prot; /* page cache out of reclaim's reach */
        uint64_t headroom;        /* mem_available - prot.min - prot.low, >= 0 */
        uint64_t reclaim_line, kill_line;
        uint64_t fill_rate;       /* bytes per second, measured */
        uint64_t ms_to_kill_line; /* at fill_rate; UINT64_MAX when not filling */
        enum mq_headroom_level level;
        bool by_rate; /* critical by the fill rate, above the kill line */
};

/* pct % of total, in bytes; 0 for pct <= 0, total for pct >= 100. */
uint64_t mq_watermark_bytes(uint64_t total, double pct);

void mq_headroom_assess(const struct mq_config *cfg, uint64_t mem_total, uint64_t mem_available,
                        const struct mq_protected *prot, uint64_t fill_rate,
                        struct mq_headroom *ret);
/* The same from a snapshot: its meminfo figures, fill rate, and the
 * protection its pods and ancestors carry. */
void mq_headroom_of_snapshot(const struct mq_config *cfg, const struct mq_snapshot *s,
                             struct mq_headroom *ret);

/* Headroom as percent of MemTotal (100 when MemTotal is unknown). */
double mq_headroom_pct(const struct mq_headroom *h);

/* "MemAvailable 190 MiB (18.6%), protected cache 256 MiB, headroom 0 MiB
 * (0.0%), shrinking 150 MiB/s" into buf, for reasons and log lines. */
void mq_headroom_describe(const struct mq_headroom *h, char *buf, size_t size);

/* Milliseconds until /proc/meminfo must be read again; 0 when both
 * watermarks are off (0 %) or MemTotal is unknown. Below the reclaim line
 * the headroom is measured to the kill line. */
uint64_t mq_headroom_delay_ms(const struct mq_headroom *h);

/* Recent MemAvailable readings, for the fill rate over the last
 * MQ_FILL_WINDOW_MS. Samples are kept at least MQ_FILL_GAP_MS apart from
 * the one before the newest, so a ring of MQ_FILL_SAMPLES spans the window
 * however often the agent reads. */
#define MQ_FILL_SAMPLES   32
#define MQ_FILL_GAP_MS    50
#define MQ_FILL_WINDOW_MS 1000
struct mq_fill_meter {
        size_t n, head; /* head: the newest sample */
        struct {
                uint64_t ms, bytes;
        } v[MQ_FILL_SAMPLES];
};
void mq_fill_meter_add(struct mq_fill_meter *m, uint64_t now_ms, uint64_t mem_available);
/* Bytes per second MemAvailable fell over the window ending at the newest
 * sample; 0 when it rose, held, or the samples span under MQ_FILL_GAP_MS. */
uint64_t mq_fill_meter_rate(const struct mq_fill_meter *m);
