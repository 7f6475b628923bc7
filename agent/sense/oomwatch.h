/* SPDX-License-Identifier: MIT */
/* Kernel OOM kills explained (policy/oomkill.h finds them): one JSON line
 * per pod whose memory.events oom_kill rose, and one for kills /proc/vmstat
 * counts outside every pod; counted in a->stats, the latest kept for
 * `status` and `explain`. */
#pragma once

#include "core/agent.h"

/* Compare next with the baseline when kubepods counts kills not yet
 * explained; keep the baseline current (full: next is a full scan). The
 * first call only takes the baseline. */
void oomwatch_check(struct agent *a, const struct mq_snapshot *next, bool full);
