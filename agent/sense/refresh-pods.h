/* SPDX-License-Identifier: MIT */
/* What refresh.c (which files of which pods a wakeup reads) asks of
 * refresh-pods.c (pods that came and went, the usage pass). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/agent.h"
#include "refresh-ctx.h"

#define REFRESH_CANDIDATES 4 /* lowest-ranked eligible pods read afresh */

/* What to read of a pod, in increasing order: nothing, its PSI, the livelock
 * guard's inputs, what the emergency throttle needs, everything. GONE: the
 * pod's cgroup went away while being read. */
enum need { NEED_NONE = 0, NEED_PSI, NEED_SAMPLE, NEED_LIMITS, NEED_ALL, NEED_GONE };

/* Pods created since the last full scan join s (marked NEED_ALL), pods
 * removed are marked NEED_GONE. s must have room for a->pod_changes.n more. */
void refresh_apply_pod_changes(struct agent *a, struct mq_snapshot *s, uint8_t *mark);
/* Is any pod a candidate at all? */
bool refresh_has_candidate(const struct refresh_ctx *rc, const struct mq_snapshot *s);
/* memory.current of the pods that can come first (see refresh-pods.c);
 * -EAGAIN when one cannot be read for another reason than being gone. */
int refresh_read_usage(const struct refresh_ctx *rc, struct mq_snapshot *s, const size_t *order,
                       uint8_t *mark);
