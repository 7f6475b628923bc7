/* SPDX-License-Identifier: MIT */
/* The annotation grammar: key classification, value forms per knob, and the
 * per-container spec built from a pod's annotations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "annot.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define KV(k, v)                                                                                   \
        { (char *)(k), (char *)(v) }

#define KNOB_LIST "memory-high, memory-low, memory-min, swap-max, oom-group, priority"
#define QTY_FORM                                                                                   \
        "expected a non-negative number with an optional suffix (Ki Mi Gi Ti Pi Ei, k M G T P E, " \
        "or an exponent such as e6)"
#define NAME_RULE                                                                                  \
        "(expected a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters)"

static void test_knob_names(void **state) {
        (void)state;
        static const struct {
                enum mq_knob k;
                const char *name, *file;
        } t[] = {
                {MQ_KNOB_MEMORY_HIGH, "memory-high", "memory.high"},
                {MQ_KNOB_MEMORY_LOW, "memory-low", "memory.low"},
                {MQ_KNOB_MEMORY_MIN, "memory-min", "memory.min"},
                {MQ_KNOB_SWAP_MAX, "swap-max", "memory.swap.max"},
                {MQ_KNOB_OOM_GROUP, "oom-group", "memory.oom.group"},
                {MQ_KNOB_PRIORITY, "priority", NULL},
        };
        for (size_t i = 0; i < N(t); i++) {
                assert_string_equal(mq_knob_name(t[i].k), t[i].name);
                if (t[i].file)
                        assert_string_equal(mq_knob_file(t[i].k), t[i].file);
                else
                        assert_null(mq_knob_file(t[i].k));
        }
}

/* ---- keys ---- */

struct key_case {
        const char *key;
        int scope; /* enum mq_key_scope, or a negative errno */
        enum mq_knob knob;
        const char *container;
};

static const struct key_case key_cases[] = {
        {"memqos.io/memory-high", MQ_KEY_POD, MQ_KNOB_MEMORY_HIGH, NULL},
        {"memqos.io/memory-low", MQ_KEY_POD, MQ_KNOB_MEMORY_LOW, NULL},
        {"memqos.io/memory-min", MQ_KEY_POD, MQ_KNOB_MEMORY_MIN, NULL},
        {"memqos.io/swap-max", MQ_KEY_POD, MQ_KNOB_SWAP_MAX, NULL},
        {"memqos.io/oom-group", MQ_KEY_POD, MQ_KNOB_OOM_GROUP, NULL},
        {"memqos.io/priority", MQ_KEY_POD, MQ_KNOB_PRIORITY, NULL},
        {"memory-high.memqos.io/app", MQ_KEY_CONTAINER, MQ_KNOB_MEMORY_HIGH, "app"},
        {"memory-low.memqos.io/web-1", MQ_KEY_CONTAINER, MQ_KNOB_MEMORY_LOW, "web-1"},
        {"memory-min.memqos.io/a", MQ_KEY_CONTAINER, MQ_KNOB_MEMORY_MIN, "a"},
        {"swap-max.memqos.io/0", MQ_KEY_CONTAINER, MQ_KNOB_SWAP_MAX, "0"},
        {"oom-group.memqos.io/sidecar", MQ_KEY_CONTAINER, MQ_KNOB_OOM_GROUP, "sidecar"},
        {"priority.memqos.io/db", MQ_KEY_CONTAINER, MQ_KNOB_PRIORITY, "db"},
        {"memory-high.memqos.io/"
         "a23456789012345678901234567890123456789012345678901234567890123",
         MQ_KEY_CONTAINER, MQ_KNOB_MEMORY_HIGH,
         "a23456789012345678901234567890123456789012345678901234567890123"}, /* 63 chars */
        /* foreign keys */
        {"foo.io/x", MQ_KEY_FOREIGN, 0, NULL},
        {"memqos.iox/y", MQ_KEY_FOREIGN, 0, NULL},
        {"xmemqos.io/y", MQ_KEY_FOREIGN, 0, NULL},
        {"memqos.io", MQ_KEY_FOREIGN, 0, NULL},
        {"memory-high", MQ_KEY_FOREIGN, 0, NULL},
        {"io.kubernetes.cri.container-name", MQ_KEY_FOREIGN, 0, NULL},
        {"kubectl.kubernetes.io/last-applied-configuration", MQ_KEY_FOREIGN, 0, NULL},
        {"example.com/memqos.io", MQ_KEY_FOREIGN, 0, NULL},
        {"", MQ_KEY_FOREIGN, 0, NULL},
};

