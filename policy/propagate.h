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

/* The propagation cap. memory.min on kubepods is taken from its siblings
 * (system.slice: the kubelet, the runtime, sshd) before anything of the
 * pods': with the pods' total carried up unbounded, one "max" anywhere
 * below hard-protects every pod against the node's own services. So the
 * total kubepods carries is at most a share of MemTotal, a child's "max"
 * counts as that cap, and when the children claim more the ancestors'
 * values are scaled down to fit (the kernel shares an ancestor's
 * protection among children in proportion to their claims anyway). */

/* pct % of mem_total, page-aligned down. */
uint64_t mq_protection_cap(uint64_t mem_total, unsigned pct, uint64_t page_size);

/* How a cgroup's values count toward its parent's sum: "max", and anything
 * above the cap, count as the cap. */
void mq_protection_bound(struct mq_protection *p, uint64_t cap);

/* v scaled so that total fits the cap: v * cap / total, page-aligned down,
 * when total > cap; v itself otherwise. */
uint64_t mq_protection_scale(uint64_t v, uint64_t total, uint64_t cap, uint64_t page_size);

/* What a parent must carry given the sum of its children: each value raised
 * to the sum, never lowered (an administrator's larger value stands, and
 * a pod that just left must not make the agent race the kubelet). Writes
 * *ret and returns true when it differs from *parent. */
bool mq_protection_need(const struct mq_protection *parent, const struct mq_protection *children,
                        struct mq_protection *ret);
