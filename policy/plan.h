/* SPDX-License-Identifier: MIT */
/* From a container's spec to the exact file values to write: percentages
 * resolved against the container's memory.max, byte values rounded down to
 * the page size (the kernel keeps these limits in pages and reads back the
 * rounded value: page_counter_memparse), and the ordering rule
 * memory.min <= memory.low <= memory.high <= memory.max checked. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "annot.h"

struct mq_plan {
        bool set[_MQ_KNOB_MAX];
        char text[_MQ_KNOB_MAX][24];  /* exactly what goes into the file */
        uint64_t bytes[_MQ_KNOB_MAX]; /* byte knobs: resolved value, MQ_UNLIMITED for max */
        enum mq_priority priority;    /* MQ_PRIO_NORMAL unless annotated */
};

/* memory_max: the container's memory.max (MQ_UNLIMITED for "max").
 * page_size: a power of two. Errors name the keys and values involved. */
int plan_resolve(const struct mq_spec *spec, uint64_t memory_max, uint64_t page_size,
                 struct mq_plan *ret, struct mq_error *err);

/* The order in which the hook writes files. The kernel accepts each file on
 * its own (it does not enforce min <= low <= high); a fixed order keeps the
 * result deterministic and lets a failed write be rolled back in reverse. */
extern const enum mq_knob mq_plan_write_order[5];
