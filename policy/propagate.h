/* SPDX-License-Identifier: MIT */
/* Protection propagation. cgroup-v2.rst: a cgroup's effective memory.min /
 * memory.low is capped by what its parent distributes ("the effective min
 * boundary is limited by memory.min values of all ancestor cgroups"), so a
 * container's protection only works when every ancestor up to kubepods
 * carries at least the sum below it. Pure computation; the agent writes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "types.h"

struct mq_protection {
        uint64_t min, low; /* bytes, MQ_UNLIMITED for "max" */
};

/* *sum += *child, saturating at MQ_UNLIMITED ("max" anywhere is "max"). */
void mq_protection_add(struct mq_protection *sum, const struct mq_protection *child);

/* What a parent must carry given the sum of its children: each value raised
 * to the sum, never lowered (an administrator's larger value stands, and
 * a pod that just left must not make the agent race the kubelet). Writes
 * *ret and returns true when it differs from *parent. */
bool mq_protection_need(const struct mq_protection *parent, const struct mq_protection *children,
                        struct mq_protection *ret);
