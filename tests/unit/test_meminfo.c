/* SPDX-License-Identifier: MIT */
/* parse_meminfo_buf: exact byte values and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meminfo.h"
#include "util.h"

static const char real_text[] = "MemTotal:       16318412 kB\n"
                                "MemFree:         1203456 kB\n"
                                "MemAvailable:    9876543 kB\n"
                                "Buffers:          123456 kB\n"
                                "Cached:          7654321 kB\n"
                                "SwapCached:            0 kB\n"
                                "HugePages_Total:       0\n"
                                "Hugepagesize:       2048 kB\n";

static void test_real(void **state) {
        (void)state;
        struct mq_meminfo m;
        assert_int_equal(parse_meminfo_buf(real_text, &m), 0);
        assert_int_equal(m.mem_total, 16318412ULL * 1024);
        assert_int_equal(m.mem_free, 1203456ULL * 1024);
        assert_int_equal(m.mem_available, 9876543ULL * 1024);
}

static void test_minimal(void **state) {
        (void)state;
        struct mq_meminfo m;
        assert_int_equal(parse_meminfo_buf("MemAvailable: 0 kB\nMemTotal: 1 kB", &m), 0);
        assert_int_equal(m.mem_total, 1024);
        assert_int_equal(m.mem_available, 0);
        assert_int_equal(m.mem_free, 0);
}

static void test_malformed(void **state) {
        (void)state;
        static const char *const bad[] = {
                "",
                "MemTotal: 100 kB\n",                       /* no MemAvailable */
                "MemAvailable: 100 kB\n",                   /* no MemTotal */
                "MemTotal: 100 kB\nMemAvailable: 100\n",    /* no unit */
                "MemTotal: 100 kB\nMemAvailable: 100 MB\n", /* wrong unit */
                "MemTotal: abc kB\nMemAvailable: 100 kB\n",
                "MemTotal: -1 kB\nMemAvailable: 100 kB\n",
                "MemTotal: 100 kB\nMemAvailable: 1 kB\nMemTotal: 100 kB\n", /* duplicate */
                "MemTotal: 100 kB \nMemAvailable: 100 kB\n",                /* trailing junk */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct mq_meminfo m = {.mem_total = 5};
                assert_int_equal(parse_meminfo_buf(bad[i], &m), -EINVAL);
                assert_int_equal(m.mem_total, 5);
        }
        struct mq_meminfo m;
        assert_int_equal(
                parse_meminfo_buf("MemTotal: 18014398509481984 kB\nMemAvailable: 1 kB\n", &m),
                -ERANGE);
        assert_int_equal(parse_meminfo_buf(NULL, &m), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real),
                cmocka_unit_test(test_minimal),
                cmocka_unit_test(test_malformed),
        };
        return cmocka_run_group_tests_name("meminfo", tests, NULL, NULL);
}
