/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "loop-int.h"

/* One wakeup's work, in order: records, snapshot, decision and actions,
 * reconcile, the OOM watch, the snapshot kept, the PSI triggers re-armed.
 * wake_us: when epoll_wait returned (0: the first cycle, not a wakeup). */
void cycle(struct loop *l, enum mq_trigger trigger, uint64_t wake_us);

/* The watermark timer alone: read /proc/meminfo and run a cycle only when
 * the headroom fell below the reclaim line. false: meminfo could not be
 * read, the caller runs a full cycle to report it. */
bool cycle_watermark_only(struct loop *l, uint64_t wake_us);

/* Keep the decision state on disk (warns once when it cannot). */
void cycle_save_state(struct loop *l);
