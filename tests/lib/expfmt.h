/* SPDX-License-Identifier: MIT */
/* A strict parser/validator of the Prometheus text exposition format 0.0.4,
 * for checking what memqos-agent serves. expfmt_parse accepts a document only
 * if it is well formed and self-consistent:
 *  - every line ends with \n; blank lines and `#` comments are ignored;
 *  - `# HELP name text` (escapes \\ and \n only) and `# TYPE name type`
 *    (counter, gauge, histogram, summary or untyped), at most one of each per
 *    family, the TYPE line before the family's samples;
 *  - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
 *    not starting with "__", label values quoted with escapes \\ \" \n only,
 *    valid UTF-8; no label name twice in a sample, no series twice;
 *  - values decimal floats or NaN, +Inf, -Inf; an optional int64 timestamp;
 *  - a family's lines contiguous; counter and gauge (and untyped) samples
 *    named as their family; counters neither negative nor NaN;
 *  - histograms: only x_bucket (with a float `le`), x_sum, x_count; per label
 *    set the buckets in increasing `le`, counts non-decreasing, ending in
 *    le="+Inf" equal to x_count, and x_sum and x_count present;
 *  - summaries: only x (with a `quantile` in [0, 1], increasing per label
 *    set), x_sum, x_count; x_sum and x_count present per label set.
 * Errors read "line N: <what was expected>". */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Also require: counter family names end in "_total", no other family name
 * does, and no `le` label outside histograms nor `quantile` outside
 * summaries. */
#define EXPFMT_STRICT_NAMES 0x1u

struct expfmt_sample {
        char *name; /* as written: x_bucket, x_sum, x_count for a histogram */
        size_t n_labels;
        char **label_names;  /* in the order written */
        char **label_values; /* unescaped */
        double value;
        int has_timestamp;
        int64_t timestamp_ms;
        size_t line; /* 1-based line of the sample */
};

struct expfmt_family {
        char *name;
        char *help;    /* unescaped; NULL without a HELP line */
        char type[16]; /* "untyped" without a TYPE line */
        size_t n_samples;
        struct expfmt_sample *samples;
};

struct expfmt_doc {
        size_t n;
        struct expfmt_family *v;
};

/* Parse and validate text (a NUL-terminated document). 0 with *ret filled
 * (free with expfmt_doc_free), or -EINVAL with err set to "line N: ..." and
 * *ret empty; -ENOMEM on allocation failure. */
int expfmt_parse(const char *text, unsigned flags, struct expfmt_doc *ret, char *err,
                 size_t errlen);
void expfmt_doc_free(struct expfmt_doc *d);

/* The family called name, or NULL. */
const struct expfmt_family *expfmt_find(const struct expfmt_doc *d, const char *name);

/* The first sample called name (the family name for counters, gauges and
 * untyped; x_bucket, x_sum, x_count for histogram x) whose labels include
 * every pair of kv, a NULL-terminated list of name, value, name, value...
 * (kv NULL: no constraint), or NULL. */
const struct expfmt_sample *expfmt_find_sample(const struct expfmt_doc *d, const char *name,
                                               const char *const *kv);

/* The value of label name in s, or NULL if s has no such label. */
const char *expfmt_label(const struct expfmt_sample *s, const char *name);
