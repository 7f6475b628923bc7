/* SPDX-License-Identifier: MIT */
/* parse_psi_buf and psi_trigger_format: exact values and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "psi.h"

static void test_memory_file(void **state) {
        (void)state;
        struct mq_psi p;
        const char *text = "some avg10=12.50 avg60=3.07 avg300=0.81 total=123456789\n"
                           "full avg10=1.25 avg60=0.10 avg300=0.00 total=42\n";
        assert_int_equal(parse_psi_buf(text, &p), 0);
        assert_float_equal(p.some_avg10, 12.50, 1e-9);
        assert_float_equal(p.some_avg60, 3.07, 1e-9);
        assert_float_equal(p.some_avg300, 0.81, 1e-9);
        assert_int_equal(p.some_total_us, 123456789);
        assert_float_equal(p.full_avg10, 1.25, 1e-9);
        assert_float_equal(p.full_avg60, 0.10, 1e-9);
        assert_float_equal(p.full_avg300, 0.0, 1e-9);
        assert_int_equal(p.full_total_us, 42);
}

static void test_no_trailing_newline_and_big_total(void **state) {
        (void)state;
        struct mq_psi p;
        const char *text = "some avg10=100.00 avg60=0.00 avg300=0.00 total=18446744073709551615\n"
                           "full avg10=0.00 avg60=0.00 avg300=0.00 total=0";
        assert_int_equal(parse_psi_buf(text, &p), 0);
        assert_float_equal(p.some_avg10, 100.0, 1e-9);
        assert_true(p.some_total_us == UINT64_MAX);
}

static void test_some_only(void **state) {
        (void)state;
        struct mq_psi p;
        assert_int_equal(parse_psi_buf("some avg10=0.50 avg60=0.25 avg300=0.10 total=7\n", &p), 0);
        assert_float_equal(p.some_avg10, 0.5, 1e-9);
        assert_int_equal(p.some_total_us, 7);
        assert_int_equal(p.full_total_us, 0);
}

static void test_unknown_key_skipped(void **state) {
        (void)state;
        struct mq_psi p;
        assert_int_equal(
                parse_psi_buf("some avg10=1.00 avg60=2.00 avg300=3.00 total=4 avg5=9.00\n", &p), 0);
        assert_float_equal(p.some_avg300, 3.0, 1e-9);
        assert_int_equal(p.some_total_us, 4);
}

static void test_malformed(void **state) {
        (void)state;
        static const char *const bad[] = {
                "",
                "\n",
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", /* no some line */
                "some avg10=0.00 avg60=0.00 avg300=0.00\n",         /* no total */
                "some avg10=0.00 avg60=0.00 total=5\n",             /* no avg300 */
                "some avg10=x avg60=0.00 avg300=0.00 total=5\n",
                "some avg10=-1.00 avg60=0.00 avg300=0.00 total=5\n",
                "some avg10=1.00 avg60=0.00 avg300=0.00 total=5x\n",
                "some avg10=1.00 avg60=0.00 avg300=0.00 total=-5\n",
                "some avg10=1.00 avg60=0.00 avg300=0.00 total=99999999999999999999\n",
                "some avg10=1.00 avg60 avg300=0.00 total=5\n",
                "some avg10=1.00 avg60=0.00 avg300=0.00 total=5\n"
                "some avg10=1.00 avg60=0.00 avg300=0.00 total=5\n", /* duplicate */
                "some avg10=1.00 avg60=0.00 avg300=0.00 total=5\nbogus line\n",
                "SOME avg10=1.00 avg60=0.00 avg300=0.00 total=5\n",
                "some avg10=nan avg60=0.00 avg300=0.00 total=5\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct mq_psi p = {.some_total_us = 77};
                assert_int_equal(parse_psi_buf(bad[i], &p), -EINVAL);
                assert_int_equal(p.some_total_us, 77); /* untouched on error */
        }
        struct mq_psi p;
        assert_int_equal(parse_psi_buf(NULL, &p), -EINVAL);
}

static void test_trigger_format(void **state) {
        (void)state;
        char buf[64];
        assert_int_equal(psi_trigger_format(150000, 1000000, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "some 150000 1000000");
        assert_int_equal(psi_trigger_format(500000, 500000, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "some 500000 500000");
        assert_int_equal(psi_trigger_format(1000, 10000000, buf, sizeof(buf)), 0);
        assert_int_equal(psi_trigger_format(150000, 499999, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(psi_trigger_format(150000, 10000001, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(psi_trigger_format(0, 1000000, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(psi_trigger_format(2000000, 1000000, buf, sizeof(buf)), -EINVAL);
        assert_int_equal(psi_trigger_format(150000, 1000000, buf, 8), -ENOBUFS);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_memory_file),
                cmocka_unit_test(test_no_trailing_newline_and_big_total),
                cmocka_unit_test(test_some_only),
                cmocka_unit_test(test_unknown_key_skipped),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_trigger_format),
        };
        return cmocka_run_group_tests_name("psi", tests, NULL, NULL);
}