static void test_key_parse(void **state) {
        (void)state;
        for (size_t i = 0; i < N(key_cases); i++) {
                const struct key_case *c = &key_cases[i];
                enum mq_knob knob = _MQ_KNOB_MAX;
                const char *container = NULL;
                struct mq_error err = {{0}};
                int r = annotation_key_parse(c->key, &knob, &container, &err);
                if (r != c->scope)
                        fail_msg("annotation_key_parse(\"%s\") = %d (%s), expected %d", c->key, r,
                                 err.msg, c->scope);
                if (r == MQ_KEY_FOREIGN)
                        continue;
                assert_int_equal(knob, c->knob);
                if (c->container)
                        assert_string_equal(container, c->container);
        }
}

struct bad_key {
        const char *key;
        const char *msg;
};

#define POD_UNKNOWN(k)                                                                             \
        { k, "unknown annotation \"" k "\": expected memqos.io/<knob> with a knob of " KNOB_LIST }
#define CTR_UNKNOWN(k)                                                                             \
        {                                                                                          \
                k, "unknown annotation \"" k                                                       \
                   "\": expected <knob>.memqos.io/<container-name> with a "                        \
                   "knob of " KNOB_LIST                                                            \
        }
#define BAD_NAME(k, n)                                                                             \
        { k, "annotation \"" k "\": \"" n "\" is not a container name " NAME_RULE }

static const struct bad_key bad_keys[] = {
        POD_UNKNOWN("memqos.io/memory-hihg"),
        POD_UNKNOWN("memqos.io/memory.high"),
        POD_UNKNOWN("memqos.io/Memory-High"),
        POD_UNKNOWN("memqos.io/"),
        POD_UNKNOWN("memqos.io/swap-high"), /* not a knob (yet) */
        CTR_UNKNOWN("memory-hihg.memqos.io/app"),
        CTR_UNKNOWN("memory.high.memqos.io/app"),
        CTR_UNKNOWN("oomgroup.memqos.io/app"),
        BAD_NAME("memory-high.memqos.io/App", "App"),
        BAD_NAME("memory-high.memqos.io/-app", "-app"),
        BAD_NAME("memory-high.memqos.io/app-", "app-"),
        BAD_NAME("memory-high.memqos.io/my_app", "my_app"),
        BAD_NAME("memory-high.memqos.io/a.b", "a.b"),
        BAD_NAME("memory-high.memqos.io/", ""),
        BAD_NAME("memory-high.memqos.io/"
                 "a234567890123456789012345678901234567890123456789012345678901234",
                 "a234567890123456789012345678901234567890123456789012345678901234"), /* 64 */
};

static void test_key_errors(void **state) {
        (void)state;
        for (size_t i = 0; i < N(bad_keys); i++) {
                enum mq_knob knob = _MQ_KNOB_MAX;
                const char *container = NULL;
                struct mq_error err = {{0}};
                int r = annotation_key_parse(bad_keys[i].key, &knob, &container, &err);
                if (r != -EINVAL || strcmp(err.msg, bad_keys[i].msg) != 0)
                        fail_msg("annotation_key_parse(\"%s\") = %d \"%s\", expected -EINVAL "
                                 "\"%s\"",
                                 bad_keys[i].key, r, err.msg, bad_keys[i].msg);
        }
}

/* ---- values ---- */

struct value_case {
        enum mq_knob knob;
        const char *value;
        struct mq_value expect;
};

#define BYTES(n)                                                                                   \
        { .kind = MQ_VALUE_BYTES, .bytes = (n) }
#define MAXV                                                                                       \
        { .kind = MQ_VALUE_MAX }
#define PCT(m)                                                                                     \
        { .kind = MQ_VALUE_PERCENT, .percent_milli = (m) }
#define BOOLV(b)                                                                                   \
        { .kind = MQ_VALUE_BOOL, .flag = (b) }
#define PRIOV(p)                                                                                   \
        { .kind = MQ_VALUE_PRIORITY, .priority = (p) }

