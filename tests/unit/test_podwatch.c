/* SPDX-License-Identifier: MIT */
/* The map from a pod's memory.events watch to its "changed since read" flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "podwatch.h"

static const char uids[4][MQ_POD_UID_MAX] = {"c-uid", "a-uid", "d-uid", "b-uid"};

static void test_unknown_is_changed(void **state) {
        (void)state;
        struct mq_podwatch w = {0};
        assert_true(mq_podwatch_changed(&w, "a-uid"));
        assert_false(mq_podwatch_mark(&w, 1));
        mq_podwatch_clear(&w, "a-uid"); /* not mapped: nothing to clear */
        assert_true(mq_podwatch_changed(&w, "a-uid"));
        mq_podwatch_done(&w);
}

static void test_new_watches_start_changed(void **state) {
        (void)state;
        struct mq_podwatch w = {0};
        const int wds[4] = {7, 3, -1, 12};
        assert_int_equal(mq_podwatch_set(&w, wds, uids, 4), 0);
        assert_int_equal(w.n, 3); /* d-uid has no watch */
        for (size_t i = 0; i < 4; i++)
                assert_true(mq_podwatch_changed(&w, uids[i]));
        mq_podwatch_clear_all(&w);
        assert_false(mq_podwatch_changed(&w, "a-uid"));
        assert_false(mq_podwatch_changed(&w, "b-uid"));
        assert_false(mq_podwatch_changed(&w, "c-uid"));
        assert_true(mq_podwatch_changed(&w, "d-uid")); /* never watched */
        mq_podwatch_done(&w);
}

static void test_mark_and_clear(void **state) {
        (void)state;
        struct mq_podwatch w = {0};
        const int wds[4] = {7, 3, 5, 12};
        assert_int_equal(mq_podwatch_set(&w, wds, uids, 4), 0);
        mq_podwatch_clear_all(&w);
        assert_true(mq_podwatch_mark(&w, 5));  /* d-uid */
        assert_true(mq_podwatch_mark(&w, 12)); /* b-uid */
        assert_false(mq_podwatch_mark(&w, 4));
        assert_false(mq_podwatch_changed(&w, "a-uid"));
        assert_true(mq_podwatch_changed(&w, "b-uid"));
        assert_false(mq_podwatch_changed(&w, "c-uid"));
        assert_true(mq_podwatch_changed(&w, "d-uid"));
        mq_podwatch_clear(&w, "d-uid");
        assert_false(mq_podwatch_changed(&w, "d-uid"));
        assert_true(mq_podwatch_changed(&w, "b-uid"));
        w.all_changed = true; /* inotify queue overflow */
        assert_true(mq_podwatch_changed(&w, "a-uid"));
        mq_podwatch_clear_all(&w);
        assert_false(w.all_changed);
        assert_false(mq_podwatch_changed(&w, "a-uid"));
        assert_false(mq_podwatch_changed(&w, "b-uid"));
        mq_podwatch_done(&w);
}

/* Setting the map again keeps the flags of pods whose watch is the same and
 * starts a pod with a new wd (its cgroup was recreated) as changed. */
static void test_reset_keeps_flags(void **state) {
        (void)state;
        struct mq_podwatch w = {0};
        const int wds[4] = {7, 3, 5, 12};
        assert_int_equal(mq_podwatch_set(&w, wds, uids, 4), 0);
        mq_podwatch_clear_all(&w);
        assert_true(mq_podwatch_mark(&w, 7)); /* c-uid */
        const char again[3][MQ_POD_UID_MAX] = {"a-uid", "c-uid", "b-uid"};
        const int wds2[3] = {3, 7, 20};
        assert_int_equal(mq_podwatch_set(&w, wds2, again, 3), 0);
        assert_false(mq_podwatch_changed(&w, "a-uid")); /* same wd, was clear */
        assert_true(mq_podwatch_changed(&w, "c-uid"));  /* same wd, was marked */
        assert_true(mq_podwatch_changed(&w, "b-uid"));  /* new wd */
        assert_true(mq_podwatch_changed(&w, "d-uid"));  /* gone from the map */
        assert_false(mq_podwatch_mark(&w, 12));         /* b-uid's old watch */
        assert_false(mq_podwatch_mark(&w, 5));
        mq_podwatch_done(&w);
}

