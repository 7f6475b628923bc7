/* SPDX-License-Identifier: MIT */
/* The node policy: what a pod's memqos annotations may ask for, by
 * namespace (README, "Who may ask for what"). Pod annotations carry no
 * privilege in Kubernetes: anyone who may create a pod may set any of them.
 * What Kubernetes did admit is the container's memory limit and the pod's
 * namespace, so protection is bounded by the limit and privileges are
 * granted per namespace.
 *
 * The file (default /etc/memqos/policy.json) is one JSON object; every key
 * is optional:
 *
 *   {
 *     "on_violation": "refuse",                 // or "clamp"
 *     "default": {                              // every namespace not listed
 *       "knobs": ["memory-high", "memory-low", "memory-min", "oom-group", "priority"],
 *       "max_priority": "normal",
 *       "protection": "limit"                   // "limit", "none" or a quantity
 *     },
 *     "namespaces": {
 *       "kube-system": { "max_priority": "critical" }   // unset keys: from "default"
 *     },
 *     "propagation": { "max_share_pct": 50 }
 *   }
 *
 * Without a file the built-in policy is exactly the one above. A file's
 * "namespaces" replaces the built-in list (kube-system is not added back).
 *
 *   protection "limit"     memory-min/memory-low at most the container's own
 *                          memory.max; nothing for a container without a limit.
 *   protection "<quantity>" at most that many bytes per container (and never
 *                          above its memory.max).
 *   protection "none"      no memory-min/memory-low at all.
 *   "max" is never allowed as protection, whatever the rule.
 *
 * Pure logic: parsing from a text, checking a resolved plan. No I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "annot.h"
#include "error.h"
#include "plan.h"
#include "types.h"

#define MQ_NODEPOLICY_PATH       "/etc/memqos/policy.json"
#define MQ_NODEPOLICY_MAX_BYTES  1048576
#define MQ_NODEPOLICY_NS_MAX     1024
#define MQ_NODEPOLICY_SOURCE_MAX 256
#define MQ_NAMESPACE_MAX         63 /* a Kubernetes namespace: a DNS-1123 label */

enum mq_on_violation {
        MQ_VIOLATION_REFUSE = 0,
        MQ_VIOLATION_CLAMP,
};

enum mq_protection_rule {
        MQ_PROTECT_LIMIT = 0, /* at most the container's memory.max */
        MQ_PROTECT_FIXED,     /* at most protection_bytes */
        MQ_PROTECT_NONE,
};

struct mq_ns_rules {
        bool knobs[_MQ_KNOB_MAX]; /* which knobs a pod may set at all */
        enum mq_priority max_priority;
        enum mq_protection_rule protection;
        uint64_t protection_bytes; /* MQ_PROTECT_FIXED */
};

struct mq_ns_entry {
        char name[MQ_NAMESPACE_MAX + 1];
        struct mq_ns_rules rules;
};

struct mq_nodepolicy {
        enum mq_on_violation on_violation;
        struct mq_ns_rules dflt;
        size_t n_ns;
        struct mq_ns_entry *ns;
        unsigned max_share_pct;                /* propagation cap, % of MemTotal */
        char source[MQ_NODEPOLICY_SOURCE_MAX]; /* named in every message */
};

/* The built-in policy, named `source` in messages. -ENOMEM. */
int mq_nodepolicy_defaults(const char *source, struct mq_nodepolicy *ret);

/* Parse a policy text. Unknown keys and bad values are errors naming the
 * key, the value and what was expected. */
int mq_nodepolicy_parse_buf(const char *buf, const char *source, struct mq_nodepolicy *ret,
                            struct mq_error *err);

/* Read and parse the file at path (named as the source). -ENOENT when it
 * does not exist; other errors name the file. The caller chooses what a
 * missing or bad file means (README: the built-in defaults, with a warning
 * for a bad one). */
int mq_nodepolicy_load(const char *path, struct mq_nodepolicy *ret, struct mq_error *err);

void mq_nodepolicy_done(struct mq_nodepolicy *p);

/* The rules of a namespace: its own entry, else "default". ns NULL or ""
 * (not known) gets "default". */
const struct mq_ns_rules *mq_nodepolicy_rules(const struct mq_nodepolicy *p, const char *ns);

/* Is s a Kubernetes namespace name (DNS-1123 label)? */
bool mq_namespace_valid(const char *s);

/* One request the policy bounded. */
struct mq_clamp {
        enum mq_knob knob;
        char asked[MQ_ANNOTATION_VALUE_MAX + 1]; /* the annotation's value */
        char applied[24];                        /* the value written, or "" when dropped */
        char why[MQ_ERROR_MAX];                  /* the rule, one sentence */
};

struct mq_verdict {
        size_t n;
        struct mq_clamp clamps[_MQ_KNOB_MAX];
};

/* Check a resolved plan against the rules of namespace ns (NULL: unknown).
 * Within the policy: 0, *ret_verdict empty. Beyond it, in refuse mode (and
 * force_clamp false): -EPERM with err naming the key, value, namespace and
 * rule, plan untouched. In clamp mode or with force_clamp: 0, *plan bounded
 * (a value cut to the most allowed, a knob not allowed dropped, priority
 * lowered), *ret_verdict saying what and why. */
int mq_nodepolicy_apply(const struct mq_nodepolicy *p, const char *ns, bool force_clamp,
                        const struct mq_spec *spec, uint64_t memory_max, uint64_t page_size,
                        struct mq_plan *plan, struct mq_verdict *ret_verdict, struct mq_error *err);