static const struct value_case value_cases[] = {
        {MQ_KNOB_MEMORY_HIGH, "134217728", BYTES(134217728)},
        {MQ_KNOB_MEMORY_HIGH, "128Mi", BYTES(134217728)},
        {MQ_KNOB_MEMORY_HIGH, "1.5Gi", BYTES(1610612736)},
        {MQ_KNOB_MEMORY_HIGH, "500M", BYTES(500000000)},
        {MQ_KNOB_MEMORY_HIGH, "max", MAXV},
        {MQ_KNOB_MEMORY_HIGH, "90%", PCT(90000)},
        {MQ_KNOB_MEMORY_HIGH, "12.5%", PCT(12500)},
        {MQ_KNOB_MEMORY_HIGH, "0%", PCT(0)},
        {MQ_KNOB_MEMORY_HIGH, "100%", PCT(100000)},
        {MQ_KNOB_MEMORY_HIGH, "100.000%", PCT(100000)},
        {MQ_KNOB_MEMORY_HIGH, "99.999%", PCT(99999)},
        {MQ_KNOB_MEMORY_HIGH, "0.001%", PCT(1)},
        {MQ_KNOB_MEMORY_LOW, "50%", PCT(50000)},
        {MQ_KNOB_MEMORY_LOW, "0", BYTES(0)},
        {MQ_KNOB_MEMORY_MIN, "33.3%", PCT(33300)},
        {MQ_KNOB_MEMORY_MIN, "64Mi", BYTES(67108864)},
        {MQ_KNOB_SWAP_MAX, "0", BYTES(0)},
        {MQ_KNOB_SWAP_MAX, "1Gi", BYTES(1073741824)},
        {MQ_KNOB_SWAP_MAX, "max", MAXV},
        {MQ_KNOB_OOM_GROUP, "true", BOOLV(true)},
        {MQ_KNOB_OOM_GROUP, "false", BOOLV(false)},
        {MQ_KNOB_PRIORITY, "batch", PRIOV(MQ_PRIO_BATCH)},
        {MQ_KNOB_PRIORITY, "low", PRIOV(MQ_PRIO_LOW)},
        {MQ_KNOB_PRIORITY, "normal", PRIOV(MQ_PRIO_NORMAL)},
        {MQ_KNOB_PRIORITY, "high", PRIOV(MQ_PRIO_HIGH)},
        {MQ_KNOB_PRIORITY, "critical", PRIOV(MQ_PRIO_CRITICAL)},
};

static void test_values(void **state) {
        (void)state;
        for (size_t i = 0; i < N(value_cases); i++) {
                const struct value_case *c = &value_cases[i];
                struct mq_value v;
                struct mq_error err = {{0}};
                memset(&v, 0xa5, sizeof(v));
                int r = annotation_value_parse("k", c->knob, c->value, &v, &err);
                if (r != 0)
                        fail_msg("%s=\"%s\": %d %s", mq_knob_name(c->knob), c->value, r, err.msg);
                assert_int_equal(v.kind, c->expect.kind);
                switch (c->expect.kind) {
                case MQ_VALUE_BYTES:
                        assert_int_equal(v.bytes, c->expect.bytes);
                        break;
                case MQ_VALUE_PERCENT:
                        assert_int_equal(v.percent_milli, c->expect.percent_milli);
                        break;
                case MQ_VALUE_BOOL:
                        assert_int_equal(v.flag, c->expect.flag);
                        break;
                case MQ_VALUE_PRIORITY:
                        assert_int_equal(v.priority, c->expect.priority);
                        break;
                default:
                        break;
                }
        }
}

struct bad_value {
        const char *key;
        enum mq_knob knob;
        const char *value;
        const char *msg;
};

#define PCT_RANGE(k, v)                                                                            \
        "annotation " k "=\"" v "\": expected a percentage from 0% to 100% with at most three "    \
        "decimals"
#define QTY_BAD(k, v) "annotation " k ": invalid quantity \"" v "\": " QTY_FORM
#define PCT_TAIL      ", \"max\", or a percentage such as 90%"
#define MAX_TAIL      " or \"max\""

