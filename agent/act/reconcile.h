/* SPDX-License-Identifier: MIT */
/* Keeping the cgroups as the records and the kubepods tree say (reconcile.c):
 * values a record applied that drifted, and protection propagated up. */
#pragma once

#include "core/agent.h"
#include "core/log.h"

/* Re-apply each record's "applied" values where the container cgroup's
 * file no longer reads back the same text; count and log each one (t: the
 * wakeup's timing, NULL: none). */
void reconcile_records(struct agent *a, const struct log_timing *t, const struct mq_snapshot *snap);

/* Raise memory.min/memory.low of every cgroup in the kubepods tree to at
 * least the sum of its children's. */
void reconcile_propagate(struct agent *a, const struct log_timing *t,
                         const struct mq_snapshot *snap);
