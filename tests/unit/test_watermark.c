/* SPDX-License-Identifier: MIT */
/* The adaptive MemAvailable timer: exact delays and clamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "watermark.h"

#define MIB (1024ULL * 1024)
#define GIB (1024 * MIB)

static void test_pct(void **state) {
        (void)state;
        assert_int_equal(mq_watermark_bytes(1000, 10.0), 100);
        assert_int_equal(mq_watermark_bytes(1000, 0.0), 0);
        assert_int_equal(mq_watermark_bytes(1000, -5.0), 0);
        assert_int_equal(mq_watermark_bytes(1000, 100.0), 1000);
        assert_int_equal(mq_watermark_bytes(1000, 150.0), 1000);
}

static void test_delay(void **state) {
        (void)state;
        /* 64 GiB node, half free: headroom far beyond 1 s of worst-case fill. */
        assert_int_equal(mq_watermark_delay_ms(64 * GIB, 32 * GIB, 10, 4), 1000);
        /* 4 GiB node, 3 GiB available, reclaim line 409.6 MiB:
         * (3072 - 409.6) MiB / 6000 MiB/s = 443 ms. */
        uint64_t total = 4 * GIB, avail = 3 * GIB;
        uint64_t want = (avail - mq_watermark_bytes(total, 10)) / MQ_WORST_FILL_BYTES_PER_MS;
        assert_int_equal(want, 443);
        assert_int_equal(mq_watermark_delay_ms(total, avail, 10, 4), 443);
        /* Just above the reclaim line: the floor. */
        assert_int_equal(mq_watermark_delay_ms(total, mq_watermark_bytes(total, 10) + MIB, 10, 4),
                         100);
        /* Below the reclaim line: measured to the kill line. 300 MiB - 163.8 MiB
         * is < 100 ms of fill: the floor again. */
        assert_int_equal(mq_watermark_delay_ms(total, 300 * MIB, 10, 4), 100);
        /* Below both: still the floor, never 0 (0 means off). */
        assert_int_equal(mq_watermark_delay_ms(total, 0, 10, 4), 100);
}

static void test_off(void **state) {
        (void)state;
        assert_int_equal(mq_watermark_delay_ms(4 * GIB, GIB, 0, 0), 0);
        assert_int_equal(mq_watermark_delay_ms(0, 0, 10, 4), 0);
        /* Only the kill line: still watched. */
        assert_int_equal(mq_watermark_delay_ms(64 * GIB, 32 * GIB, 0, 4), 1000);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pct),
                cmocka_unit_test(test_delay),
                cmocka_unit_test(test_off),
        };
        return cmocka_run_group_tests_name("watermark", tests, NULL, NULL);
}
