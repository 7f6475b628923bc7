/* SPDX-License-Identifier: MIT */
/* Kernel OOM kills explained (policy/oomkill.h finds them): one JSON line
 * per pod whose memory.events oom_kill rose, and one for kills /proc/vmstat
 * counts outside every pod; counted in a->stats, the latest kept for
 * `status` and `explain`. */
#pragma once

#include "agent.h"

/* Compare next with the last check's baseline, then take next as the
 * baseline; the first call only takes it. */
void oomwatch_check(struct agent *a, const struct mq_snapshot *next);
