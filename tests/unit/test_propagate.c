/* SPDX-License-Identifier: MIT */
/* Protection propagation sums: saturation, raise-only. */
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sum),
                cmocka_unit_test(test_need),
        };
        return cmocka_run_group_tests_name("propagate", tests, NULL, NULL);
}
