/* SPDX-License-Identifier: MIT */
/* Shared by refresh.c (which files of which pods a wakeup reads) and
 * refresh-pods.c (pods that came and went, the usage pass). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "headroom.h"

#define REFRESH_CANDIDATES 4 /* lowest-ranked eligible pods read afresh */

/* What to read of a pod, in increasing order: nothing, its PSI, the livelock
 * guard's inputs, what the emergency throttle needs, everything. GONE: the
 * pod's cgroup went away while being read. */
enum need { NEED_NONE = 0, NEED_PSI, NEED_SAMPLE, NEED_LIMITS, NEED_ALL, NEED_GONE };

const struct mq_pod_state *refresh_state_of(const struct agent *a, const struct mq_pod *p);
/* The headroom level of s (policy/headroom.h). */
enum mq_headroom_level refresh_level(const struct agent *a, const struct mq_snapshot *s);
/* A pod the ladder may act on. */
bool refresh_candidate(const struct agent *a, const struct mq_pod *p);
/* The cgroup went away (ENOENT, or ENODEV reading a removed cgroup's file). */
bool refresh_gone(int r);

/* Pods created since the last full scan join s (marked NEED_ALL), pods
 * removed are marked NEED_GONE. s must have room for a->pod_changes.n more. */
void refresh_apply_pod_changes(struct agent *a, struct mq_snapshot *s, uint8_t *mark);
/* Is any pod a candidate at all? */
bool refresh_has_candidate(const struct agent *a, const struct mq_snapshot *s);
/* memory.current of the pods that can come first (see refresh-pods.c);
 * -EAGAIN when one cannot be read for another reason than being gone. */
int refresh_read_usage(struct agent *a, struct mq_snapshot *s, const size_t *order, uint8_t *mark);
