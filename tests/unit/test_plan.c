/* SPDX-License-Identifier: MIT */
/* plan_resolve: from annotations to the exact text written to each cgroup
 * file, and the ordering rule memory.min <= memory.low <= memory.high <=
 * memory.max with errors naming both keys and values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define KV(k, v)                                                                                   \
        { (char *)(k), (char *)(v) }
#define GI   1073741824ULL
#define PAGE 4096ULL

#define ORDER_RULE "expected memory.min <= memory.low <= memory.high <= memory.max"

struct plan_case {
        const char *name;
        struct mq_kv kv[6];
        uint64_t memory_max;
        uint64_t page_size;
        /* expected text per knob; NULL = not set */
        const char *high, *low, *min, *swap, *oom;
        enum mq_priority priority;
};

static const struct plan_case cases[] = {
        {"bytes, page aligned already",
         {KV("memqos.io/memory-high", "1Gi"), KV("memqos.io/memory-low", "512Mi"),
          KV("memqos.io/memory-min", "128Mi")},
         2 * GI,
         PAGE,
         "1073741824",
         "536870912",
         "134217728",
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"bytes rounded down to the page",
         {KV("memqos.io/memory-high", "1000000"), KV("memqos.io/memory-low", "4097"),
          KV("memqos.io/memory-min", "4095")},
         MQ_UNLIMITED,
         PAGE,
         "999424",
         "4096",
         "0",
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"fraction rounded up to a byte, then down to the page",
         {KV("memqos.io/memory-high", "1.5Gi"), KV("memqos.io/swap-max", "1.0000001Ki")},
         MQ_UNLIMITED,
         PAGE,
         "1610612736",
         NULL,
         NULL,
         "0",
         NULL,
         MQ_PRIO_NORMAL},
        {"a 64 KiB page",
         {KV("memqos.io/memory-high", "100000"), KV("memqos.io/swap-max", "200000")},
         MQ_UNLIMITED,
         65536,
         "65536",
         NULL,
         NULL,
         "196608",
         NULL,
         MQ_PRIO_NORMAL},
        {"percentages of memory.max",
         {KV("memqos.io/memory-high", "90%"), KV("memqos.io/memory-low", "50%"),
          KV("memqos.io/memory-min", "12.5%")},
         GI,
         PAGE,
         "966365184", /* 966367641.6 -> 966367641 -> page */
         "536870912",
         "134217728",
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"percentage floors (page size 1)",
         {KV("memqos.io/memory-high", "99.999%"), KV("memqos.io/memory-low", "33.333%"),
          KV("memqos.io/memory-min", "0.001%")},
         1000,
         1,
         "999", /* 999.99 */
         "333", /* 333.33 */
         "0",   /* 0.01 */
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"percentage floors (tiny limit)",
         {KV("memqos.io/memory-high", "99.999%")},
         10,
         1,
         "9",
         NULL,
         NULL,
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"100% and 0%",
         {KV("memqos.io/memory-high", "100%"), KV("memqos.io/memory-low", "0%"),
          KV("memqos.io/memory-min", "0%")},
         2 * GI,
         PAGE,
         "2147483648",
         "0",
         "0",
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"percentage of the largest memory.max",
         {KV("memqos.io/memory-high", "100%")},
         9223372036854771712ULL, /* 2^63 - 4096 */
         PAGE,
         "9223372036854771712",
         NULL,
         NULL,
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"max everywhere",
         {KV("memqos.io/memory-high", "max"), KV("memqos.io/memory-low", "max"),
          KV("memqos.io/memory-min", "max"), KV("memqos.io/swap-max", "max")},
         MQ_UNLIMITED,
         PAGE,
         "max",
         "max",
         "max",
         "max",
         NULL,
         MQ_PRIO_NORMAL},
        {"memory-high max under a limit is no throttle, not an error",
         {KV("memqos.io/memory-high", "max"), KV("memqos.io/memory-low", "256Mi")},
         GI,
         PAGE,
         "max",
         "268435456",
         NULL,
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"equal values are in order",
         {KV("memqos.io/memory-high", "1Gi"), KV("memqos.io/memory-low", "1Gi"),
          KV("memqos.io/memory-min", "1Gi")},
         GI,
         PAGE,
         "1073741824",
         "1073741824",
         "1073741824",
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"swap-max is outside the ordering rule",
         {KV("memqos.io/memory-high", "64Mi"), KV("memqos.io/swap-max", "8Gi")},
         128 * 1048576ULL,
         PAGE,
         "67108864",
         NULL,
         NULL,
         "8589934592",
         NULL,
         MQ_PRIO_NORMAL},
        {"oom-group and priority",
         {KV("memqos.io/oom-group", "true"), KV("memqos.io/priority", "critical")},
         GI,
         PAGE,
         NULL,
         NULL,
         NULL,
         NULL,
         "1",
         MQ_PRIO_CRITICAL},
        {"oom-group false",
         {KV("memqos.io/oom-group", "false"), KV("memqos.io/priority", "batch")},
         GI,
         PAGE,
         NULL,
         NULL,
         NULL,
         NULL,
         "0",
         MQ_PRIO_BATCH},
        {"per-container value wins",
         {KV("memqos.io/memory-high", "90%"), KV("memory-high.memqos.io/app", "80%")},
         GI,
         PAGE,
         "858992640", /* 858993459.2 -> page */
         NULL,
         NULL,
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
        {"nothing set: priority defaults to normal",
         {KV("foo.io/bar", "1")},
         GI,
         PAGE,
         NULL,
         NULL,
         NULL,
         NULL,
         NULL,
         MQ_PRIO_NORMAL},
};

static size_t kv_count(const struct mq_kv *kv, size_t max) {
        size_t n = 0;
        while (n < max && kv[n].key)
                n++;
        return n;
}

static void check_knob(const struct plan_case *c, const struct mq_plan *p, enum mq_knob k,
                       const char *want) {
        if (!want) {
                if (p->set[k])
                        fail_msg("%s: %s set to \"%s\", expected unset", c->name, mq_knob_name(k),
                                 p->text[k]);
                return;
        }
        if (!p->set[k] || strcmp(p->text[k], want) != 0)
                fail_msg("%s: %s = \"%s\" (set=%d), expected \"%s\"", c->name, mq_knob_name(k),
                         p->text[k], p->set[k], want);
}

static void test_resolve(void **state) {
        (void)state;
        for (size_t i = 0; i < N(cases); i++) {
                const struct plan_case *c = &cases[i];
                struct mq_spec spec;
                struct mq_plan plan;
                struct mq_error err = {{0}};
                int r = spec_build(c->kv, kv_count(c->kv, N(c->kv)), "app", &spec, &err);
                if (r < 0)
                        fail_msg("%s: spec_build: %s", c->name, err.msg);
                r = plan_resolve(&spec, c->memory_max, c->page_size, &plan, &err);
                if (r < 0)
                        fail_msg("%s: plan_resolve: %d %s", c->name, r, err.msg);
                check_knob(c, &plan, MQ_KNOB_MEMORY_HIGH, c->high);
                check_knob(c, &plan, MQ_KNOB_MEMORY_LOW, c->low);
                check_knob(c, &plan, MQ_KNOB_MEMORY_MIN, c->min);
                check_knob(c, &plan, MQ_KNOB_SWAP_MAX, c->swap);
                check_knob(c, &plan, MQ_KNOB_OOM_GROUP, c->oom);
                assert_int_equal(plan.priority, c->priority);
        }
}

/* The resolved byte values alongside the text. */
static void test_bytes_field(void **state) {
        (void)state;
        const struct mq_kv a[] = {KV("memqos.io/memory-high", "90%"),
                                  KV("memqos.io/swap-max", "max")};
        struct mq_spec spec;
        struct mq_plan plan;
        struct mq_error err = {{0}};
        assert_int_equal(spec_build(a, N(a), "app", &spec, &err), 0);
        assert_int_equal(plan_resolve(&spec, GI, PAGE, &plan, &err), 0);
        assert_int_equal(plan.bytes[MQ_KNOB_MEMORY_HIGH], 966365184);
        assert_true(plan.bytes[MQ_KNOB_SWAP_MAX] == MQ_UNLIMITED);
}

struct error_case {
        const char *name;
        struct mq_kv kv[4];
        uint64_t memory_max;
        const char *msg;
};

static const struct error_case errors[] = {
        {"percentage without a limit",
         {KV("memqos.io/memory-high", "90%")},
         MQ_UNLIMITED,
         "annotation memqos.io/memory-high=\"90%\": a percentage needs a memory limit, but the "
         "container's memory.max is \"max\""},
        {"per-container percentage without a limit",
         {KV("memory-low.memqos.io/app", "10%")},
         MQ_UNLIMITED,
         "annotation memory-low.memqos.io/app=\"10%\": a percentage needs a memory limit, but "
         "the container's memory.max is \"max\""},
        {"min above high",
         {KV("memqos.io/memory-high", "1Gi"), KV("memqos.io/memory-min", "2Gi")},
         4 * GI,
         "memqos.io/memory-min=2Gi (2147483648) is above memqos.io/memory-high=1Gi "
         "(1073741824); " ORDER_RULE},
        {"min above low",
         {KV("memqos.io/memory-low", "100Mi"), KV("memory-min.memqos.io/app", "200Mi")},
         GI,
         "memory-min.memqos.io/app=200Mi (209715200) is above memqos.io/memory-low=100Mi "
         "(104857600); " ORDER_RULE},
        {"low above high",
         {KV("memqos.io/memory-high", "50%"), KV("memqos.io/memory-low", "60%")},
         GI,
         "memqos.io/memory-low=60% (644245094) is above memqos.io/memory-high=50% "
         "(536870912); " ORDER_RULE},
        {"plain byte value shown once",
         {KV("memqos.io/memory-high", "4096"), KV("memqos.io/memory-low", "8192")},
         GI,
         "memqos.io/memory-low=8192 is above memqos.io/memory-high=4096; " ORDER_RULE},
        {"min max above high",
         {KV("memqos.io/memory-high", "1Gi"), KV("memqos.io/memory-min", "max")},
         4 * GI,
         "memqos.io/memory-min=max is above memqos.io/memory-high=1Gi (1073741824); " ORDER_RULE},
        {"min max under a finite memory.max",
         {KV("memqos.io/memory-min", "max")},
         GI,
         "memqos.io/memory-min=max is above the container's memory.max (1073741824); " ORDER_RULE},
        {"low max under a finite memory.max",
         {KV("memory-low.memqos.io/app", "max")},
         GI,
         "memory-low.memqos.io/app=max is above the container's memory.max (1073741824); "
         ORDER_RULE},
        {"high above memory.max",
         {KV("memqos.io/memory-high", "2Gi")},
         GI,
         "memqos.io/memory-high=2Gi (2147483648) is above the container's memory.max "
         "(1073741824); " ORDER_RULE},
        {"low above memory.max",
         {KV("memory-low.memqos.io/app", "1025Mi")},
         GI,
         "memory-low.memqos.io/app=1025Mi (1074790400) is above the container's memory.max "
         "(1073741824); " ORDER_RULE},
        {"high resolves to 0",
         {KV("memqos.io/memory-high", "4095")},
         GI,
         "annotation memqos.io/memory-high=\"4095\" resolves to 0 bytes, which would stall every "
         "allocation; expected at least one page (4096 bytes)"},
        {"high is 0",
         {KV("memqos.io/memory-high", "0")},
         GI,
         "annotation memqos.io/memory-high=\"0\" resolves to 0 bytes, which would stall every "
         "allocation; expected at least one page (4096 bytes)"},
        {"high is 0%",
         {KV("memory-high.memqos.io/app", "0%")},
         GI,
         "annotation memory-high.memqos.io/app=\"0%\" resolves to 0 bytes, which would stall "
         "every allocation; expected at least one page (4096 bytes)"},
};

static void test_errors(void **state) {
        (void)state;
        for (size_t i = 0; i < N(errors); i++) {
                const struct error_case *c = &errors[i];
                struct mq_spec spec;
                struct mq_plan plan;
                struct mq_error err = {{0}};
                memset(&plan, 0x5a, sizeof(plan));
                int r = spec_build(c->kv, kv_count(c->kv, N(c->kv)), "app", &spec, &err);
                if (r < 0)
                        fail_msg("%s: spec_build: %s", c->name, err.msg);
                r = plan_resolve(&spec, c->memory_max, PAGE, &plan, &err);
                if (r != -EINVAL || strcmp(err.msg, c->msg) != 0)
                        fail_msg("%s: r=%d\n  got      \"%s\"\n  expected \"%s\"", c->name, r,
                                 err.msg, c->msg);
                assert_int_equal(((unsigned char *)&plan)[0], 0x5a); /* untouched */
        }
}

static void test_write_order(void **state) {
        (void)state;
        /* every file knob exactly once */
        unsigned seen = 0;
        for (size_t i = 0; i < N(mq_plan_write_order); i++) {
                enum mq_knob k = mq_plan_write_order[i];
                assert_true(k < _MQ_KNOB_MAX);
                assert_int_not_equal(k, MQ_KNOB_PRIORITY);
                assert_false(seen & (1u << k));
                seen |= 1u << k;
        }
        assert_int_equal(seen, (1u << _MQ_KNOB_MAX) - 1 - (1u << MQ_KNOB_PRIORITY));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_resolve),
                cmocka_unit_test(test_bytes_field),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_write_order),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