static const struct bad_value bad_values[] = {
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "101%",
         PCT_RANGE("memqos.io/memory-high", "101%")},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "100.001%",
         PCT_RANGE("memqos.io/memory-high", "100.001%")},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "1.2345%",
         PCT_RANGE("memqos.io/memory-high", "1.2345%")},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "%",
         PCT_RANGE("memqos.io/memory-high", "%")},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "90 %",
         PCT_RANGE("memqos.io/memory-high", "90 %")},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "-5%",
         PCT_RANGE("memqos.io/memory-high", "-5%")},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "1.%",
         PCT_RANGE("memqos.io/memory-high", "1.%")},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "90%%",
         PCT_RANGE("memqos.io/memory-high", "90%%")},
        {"memqos.io/memory-low", MQ_KNOB_MEMORY_LOW, "1000%",
         PCT_RANGE("memqos.io/memory-low", "1000%")},
        {"memqos.io/swap-max", MQ_KNOB_SWAP_MAX, "50%",
         "annotation memqos.io/swap-max=\"50%\": a percentage applies only to memory-high, "
         "memory-low and memory-min"},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "900Mb",
         QTY_BAD("memqos.io/memory-high", "900Mb") PCT_TAIL},
        {"memory-min.memqos.io/app", MQ_KNOB_MEMORY_MIN, "1 Gi",
         QTY_BAD("memory-min.memqos.io/app", "1 Gi") PCT_TAIL},
        {"memqos.io/swap-max", MQ_KNOB_SWAP_MAX, "0x10",
         QTY_BAD("memqos.io/swap-max", "0x10") MAX_TAIL},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "MAX",
         QTY_BAD("memqos.io/memory-high", "MAX") PCT_TAIL},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "",
         "annotation memqos.io/memory-high: empty quantity: " QTY_FORM PCT_TAIL},
        {"memqos.io/memory-high", MQ_KNOB_MEMORY_HIGH, "-1Gi",
         "annotation memqos.io/memory-high: invalid quantity \"-1Gi\": must not be "
         "negative" PCT_TAIL},
        {"memqos.io/swap-max", MQ_KNOB_SWAP_MAX, "8Ei",
         "annotation memqos.io/swap-max: quantity \"8Ei\" is too large: the limit is 2^63-1 "
         "bytes" MAX_TAIL},
        {"memqos.io/oom-group", MQ_KNOB_OOM_GROUP, "True",
         "annotation memqos.io/oom-group=\"True\": expected \"true\" or \"false\""},
        {"memqos.io/oom-group", MQ_KNOB_OOM_GROUP, "1",
         "annotation memqos.io/oom-group=\"1\": expected \"true\" or \"false\""},
        {"memqos.io/oom-group", MQ_KNOB_OOM_GROUP, "yes",
         "annotation memqos.io/oom-group=\"yes\": expected \"true\" or \"false\""},
        {"memqos.io/oom-group", MQ_KNOB_OOM_GROUP, "",
         "annotation memqos.io/oom-group=\"\": expected \"true\" or \"false\""},
        {"memqos.io/oom-group", MQ_KNOB_OOM_GROUP, "true ",
         "annotation memqos.io/oom-group=\"true \": expected \"true\" or \"false\""},
        {"memqos.io/priority", MQ_KNOB_PRIORITY, "medium",
         "annotation memqos.io/priority=\"medium\": expected a priority tier, lowest first: "
         "batch, low, normal, high, critical"},
        {"memqos.io/priority", MQ_KNOB_PRIORITY, "Normal",
         "annotation memqos.io/priority=\"Normal\": expected a priority tier, lowest first: "
         "batch, low, normal, high, critical"},
        {"priority.memqos.io/db", MQ_KNOB_PRIORITY, "",
         "annotation priority.memqos.io/db=\"\": expected a priority tier, lowest first: "
         "batch, low, normal, high, critical"},
        {"memqos.io/priority", MQ_KNOB_PRIORITY, "2",
         "annotation memqos.io/priority=\"2\": expected a priority tier, lowest first: "
         "batch, low, normal, high, critical"},
};

static void test_value_errors(void **state) {
        (void)state;
        for (size_t i = 0; i < N(bad_values); i++) {
                const struct bad_value *c = &bad_values[i];
                struct mq_value v = {.kind = MQ_VALUE_UNSET};
                struct mq_error err = {{0}};
                int r = annotation_value_parse(c->key, c->knob, c->value, &v, &err);
                if (r >= 0 || strcmp(err.msg, c->msg) != 0)
                        fail_msg("%s=\"%s\": r=%d \"%s\", expected \"%s\"", c->key, c->value, r,
                                 err.msg, c->msg);
                assert_int_equal(v.kind, MQ_VALUE_UNSET); /* untouched */
        }
}

