/* SPDX-License-Identifier: MIT */
/* The usage pass's bound: a QoS-level parent's memory.current less the
 * children read bounds every child not read (policy/usagebound.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "usagebound.h"

#define MiB (UINT64_C(1) << 20)
#define BE  "/kubepods.slice/kubepods-besteffort.slice"
#define BU  "/kubepods.slice/kubepods-burstable.slice"
#define POD "kubepods-besteffort-pod6f1a3c2e_9b4d_4e8f_a1b2_0c3d4e5f6a7b.slice"

static struct mq_pod pod(enum mq_qos qos, enum mq_priority prio, uint64_t current,
                         uint64_t min) {
        struct mq_pod p;
        memset(&p, 0, sizeof(p));
        p.qos = qos;
        p.priority = prio;
        p.current = current;
        p.min = min;
        return p;
}

/* Children of one parent share one bound; another parent gets its own;
 * a top-level cgroup has no parent to bound it. */
static void test_bound_per_parent(void **state) {
        (void)state;
        struct mq_usage_bounds u = {0};
        assert_int_equal(mq_usage_bound_of(&u, BE "/" POD), 0);
        assert_int_equal(mq_usage_bound_of(&u, BE "/kubepods-besteffort-podother.slice"), 0);
        assert_int_equal(mq_usage_bound_of(&u, BU "/kubepods-burstable-podx.slice"), 1);
        assert_int_equal(mq_usage_bound_of(&u, BE "/" POD), 0);
        assert_int_equal(u.n, 2);
        assert_string_equal(u.v[0].path, BE);
        assert_string_equal(u.v[1].path, BU);
        assert_false(u.v[0].known); /* not read yet */
        assert_int_equal(mq_usage_bound_of(&u, "/toplevel"), -1);
        assert_int_equal(mq_usage_bound_of(&u, "noslash"), -1);
        assert_int_equal(u.n, 2);
}

/* The table holds MQ_USAGE_BOUNDS_MAX parents; beyond, no bound (the pod
 * is read). A parent path that does not fit has none either. */
static void test_bound_table_full(void **state) {
        (void)state;
        struct mq_usage_bounds u = {0};
        char path[64];
        for (int i = 0; i < MQ_USAGE_BOUNDS_MAX; i++) {
                (void)snprintf(path, sizeof(path), "/parent%d/pod", i);
                assert_int_equal(mq_usage_bound_of(&u, path), i);
        }
        assert_int_equal(mq_usage_bound_of(&u, "/parent99/pod"), -1);
        assert_int_equal(mq_usage_bound_of(&u, "/parent3/pod2"), 3); /* known ones still found */
        struct mq_usage_bounds v = {0};
        char longp[600];
        memset(longp, 'a', sizeof(longp) - 1);
        longp[0] = '/';
        longp[550] = '/';
        longp[sizeof(longp) - 1] = '\0';
        assert_int_equal(mq_usage_bound_of(&v, longp), -1);
        assert_int_equal(v.n, 0);
}

/* Each child read spends its usage; the bound never goes below zero (a
 * child's figure read after the parent's may be larger); k < 0 is none. */
static void test_spend(void **state) {
        (void)state;
        struct mq_usage_bounds u = {0};
        int k = mq_usage_bound_of(&u, BE "/" POD);
        mq_usage_bound_set(&u, k, 1000 * MiB);
        assert_true(u.v[k].known);
        mq_usage_bound_spend(&u, k, 300 * MiB);
        assert_int_equal(u.v[k].left, 700 * MiB);
        mq_usage_bound_spend(&u, k, 900 * MiB);
        assert_int_equal(u.v[k].left, 0);
        mq_usage_bound_spend(&u, -1, 5);
        mq_usage_bound_spend(&u, 7, 5); /* not in the table: nothing */
        mq_usage_bound_set(&u, -1, 5);
        assert_int_equal(u.n, 1);
        assert_int_equal(u.v[k].left, 0);
}

/* When may a pod not read be passed over, and what does it then hold? */
static void test_bounded_out(void **state) {
        (void)state;
        struct mq_usage_bounds u = {0};
        int k = mq_usage_bound_of(&u, BE "/" POD);
        struct mq_pod p = pod(MQ_QOS_BESTEFFORT, MQ_PRIO_NORMAL, 500 * MiB, 0);

        /* unknown bound (the parent's file was not read): read the pod */
        assert_false(mq_usage_bounded_out(&u, k, &p, NULL));
        assert_false(mq_usage_bounded_out(&u, -1, &p, NULL));
        assert_int_equal(p.current, 500 * MiB);

        /* the parent has less than the 16 MiB floor left: no candidate
         * there; the figure drops to the bound */
        mq_usage_bound_set(&u, k, MQ_POD_FLOOR_BYTES - 1);
        assert_true(mq_usage_bounded_out(&u, k, &p, NULL));
        assert_int_equal(p.current, MQ_POD_FLOOR_BYTES - 1);

        /* a figure already below the bound stays */
        p.current = 4 * MiB;
        assert_true(mq_usage_bounded_out(&u, k, &p, NULL));
        assert_int_equal(p.current, 4 * MiB);

        /* room for a candidate and no best yet: read it */
        mq_usage_bound_set(&u, k, 200 * MiB);
        p.current = 500 * MiB;
        assert_false(mq_usage_bounded_out(&u, k, &p, NULL));
        assert_int_equal(p.current, 500 * MiB);

        /* the best so far, same group, holds more excess than the bound
         * leaves: this pod cannot outrank it */
        struct mq_pod best = pod(MQ_QOS_BESTEFFORT, MQ_PRIO_NORMAL, 300 * MiB, 0);
        assert_true(mq_usage_bounded_out(&u, k, &p, &best));
        assert_int_equal(p.current, 200 * MiB);

        /* the best's excess is its usage above protection: 300 - 150 < 200 */
        p.current = 500 * MiB;
        best.min = 150 * MiB;
        assert_false(mq_usage_bounded_out(&u, k, &p, &best));

        /* a best in another group (a lower priority comes first anyway, a
         * higher one is outranked by any pod of this group): read it */
        best = pod(MQ_QOS_BESTEFFORT, MQ_PRIO_LOW, 900 * MiB, 0);
        assert_false(mq_usage_bounded_out(&u, k, &p, &best));
        best = pod(MQ_QOS_BURSTABLE, MQ_PRIO_NORMAL, 900 * MiB, 0);
        assert_false(mq_usage_bounded_out(&u, k, &p, &best));
        assert_int_equal(p.current, 500 * MiB);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bound_per_parent),
                cmocka_unit_test(test_bound_table_full),
                cmocka_unit_test(test_spend),
                cmocka_unit_test(test_bounded_out),
        };
        return cmocka_run_group_tests_name("usagebound", tests, NULL, NULL);
}
