/* SPDX-License-Identifier: MIT */
/* Protection propagation sums: saturation, raise-only, and the cap on what
 * is carried up to kubepods. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "propagate.h"

static void test_sum(void **state) {
        (void)state;
        struct mq_protection sum = {0};
        struct mq_protection a = {.min = 100 << 20, .low = 200 << 20};
        struct mq_protection b = {.min = 0, .low = 50 << 20};
        mq_protection_add(&sum, &a);
        mq_protection_add(&sum, &b);
        assert_int_equal(sum.min, 100 << 20);
        assert_int_equal(sum.low, 250 << 20);
        struct mq_protection m = {.min = MQ_UNLIMITED, .low = UINT64_MAX - 10};
        mq_protection_add(&sum, &m);
        assert_true(sum.min == MQ_UNLIMITED);
        assert_true(sum.low == MQ_UNLIMITED); /* saturates */
}

static void test_need(void **state) {
        (void)state;
        struct mq_protection out;
        struct mq_protection parent = {.min = 0, .low = 300};
        struct mq_protection kids = {.min = 100, .low = 250};
        assert_true(mq_protection_need(&parent, &kids, &out));
        assert_int_equal(out.min, 100);
        assert_int_equal(out.low, 300); /* never lowered */

        struct mq_protection enough = {.min = 100, .low = 300};
        assert_false(mq_protection_need(&enough, &kids, &out));
        assert_int_equal(out.min, 100);
        assert_int_equal(out.low, 300);
}

#define MI   1048576ULL
#define PAGE 4096ULL

static void test_cap(void **state) {
        (void)state;
        static const struct {
                uint64_t total;
                unsigned pct;
                uint64_t want;
        } cases[] = {
                {4096 * MI, 50, 2048 * MI},
                {4096 * MI, 100, 4096 * MI},
                {4096 * MI, 150, 4096 * MI}, /* never above MemTotal */
                {1000001 * 1024ULL, 50, 500000 * 1024ULL}, /* 500000.5 KiB, page-aligned down */
                {0, 50, 0},
                {UINT64_MAX, 50, (UINT64_MAX / 2) - (UINT64_MAX / 2) % PAGE}, /* no overflow */
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_int_equal(mq_protection_cap(cases[i].total, cases[i].pct, PAGE),
                                 cases[i].want);
}

/* A child's max, or anything above the cap, counts as the cap. */
static void test_bound(void **state) {
        (void)state;
        uint64_t cap = 2048 * MI;
        struct mq_protection p = {.min = MQ_UNLIMITED, .low = 100 * MI};
        mq_protection_bound(&p, cap);
        assert_int_equal(p.min, cap);
        assert_int_equal(p.low, 100 * MI);
        struct mq_protection q = {.min = 3000 * MI, .low = MQ_UNLIMITED};
        mq_protection_bound(&q, cap);
        assert_int_equal(q.min, cap);
        assert_int_equal(q.low, cap);

        /* Two pods asking max each: the sum of their bounded claims is
         * 2 x cap, never "max", and the parent's need scales back to the cap. */
        struct mq_protection sum = {0}, a = {.min = MQ_UNLIMITED}, b = {.min = MQ_UNLIMITED};
        mq_protection_bound(&a, cap);
        mq_protection_bound(&b, cap);
        mq_protection_add(&sum, &a);
        mq_protection_add(&sum, &b);
        assert_int_equal(sum.min, 2 * cap);
        assert_int_equal(mq_protection_scale(sum.min, sum.min, cap, PAGE), cap);
}

static void test_scale(void **state) {
        (void)state;
        static const struct {
                uint64_t v, total, cap, want;
        } cases[] = {
                {100 * MI, 1000 * MI, 2000 * MI, 100 * MI}, /* within the cap: as it is */
                {1000 * MI, 1000 * MI, 1000 * MI, 1000 * MI},
                {1000 * MI, 4000 * MI, 2000 * MI, 500 * MI},  /* half */
                {4000 * MI, 4000 * MI, 2000 * MI, 2000 * MI}, /* the top: the cap */
                {1 * MI + 1, 3 * MI, 1 * MI, 348160},         /* 349525.67 -> 85 pages */
                {0, 4000 * MI, 2000 * MI, 0},
                {5000 * MI, 4000 * MI, 2000 * MI, 2000 * MI}, /* a part is never above the whole */
                {UINT64_MAX / 2, UINT64_MAX / 2, 2048 * MI, 2048 * MI}, /* no overflow */
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_int_equal(
                        mq_protection_scale(cases[i].v, cases[i].total, cases[i].cap, PAGE),
                        cases[i].want);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sum),
                cmocka_unit_test(test_need),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_bound),
                cmocka_unit_test(test_scale),
        };
        return cmocka_run_group_tests_name("propagate", tests, NULL, NULL);
}
