/* SPDX-License-Identifier: MIT */
#include "annot.h"

#include "quantity.h"

static const struct {
        const char *name, *file;
        bool bytes, percent, max;
} knobs[_MQ_KNOB_MAX] = {
        [MQ_KNOB_MEMORY_HIGH] = {"memory-high", "memory.high", true, true, true},
        [MQ_KNOB_MEMORY_LOW] = {"memory-low", "memory.low", true, true, true},
        [MQ_KNOB_MEMORY_MIN] = {"memory-min", "memory.min", true, true, true},
        [MQ_KNOB_SWAP_MAX] = {"swap-max", "memory.swap.max", true, false, true},
        [MQ_KNOB_OOM_GROUP] = {"oom-group", "memory.oom.group", false, false, false},
        [MQ_KNOB_PRIORITY] = {"priority", NULL, false, false, false},
};

const char *mq_knob_name(enum mq_knob k) {
        return (unsigned)k < _MQ_KNOB_MAX ? knobs[k].name : "invalid";
}

const char *mq_knob_file(enum mq_knob k) {
        return (unsigned)k < _MQ_KNOB_MAX ? knobs[k].file : NULL;
}

static int knob_lookup(const char *s, size_t len, enum mq_knob *ret) {
        for (unsigned i = 0; i < _MQ_KNOB_MAX; i++)
                if (strlen(knobs[i].name) == len && strncmp(s, knobs[i].name, len) == 0) {
                        *ret = (enum mq_knob)i;
                        return 0;
                }
        return -ENOENT;
}

int mq_knob_from_name(const char *s, enum mq_knob *ret) {
        return knob_lookup(s, strlen(s), ret);
}

static const char *const knob_list = "memory-high, memory-low, memory-min, swap-max, oom-group, "
                                     "priority";

/* A container name and a namespace are DNS-1123 labels (Kubernetes
 * validates them so). */
bool mq_dns_label_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

int annotation_key_parse(const char *key, enum mq_knob *ret_knob, const char **ret_container,
                         struct mq_error *err) {
        static const char domain_suffix[] = "." MQ_ANNOTATION_DOMAIN;
        const char *slash = strchr(key, '/');
        enum mq_knob knob;

        if (!slash)
                return MQ_KEY_FOREIGN;
        size_t prefix_len = (size_t)(slash - key);
        const char *name = slash + 1;

        if (prefix_len == strlen(MQ_ANNOTATION_DOMAIN) && startswith(key, MQ_ANNOTATION_PREFIX)) {
                if (knob_lookup(name, strlen(name), &knob) < 0)
                        return mq_error_set(err, EINVAL,
                                            "unknown annotation \"%s\": expected memqos.io/<knob> "
                                            "with a knob of %s",
                                            key, knob_list);
                *ret_knob = knob;
                return MQ_KEY_POD;
        }
        size_t ls = strlen(domain_suffix);
        if (prefix_len <= ls || strncmp(slash - ls, domain_suffix, ls) != 0)
                return MQ_KEY_FOREIGN;
        if (knob_lookup(key, prefix_len - ls, &knob) < 0)
                return mq_error_set(err, EINVAL,
                                    "unknown annotation \"%s\": expected <knob>.memqos.io/"
                                    "<container-name> with a knob of %s",
                                    key, knob_list);
        if (!mq_dns_label_valid(name))
                return mq_error_set(err, EINVAL,
                                    "annotation \"%s\": \"%s\" is not a container name (expected a "
                                    "DNS-1123 label: lower-case letters, digits and '-', at most "
                                    "63 characters)",
                                    key, name);
        *ret_knob = knob;
        *ret_container = name;
        return MQ_KEY_CONTAINER;
}

bool annotation_key_is_memqos(const char *key) {
        enum mq_knob k;
        const char *c;
        return startswith(key, MQ_ANNOTATION_PREFIX) ||
               annotation_key_parse(key, &k, &c, NULL) != MQ_KEY_FOREIGN;
}

