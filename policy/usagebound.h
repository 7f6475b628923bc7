/* SPDX-License-Identifier: MIT */
/* A bound on the usage of the pods a usage pass does not read.
 *
 * A parent's memory.current is at least the sum of its children's
 * (cgroup-v2.rst: the counters are hierarchical; the memory of removed
 * children is reparented, which only makes the parent larger). After some
 * children are read, the parent's usage less what they hold bounds every
 * child not read, so the pass can skip a pod that cannot come first. The
 * agent reads the files; this is the arithmetic, fed figures by tests. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "decide.h"

#define MQ_USAGE_BOUNDS_MAX 8

struct mq_usage_bound {
        char path[512]; /* the parent cgroup, as mq_pod.cgroup */
        uint64_t left;  /* its memory.current less its children read */
        bool known;     /* left was read */
};

struct mq_usage_bounds {
        size_t n;
        struct mq_usage_bound v[MQ_USAGE_BOUNDS_MAX];
};

/* The index of the bound of cgroup's parent, added (unknown) when new;
 * -1 when the table is full, the cgroup has no parent or the parent's
 * path does not fit. */
int mq_usage_bound_of(struct mq_usage_bounds *u, const char *cgroup);

/* Bound k's parent read: its children hold at most parent_current. */
void mq_usage_bound_set(struct mq_usage_bounds *u, int k, uint64_t parent_current);

/* A child of bound k read, holding current: that much less for the
 * others (never below zero). k < 0: no bound. */
void mq_usage_bound_spend(struct mq_usage_bounds *u, int k, uint64_t current);

/* Can pod p, under bound k and not read, be passed over? It holds at most
 * what the bound has left: below MQ_POD_FLOOR_BYTES it cannot be a
 * candidate, and in the ranking group of best (the best candidate read so
 * far, NULL: none) it cannot outrank it with less excess. When it can,
 * its usage is lowered to the bound. */
bool mq_usage_bounded_out(const struct mq_usage_bounds *u, int k, struct mq_pod *p,
                          const struct mq_pod *best);
