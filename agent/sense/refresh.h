/* SPDX-License-Identifier: MIT */
/* The fast path of a wakeup (refresh.c, refresh-pods.c): the last full scan
 * brought up to date with only the files a decision needs. */
#pragma once

#include "core/agent.h"

/* The fast path of a wakeup: a copy of a->snap with fresh node
 * figures, the pods created or removed since applied, and fresh files for
 * the pods the decision reads or can act on. -EAGAIN when a full scan is
 * needed. The loop takes a full scan at least every SCAN_FULL_MS.
 * *ret_usage_deferred: the decision will rank on old usage where it could
 * act; refresh_usage_pass() after its writes catches up. */
#define SCAN_FULL_MS 300000
int refresh_snapshot(struct agent *a, enum mq_trigger trigger, struct mq_snapshot *ret,
                     bool *ret_usage_deferred, struct mq_error *err);
/* The same snapshot again with usage read before ranking, for a decision
 * that refused to kill on old usage (-ESTALE). -EAGAIN: take a full scan. */
int refresh_snapshot_usage(struct agent *a, struct mq_snapshot *s, struct mq_error *err);
/* After the writes of a decision on old usage: read the usage the next
 * ranking needs (refresh-pods.c), off the wakeup's path. */
int refresh_usage_pass(struct agent *a, struct mq_snapshot *s);