/* Values longer than MQ_ANNOTATION_VALUE_MAX are refused before parsing. */
static void test_value_length_cap(void **state) {
        (void)state;
        char value[MQ_ANNOTATION_VALUE_MAX + 2];
        struct mq_value v;
        struct mq_error err = {{0}};

        /* 256 bytes: within the cap, so the quantity rules apply */
        memset(value, '0', MQ_ANNOTATION_VALUE_MAX);
        value[MQ_ANNOTATION_VALUE_MAX] = '\0';
        assert_int_equal(
                annotation_value_parse("memqos.io/memory-low", MQ_KNOB_MEMORY_LOW, value, &v, &err),
                0);
        assert_int_equal(v.kind, MQ_VALUE_BYTES);
        assert_int_equal(v.bytes, 0);

        /* 257 bytes: refused, for every knob */
        memset(value, '0', MQ_ANNOTATION_VALUE_MAX + 1);
        value[MQ_ANNOTATION_VALUE_MAX + 1] = '\0';
        for (unsigned k = 0; k < _MQ_KNOB_MAX; k++) {
                memset(&err, 0, sizeof(err));
                assert_int_equal(
                        annotation_value_parse("memqos.io/x", (enum mq_knob)k, value, &v, &err),
                        -EINVAL);
                assert_string_equal(err.msg, "annotation memqos.io/x: value longer than 256 bytes");
        }
}

/* ---- spec_build ---- */

static void assert_spec_bytes(const struct mq_spec *s, enum mq_knob k, uint64_t bytes,
                              const char *key, const char *raw) {
        assert_int_equal(s->value[k].kind, MQ_VALUE_BYTES);
        assert_int_equal(s->value[k].bytes, bytes);
        assert_string_equal(s->key[k], key);
        assert_string_equal(s->raw[k], raw);
}

static void test_spec_pod_wide(void **state) {
        (void)state;
        const struct mq_kv a[] = {
                KV("io.kubernetes.cri.container-name", "app"),
                KV("memqos.io/memory-high", "1Gi"),
                KV("memqos.io/memory-low", "50%"),
                KV("memqos.io/oom-group", "true"),
                KV("memqos.io/priority", "high"),
                KV("foo.io/memory-high", "not-a-quantity"),
        };
        struct mq_spec s;
        struct mq_error err = {{0}};
        assert_int_equal(spec_build(a, N(a), "app", &s, &err), 0);
        assert_false(spec_empty(&s));
        assert_spec_bytes(&s, MQ_KNOB_MEMORY_HIGH, 1073741824, "memqos.io/memory-high", "1Gi");
        assert_int_equal(s.value[MQ_KNOB_MEMORY_LOW].kind, MQ_VALUE_PERCENT);
        assert_int_equal(s.value[MQ_KNOB_MEMORY_LOW].percent_milli, 50000);
        assert_int_equal(s.value[MQ_KNOB_OOM_GROUP].kind, MQ_VALUE_BOOL);
        assert_true(s.value[MQ_KNOB_OOM_GROUP].flag);
        assert_int_equal(s.value[MQ_KNOB_PRIORITY].priority, MQ_PRIO_HIGH);
        assert_int_equal(s.value[MQ_KNOB_MEMORY_MIN].kind, MQ_VALUE_UNSET);
        assert_int_equal(s.value[MQ_KNOB_SWAP_MAX].kind, MQ_VALUE_UNSET);
        assert_null(s.key[MQ_KNOB_MEMORY_MIN]);

        /* an unknown container (NULL) gets the pod-wide values too */
        assert_int_equal(spec_build(a, N(a), NULL, &s, &err), 0);
        assert_spec_bytes(&s, MQ_KNOB_MEMORY_HIGH, 1073741824, "memqos.io/memory-high", "1Gi");
}

/* The per-container key wins whichever order the keys come in. */
static void test_spec_container_overrides(void **state) {
        (void)state;
        const struct mq_kv before[] = {
                KV("memory-high.memqos.io/app", "512Mi"),
                KV("memqos.io/memory-high", "1Gi"),
        };
        const struct mq_kv after[] = {
                KV("memqos.io/memory-high", "1Gi"),
                KV("memory-high.memqos.io/app", "512Mi"),
        };
        const struct mq_kv *orders[] = {before, after};
        for (size_t i = 0; i < N(orders); i++) {
                struct mq_spec s;
                struct mq_error err = {{0}};
                assert_int_equal(spec_build(orders[i], 2, "app", &s, &err), 0);
                assert_spec_bytes(&s, MQ_KNOB_MEMORY_HIGH, 536870912, "memory-high.memqos.io/app",
                                  "512Mi");
                /* another container, and an unknown one, get the pod-wide value */
                assert_int_equal(spec_build(orders[i], 2, "other", &s, &err), 0);
                assert_spec_bytes(&s, MQ_KNOB_MEMORY_HIGH, 1073741824, "memqos.io/memory-high",
                                  "1Gi");
                assert_int_equal(spec_build(orders[i], 2, NULL, &s, &err), 0);
                assert_spec_bytes(&s, MQ_KNOB_MEMORY_HIGH, 1073741824, "memqos.io/memory-high",
                                  "1Gi");
        }
}