/* A pod created after the map was set: added flagged; a recreated pod's
 * uid takes its new wd. */
static void test_add(void **state) {
        (void)state;
        struct mq_podwatch w = {0};
        const int wds[2] = {7, 3};
        assert_int_equal(mq_podwatch_set(&w, wds, uids, 2), 0); /* c-uid, a-uid */
        mq_podwatch_clear_all(&w);
        assert_int_equal(mq_podwatch_add(&w, 9, "b-uid"), 0);
        assert_int_equal(w.n, 3);
        assert_true(mq_podwatch_changed(&w, "b-uid"));
        assert_false(mq_podwatch_changed(&w, "a-uid"));
        assert_false(mq_podwatch_changed(&w, "c-uid"));
        mq_podwatch_clear(&w, "b-uid");
        assert_true(mq_podwatch_mark(&w, 9));
        assert_true(mq_podwatch_changed(&w, "b-uid"));
        assert_int_equal(mq_podwatch_add(&w, 11, "c-uid"), 0);
        assert_int_equal(w.n, 3);
        assert_true(mq_podwatch_changed(&w, "c-uid"));
        assert_false(mq_podwatch_mark(&w, 7));
        assert_true(mq_podwatch_mark(&w, 11));
        mq_podwatch_done(&w);
}

static void test_remove(void **state) {
        (void)state;
        struct mq_podwatch w = {0};
        const int wds[4] = {7, 3, 5, 12}; /* c a d b */
        assert_int_equal(mq_podwatch_set(&w, wds, uids, 4), 0);
        mq_podwatch_clear_all(&w);
        mq_podwatch_remove(&w, "b-uid");
        mq_podwatch_remove(&w, "x-uid"); /* unknown: nothing */
        assert_int_equal(w.n, 3);
        assert_false(mq_podwatch_mark(&w, 12));
        assert_true(mq_podwatch_changed(&w, "b-uid")); /* unknown again */
        assert_true(mq_podwatch_mark(&w, 7));
        assert_true(mq_podwatch_changed(&w, "c-uid"));
        assert_true(mq_podwatch_mark(&w, 5));
        assert_true(mq_podwatch_changed(&w, "d-uid"));
        assert_false(mq_podwatch_changed(&w, "a-uid"));
        mq_podwatch_remove(&w, "a-uid");
        assert_false(mq_podwatch_mark(&w, 3));
        assert_true(mq_podwatch_mark(&w, 7));
        assert_true(mq_podwatch_mark(&w, 5));
        assert_int_equal(w.n, 2);
        mq_podwatch_done(&w);
}

/* Many pods, watch descriptors out of order: every wd finds its own pod. */
static void test_many(void **state) {
        (void)state;
        enum { N = 1000 };
        static char many[N][MQ_POD_UID_MAX];
        static int wds[N];
        for (int i = 0; i < N; i++) {
                (void)snprintf(many[i], MQ_POD_UID_MAX, "pod-%04d", (i * 7919) % N);
                wds[i] = 1 + ((i * 389) % N) * 2;
        }
        struct mq_podwatch w = {0};
        assert_int_equal(mq_podwatch_set(&w, wds, many, N), 0);
        mq_podwatch_clear_all(&w);
        for (int i = 0; i < N; i += 3)
                assert_true(mq_podwatch_mark(&w, wds[i]));
        for (int i = 0; i < N; i++)
                assert_int_equal(mq_podwatch_changed(&w, many[i]), i % 3 == 0);
        assert_false(mq_podwatch_mark(&w, 0));
        assert_false(mq_podwatch_mark(&w, 2 * N + 1));
        mq_podwatch_done(&w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unknown_is_changed),
                cmocka_unit_test(test_new_watches_start_changed),
                cmocka_unit_test(test_mark_and_clear),
                cmocka_unit_test(test_reset_keeps_flags),
                cmocka_unit_test(test_add),
                cmocka_unit_test(test_remove),
                cmocka_unit_test(test_many),
        };
        return cmocka_run_group_tests_name("podwatch", tests, NULL, NULL);
}
