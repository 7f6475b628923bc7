/* SPDX-License-Identifier: MIT */
/* What memory.min and memory.low keep out of the kernel's reach, by the
 * kernel's own rules (Documentation/admin-guide/cgroup-v2.rst, "Memory
 * Protection"; mm/memcontrol.c, effective_protection()):
 *   - a cgroup claims min(memory.current, its setting);
 *   - a child of the root cgroup gets its setting as it is;
 *   - below that, when the children's claims add up to more than the
 *     parent's effective protection, each child gets its claim scaled by
 *     parent / sum, otherwise its claim;
 *   - reclaim leaves a cgroup's usage below its effective protection alone;
 *     without swap anonymous memory and shmem are not reclaimable anyway, so
 *     usage above the protection is taken from the page cache first, and the
 *     page cache that stays out of reach is the rest of it.
 * MemAvailable counts that page cache as available (it counts the file LRU
 * of every cgroup), so the node has less to give back than it says.
 *
 * memory.low counts here like memory.min: the kernel reclaims below it only
 * when nothing unprotected is left (and counts a "low" event each time), at
 * which point the pod memqos protects is already losing its cache. Keeping
 * that from happening is what the agent is for, so the headroom is measured
 * to the point where protection starts to give, not to the OOM kill.
 *
 * Pure arithmetic over a snapshot: no I/O. */
#pragma once

#include <stdint.h>

#include "decide.h"

/* Page cache kept from reclaim, bytes. */
struct mq_protected {
        uint64_t min; /* by effective memory.min */
        uint64_t low; /* by effective memory.low, beyond what memory.min keeps */
};

/* One pod: its effective protection and the page cache it keeps. */
struct mq_pod_protection {
        uint64_t emin, elow;
        struct mq_protected cache;
};

/* The page cache protection keeps from reclaim on the whole node
 * (*ret_total) and, when ret_pods is not NULL, per pod (s->n_pods entries,
 * parallel to s->pods). */
void mq_protection_compute(const struct mq_snapshot *s, struct mq_pod_protection *ret_pods,
                           struct mq_protected *ret_total);

/* The kernel's effective protection of a cgroup whose claim is `claim`
 * (min(usage, setting)) under a parent with effective protection `parent`
 * whose children claim `siblings` together. */
uint64_t mq_protection_share(uint64_t claim, uint64_t parent, uint64_t siblings);

/* The reclaimable page cache (file - shmem) of a cgroup with this usage
 * that stays below `effective`. */
uint64_t mq_protected_cache(uint64_t current, uint64_t file, uint64_t shmem, uint64_t effective);