static void test_spec_other_containers_ignored(void **state) {
        (void)state;
        const struct mq_kv a[] = {
                KV("memory-high.memqos.io/sidecar", "64Mi"),
                KV("oom-group.memqos.io/sidecar", "true"),
                KV("memory-min.memqos.io/app", "32Mi"),
        };
        struct mq_spec s;
        struct mq_error err = {{0}};
        assert_int_equal(spec_build(a, N(a), "app", &s, &err), 0);
        assert_int_equal(s.value[MQ_KNOB_MEMORY_HIGH].kind, MQ_VALUE_UNSET);
        assert_int_equal(s.value[MQ_KNOB_OOM_GROUP].kind, MQ_VALUE_UNSET);
        assert_spec_bytes(&s, MQ_KNOB_MEMORY_MIN, 33554432, "memory-min.memqos.io/app", "32Mi");

        /* a container name is matched exactly, not as a prefix */
        assert_int_equal(spec_build(a, N(a), "side", &s, &err), 0);
        assert_true(spec_empty(&s));
        assert_int_equal(spec_build(a, N(a), "sidecar2", &s, &err), 0);
        assert_true(spec_empty(&s));
}

static void test_spec_empty(void **state) {
        (void)state;
        const struct mq_kv a[] = {
                KV("io.kubernetes.cri.container-name", "app"),
                KV("foo.io/x", "1"),
                KV("memqos.iox/memory-high", "garbage"),
        };
        struct mq_spec s;
        struct mq_error err = {{0}};
        assert_int_equal(spec_build(a, N(a), "app", &s, &err), 0);
        assert_true(spec_empty(&s));
        assert_int_equal(spec_build(NULL, 0, "app", &s, &err), 0);
        assert_true(spec_empty(&s));
}

/* A typo in any memqos key is an error, even in another container's key. */
struct spec_error_case {
        struct mq_kv kv[3];
        size_t n;
        const char *msg;
};

static const struct spec_error_case spec_errors[] = {
        {{KV("memqos.io/memory-high", "1Gi"), KV("memqos.io/memroy-low", "1Gi")},
         2,
         "unknown annotation \"memqos.io/memroy-low\": expected memqos.io/<knob> with a knob "
         "of " KNOB_LIST},
        {{KV("memory-hihg.memqos.io/sidecar", "1Gi")},
         1,
         "unknown annotation \"memory-hihg.memqos.io/sidecar\": expected "
         "<knob>.memqos.io/<container-name> with a knob of " KNOB_LIST},
        {{KV("memory-high.memqos.io/Sidecar", "1Gi")},
         1,
         "annotation \"memory-high.memqos.io/Sidecar\": \"Sidecar\" is not a container "
         "name " NAME_RULE},
        {{KV("memqos.io/memory-high", "900Mb")},
         1,
         QTY_BAD("memqos.io/memory-high", "900Mb") PCT_TAIL},
        {{KV("memory-high.memqos.io/app", "1Gi"), KV("oom-group.memqos.io/app", "on")},
         2,
         "annotation oom-group.memqos.io/app=\"on\": expected \"true\" or \"false\""},
};

static void test_spec_errors(void **state) {
        (void)state;
        for (size_t i = 0; i < N(spec_errors); i++) {
                struct mq_spec s;
                struct mq_error err = {{0}};
                int r = spec_build(spec_errors[i].kv, spec_errors[i].n, "app", &s, &err);
                if (r != -EINVAL || strcmp(err.msg, spec_errors[i].msg) != 0)
                        fail_msg("case %zu: r=%d \"%s\", expected \"%s\"", i, r, err.msg,
                                 spec_errors[i].msg);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_knob_names),
                cmocka_unit_test(test_key_parse),
                cmocka_unit_test(test_key_errors),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_value_errors),
                cmocka_unit_test(test_value_length_cap),
                cmocka_unit_test(test_spec_pod_wide),
                cmocka_unit_test(test_spec_container_overrides),
                cmocka_unit_test(test_spec_other_containers_ignored),
                cmocka_unit_test(test_spec_empty),
                cmocka_unit_test(test_spec_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