/* "90%", "12.5%", "0%": 0..100 with at most three decimals. */
static int parse_percent(const char *s, uint32_t *ret) {
        uint32_t whole = 0, frac = 0;
        int frac_digits = 0;
        const char *p = s;

        if (*p < '0' || *p > '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                whole = whole * 10 + (uint32_t)(*p - '0');
                if (whole > 100)
                        return -ERANGE;
        }
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                for (; *p >= '0' && *p <= '9'; p++) {
                        if (++frac_digits > 3)
                                return -EINVAL;
                        frac = frac * 10 + (uint32_t)(*p - '0');
                }
        }
        if (!streq(p, "%"))
                return -EINVAL;
        for (; frac_digits < 3; frac_digits++)
                frac *= 10;
        uint32_t v = whole * 1000 + frac;
        if (v > 100000)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_bytes_value(const char *key, enum mq_knob knob, const char *value,
                             struct mq_value *ret, struct mq_error *err) {
        struct mq_error qerr;

        if (streq(value, "max")) {
                *ret = (struct mq_value){.kind = MQ_VALUE_MAX};
                return 0;
        }
        if (value[0] && value[strlen(value) - 1] == '%') {
                uint32_t pct;
                if (!knobs[knob].percent)
                        return mq_error_set(err, EINVAL,
                                            "annotation %s=\"%s\": a percentage applies only to "
                                            "memory-high, memory-low and memory-min",
                                            key, value);
                int r = parse_percent(value, &pct);
                if (r < 0)
                        return mq_error_set(err, EINVAL,
                                            "annotation %s=\"%s\": expected a percentage from 0%% "
                                            "to 100%% with at most three decimals",
                                            key, value);
                *ret = (struct mq_value){.kind = MQ_VALUE_PERCENT, .percent_milli = pct};
                return 0;
        }
        uint64_t bytes;
        int r = quantity_parse(value, &bytes, &qerr);
        if (r < 0)
                return mq_error_set(err, -r, "annotation %s: %s%s", key, qerr.msg,
                                    knobs[knob].percent ? ", \"max\", or a percentage such as 90%"
                                                        : " or \"max\"");
        *ret = (struct mq_value){.kind = MQ_VALUE_BYTES, .bytes = bytes};
        return 0;
}

int annotation_value_parse(const char *key, enum mq_knob knob, const char *value,
                           struct mq_value *ret, struct mq_error *err) {
        if (strlen(value) > MQ_ANNOTATION_VALUE_MAX)
                return mq_error_set(err, EINVAL, "annotation %s: value longer than %d bytes", key,
                                    MQ_ANNOTATION_VALUE_MAX);
        if (knobs[knob].bytes)
                return parse_bytes_value(key, knob, value, ret, err);
        if (knob == MQ_KNOB_OOM_GROUP) {
                if (!streq(value, "true") && !streq(value, "false"))
                        return mq_error_set(err, EINVAL,
                                            "annotation %s=\"%s\": expected \"true\" or \"false\"",
                                            key, value);
                *ret = (struct mq_value){.kind = MQ_VALUE_BOOL, .flag = streq(value, "true")};
                return 0;
        }
        enum mq_priority prio;
        if (mq_priority_from_name(value, &prio) < 0)
                return mq_error_set(err, EINVAL,
                                    "annotation %s=\"%s\": expected a priority tier, lowest "
                                    "first: batch, low, normal, high, critical",
                                    key, value);
        *ret = (struct mq_value){.kind = MQ_VALUE_PRIORITY, .priority = prio};
        return 0;
}

bool spec_empty(const struct mq_spec *spec) {
        for (unsigned i = 0; i < _MQ_KNOB_MAX; i++)
                if (spec->value[i].kind != MQ_VALUE_UNSET)
                        return false;
        return true;
}

int spec_build(const struct mq_kv *annotations, size_t n, const char *container,
               struct mq_spec *ret, struct mq_error *err) {
        struct mq_spec spec = {0};
        bool from_container[_MQ_KNOB_MAX] = {false};

        for (size_t i = 0; i < n; i++) {
                const char *key = annotations[i].key, *who = NULL;
                enum mq_knob knob = MQ_KNOB_MEMORY_HIGH;
                struct mq_value v;
                int scope = annotation_key_parse(key, &knob, &who, err);
                if (scope < 0)
                        return scope;
                if (scope == MQ_KEY_FOREIGN)
                        continue;
                int r = annotation_value_parse(key, knob, annotations[i].value, &v, err);
                if (r < 0)
                        return r;
                bool mine = scope == MQ_KEY_CONTAINER && container && who && streq(who, container);
                /* per-container beats pod-wide whatever the order of keys */
                if (!(scope == MQ_KEY_POD && !from_container[knob]) && !mine)
                        continue;
                spec.value[knob] = v;
                spec.key[knob] = key;
                spec.raw[knob] = annotations[i].value;
                from_container[knob] = mine;
        }
        *ret = spec;
        return 0;
}
