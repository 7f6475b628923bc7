/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "loop-int.h"

/* How long until the watermark timer reads MemAvailable again: 100 ms to
 * 1 s, sooner the closer the headroom is to the reclaim line. */
uint64_t timer_watermark_delay_ms(const struct agent *a);
/* Arm the timerfd for the earliest due duty. */
void timer_arm(struct loop *l);
/* Is a full cycle (not only the watermark's meminfo read) due at now? */
bool timer_full_cycle_due(const struct loop *l, uint64_t now);
