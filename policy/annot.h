/* SPDX-License-Identifier: MIT */
/* The annotation grammar.
 *   pod-wide:       memqos.io/<knob>
 *   per container:  <knob>.memqos.io/<container-name>   (overrides pod-wide)
 * Knobs: memory-high memory-low memory-min swap-max oom-group priority.
 * An unknown knob under either form is an error, so a typo is never
 * silently ignored. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "record.h"
#include "types.h"

#define MQ_ANNOTATION_DOMAIN    "memqos.io"
#define MQ_ANNOTATION_PREFIX    "memqos.io/"
#define MQ_ANNOTATION_VALUE_MAX 256

enum mq_knob {
        MQ_KNOB_MEMORY_HIGH = 0,
        MQ_KNOB_MEMORY_LOW,
        MQ_KNOB_MEMORY_MIN,
        MQ_KNOB_SWAP_MAX,
        MQ_KNOB_OOM_GROUP,
        MQ_KNOB_PRIORITY,
        _MQ_KNOB_MAX,
};

const char *mq_knob_name(enum mq_knob k);                /* "memory-high" */
const char *mq_knob_file(enum mq_knob k);                /* "memory.high"; NULL for priority */
int mq_knob_from_name(const char *s, enum mq_knob *ret); /* -ENOENT when unknown */

/* A DNS-1123 label: 1-63 of a-z 0-9 '-', not starting or ending with '-'. */
bool mq_dns_label_valid(const char *s);

enum mq_value_kind {
        MQ_VALUE_UNSET = 0,
        MQ_VALUE_BYTES,   /* bytes */
        MQ_VALUE_MAX,     /* "max" */
        MQ_VALUE_PERCENT, /* permille_x100: percent * 1000 (90% = 90000) */
        MQ_VALUE_BOOL,
        MQ_VALUE_PRIORITY,
};

struct mq_value {
        enum mq_value_kind kind;
        uint64_t bytes;
        uint32_t percent_milli; /* 0..100000 */
        bool flag;
        enum mq_priority priority;
};

enum mq_key_scope {
        MQ_KEY_FOREIGN = 0, /* not a memqos annotation */
        MQ_KEY_POD,
        MQ_KEY_CONTAINER,
};

/* Classify an annotation key. For MQ_KEY_CONTAINER, *ret_container points
 * into key. Returns the scope (>= 0) or a negative errno with err set for a
 * memqos key that is malformed (unknown knob, invalid container name). */
int annotation_key_parse(const char *key, enum mq_knob *ret_knob, const char **ret_container,
                         struct mq_error *err);

/* Is this a memqos key at all, valid or not (a typo under our prefixes
 * counts: it must reach spec_build to be reported)? */
bool annotation_key_is_memqos(const char *key);

/* Parse a value for a knob; err names the key, the value and the expected form. */
int annotation_value_parse(const char *key, enum mq_knob knob, const char *value,
                           struct mq_value *ret, struct mq_error *err);

/* The effective settings for one container: each knob's value and the key
 * that supplied it (pointers into the annotation list). */
struct mq_spec {
        struct mq_value value[_MQ_KNOB_MAX];
        const char *key[_MQ_KNOB_MAX];
        const char *raw[_MQ_KNOB_MAX];
};

/* Build the spec of container `container` (NULL if unknown: only pod-wide
 * keys apply). Every memqos key is checked, including those of other
 * containers, so a typo anywhere in the pod is reported. */
int spec_build(const struct mq_kv *annotations, size_t n, const char *container,
               struct mq_spec *ret, struct mq_error *err);

/* Does the spec set any knob? */
bool spec_empty(const struct mq_spec *spec);
