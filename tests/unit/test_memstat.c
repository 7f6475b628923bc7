/* SPDX-License-Identifier: MIT */
/* parse_memory_stat_buf / parse_memory_events_buf: exact values, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "memstat.h"
#include "util.h"

static const char stat_text[] = "anon 104857600\n"
                                "file 52428800\n"
                                "kernel 1234\n"
                                "shmem 4096\n"
                                "active_anon 0\n"
                                "inactive_anon 104857600\n"
                                "active_file 20971520\n"
                                "inactive_file 31457280\n"
                                "pgfault 123\n";

static void test_stat(void **state) {
        (void)state;
        struct mq_memory_stat s;
        assert_int_equal(parse_memory_stat_buf(stat_text, &s), 0);
        assert_int_equal(s.anon, 104857600);
        assert_int_equal(s.file, 52428800);
        assert_int_equal(s.active_file, 20971520);
        assert_int_equal(s.inactive_file, 31457280);
        assert_int_equal(s.shmem, 4096);
}

static void test_stat_malformed(void **state) {
        (void)state;
        static const char *const bad[] = {
                "",
                "anon 1\nfile 2\nactive_file 3\ninactive_file 4\n", /* no shmem */
                "anon 1\nfile 2\nactive_file 3\ninactive_file 4\nshmem x\n",
                "anon 1\nfile 2\nactive_file 3\ninactive_file 4\nshmem 5\nbroken\n",
                "anon 1\nfile 2\nactive_file 3\ninactive_file 4\nshmem -5\n",
                "anon 1\nanon 1\nfile 2\nactive_file 3\ninactive_file 4\nshmem 5\n",
                "anon  1\nfile 2\nactive_file 3\ninactive_file 4\nshmem 5\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct mq_memory_stat s = {.anon = 9};
                assert_int_equal(parse_memory_stat_buf(bad[i], &s), -EINVAL);
                assert_int_equal(s.anon, 9);
        }
        struct mq_memory_stat s;
        assert_int_equal(parse_memory_stat_buf("anon 99999999999999999999\n", &s), -ERANGE);
}

static void test_events(void **state) {
        (void)state;
        struct mq_memory_events e;
        assert_int_equal(parse_memory_events_buf("low 1\nhigh 2\nmax 3\noom 4\noom_kill 5\n"
                                                 "oom_group_kill 6\n",
                                                 &e),
                         0);
        assert_int_equal(e.low, 1);
        assert_int_equal(e.high, 2);
        assert_int_equal(e.max, 3);
        assert_int_equal(e.oom, 4);
        assert_int_equal(e.oom_kill, 5);
        assert_int_equal(e.oom_group_kill, 6);

        /* Before 5.17 there is no oom_group_kill line. */
        assert_int_equal(parse_memory_events_buf("low 0\nhigh 7\nmax 0\noom 0\noom_kill 0", &e), 0);
        assert_int_equal(e.high, 7);
        assert_int_equal(e.oom_group_kill, 0);
}

static void test_events_malformed(void **state) {
        (void)state;
        struct mq_memory_events e;
        assert_int_equal(parse_memory_events_buf("low 0\nhigh 7\nmax 0\noom 0\n", &e), -EINVAL);
        assert_int_equal(
                parse_memory_events_buf("low 0\nhigh seven\nmax 0\noom 0\noom_kill 0\n", &e),
                -EINVAL);
        assert_int_equal(parse_memory_events_buf(NULL, &e), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stat),
                cmocka_unit_test(test_stat_malformed),
                cmocka_unit_test(test_events),
                cmocka_unit_test(test_events_malformed),
        };
        return cmocka_run_group_tests_name("memstat", tests, NULL, NULL);
}
