/* SPDX-License-Identifier: MIT */
/* Kernel OOM kills from two checks: which pods, how many tasks, cgroup or
 * node scope, a pod recreated, kills outside pods only once confirmed;
 * /proc/vmstat's oom_kill. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "oomkill.h"
#include "util.h"

#define MIB (1024ULL * 1024)

static struct mq_pod pod(const char *uid, uint64_t oom, uint64_t oom_kill, uint64_t current) {
        struct mq_pod p = {.current = current, .inactive_file = 10 * MIB, .max = 256 * MIB};
        snprintf(p.uid, sizeof(p.uid), "%s", uid);
        p.events.oom = oom;
        p.events.oom_kill = oom_kill;
        return p;
}

static const char *const U1 = "0b1e7c52-8a40-4c2f-9f1e-3d2c1b0a9f81";
static const char *const U2 = "5f3a9d10-1c2b-4e8f-a7d6-0e9f8c7b6a52";
static const char *const U3 = "c4d3e2f1-0a9b-4c8d-b7e6-f5a4b3c2d1e0";

static void test_find(void **state) {
        (void)state;
        struct mq_pod before[] = {pod(U1, 0, 0, 250 * MIB), pod(U2, 2, 3, 100 * MIB)};
        struct mq_snapshot prev = {.now_ms = 1000, .n_pods = 2, .pods = before};
        struct mq_oom_baseline base = {0};
        assert_int_equal(mq_oom_baseline_take(&prev, &base), 0);
        assert_int_equal(base.n, 2);
        /* U1 hit its limit (oom and oom_kill); U2 lost 2 tasks to the node
         * OOM killer (oom stays); U3 is new with 1 kill; memory freed. */
        struct mq_pod after[] = {pod(U3, 0, 1, 5 * MIB), pod(U2, 2, 5, 20 * MIB),
                                 pod(U1, 1, 1, 12 * MIB)};
        struct mq_snapshot next = {.now_ms = 1100, .n_pods = 3, .pods = after};
        struct mq_oom_kills k = {0};
        assert_int_equal(mq_oom_kills_find(&base, &next, &k), 0);
        assert_int_equal(k.n, 3);
        assert_int_equal(k.v[0].pod, 0); /* U3: new, counted from 0, figures of now */
        assert_false(k.v[0].known);
        assert_int_equal(k.v[0].kills, 1);
        assert_int_equal(k.v[0].scope, MQ_OOM_NODE);
        assert_int_equal(k.v[0].before.current, 5 * MIB);
        assert_int_equal(k.v[1].pod, 1); /* U2 */
        assert_true(k.v[1].known);
        assert_int_equal(k.v[1].kills, 2);
        assert_int_equal(k.v[1].scope, MQ_OOM_NODE);
        assert_int_equal(k.v[1].before.current, 100 * MIB);
        assert_int_equal(k.v[2].pod, 2); /* U1: the figures before the kill */
        assert_int_equal(k.v[2].kills, 1);
        assert_int_equal(k.v[2].scope, MQ_OOM_CGROUP);
        assert_int_equal(k.v[2].before.current, 250 * MIB);
        assert_int_equal(mq_pod_figures_working_set(&k.v[2].before), 240 * MIB);
        assert_int_equal(mq_oom_kills_total(&k), 4);
        assert_string_equal(mq_oom_scope_name(k.v[2].scope), "cgroup");

        /* Nothing new: nothing found. */
        assert_int_equal(mq_oom_baseline_take(&next, &base), 0);
        assert_int_equal(mq_oom_kills_find(&base, &next, &k), 0);
        assert_int_equal(k.n, 0);
        /* U2 recreated under its UID: its counter (5 before) starts again. */
        struct mq_pod again[] = {pod(U2, 0, 1, 1 * MIB)};
        struct mq_snapshot third = {.now_ms = 1200, .n_pods = 1, .pods = again};
        assert_int_equal(mq_oom_kills_find(&base, &third, &k), 0);
        assert_int_equal(k.n, 1);
        assert_int_equal(k.v[0].kills, 1);
        assert_int_equal(k.v[0].scope, MQ_OOM_NODE); /* oom 0, below the old 2: no limit hit */
        mq_oom_kills_done(&k);
        mq_oom_baseline_done(&base);
}

/* Kills outside pods are reported once the node's count has stayed ahead
 * of the pods' for MQ_OOM_PATIENCE_MS; a pod's kill seen before /proc/vmstat
 * counts it, or up to that long after, is not reported as outside. */
static void test_balance(void **state) {
        (void)state;
        struct mq_oom_balance b = {0};
        assert_int_equal(mq_oom_balance_step(&b, 1, 1, 1000), 0); /* seen together */
        assert_int_equal(mq_oom_balance_step(&b, 1, 0, 1100), 0); /* vmstat first: wait */
        assert_int_equal(mq_oom_balance_step(&b, 0, 0, 2000), 0); /* 0.9 s: still waiting */
        assert_int_equal(mq_oom_balance_step(&b, 0, 1, 2200), 0); /* ...the pod next */
        assert_int_equal(b.balance, 0);
        assert_int_equal(mq_oom_balance_step(&b, 0, 1, 2300), 0); /* the pod first */
        assert_int_equal(mq_oom_balance_step(&b, 1, 0, 2400), 0); /* then vmstat */
        assert_int_equal(mq_oom_balance_step(&b, 2, 0, 3000), 0); /* outside: wait */
        assert_int_equal(mq_oom_balance_step(&b, 0, 0, 4900), 0); /* 1.9 s */
        assert_int_equal(mq_oom_balance_step(&b, 0, 0, 5000), 2); /* 2 s: confirmed */
        assert_int_equal(mq_oom_balance_step(&b, 0, 0, 9000), 0);
        assert_int_equal(mq_oom_balance_step(&b, 3, 1, 9100), 0);
        assert_int_equal(mq_oom_balance_step(&b, 1, 0, 11100), 3);
        assert_int_equal(b.balance, 0);
}

/* The pods are searched only while kubepods counts kills not yet found. */
static void test_gate(void **state) {
        (void)state;
        struct mq_oom_gate g = {.accounted = 5};
        assert_false(mq_oom_gate_open(&g, 5));
        assert_true(mq_oom_gate_open(&g, 6));
        mq_oom_gate_searched(&g, 6, 1, 1000); /* found */
        assert_false(mq_oom_gate_open(&g, 6));
        assert_true(mq_oom_gate_open(&g, 8));
        mq_oom_gate_searched(&g, 8, 0, 2000); /* the pod not read yet: stays open */
        mq_oom_gate_searched(&g, 8, 1, 3000); /* one of two found */
        assert_true(mq_oom_gate_open(&g, 8));
        mq_oom_gate_searched(&g, 8, 0, 4000); /* 2 s since the first miss: closed */
        assert_false(mq_oom_gate_open(&g, 8));
        assert_int_equal(g.accounted, 8);
        mq_oom_gate_searched(&g, 8, 3, 5000); /* more than counted (a recreated pod): clamped */
        assert_int_equal(g.accounted, 8);
}

static void test_vmstat(void **state) {
        (void)state;
        uint64_t v = 7;
        assert_int_equal(
                parse_vmstat_oom_kill_buf("nr_free_pages 12\noom_kill 42\npgfault 9\n", &v), 0);
        assert_int_equal(v, 42);
        assert_int_equal(parse_vmstat_oom_kill_buf("oom_kill 0", &v), 0);
        assert_int_equal(v, 0);
        v = 7;
        assert_int_equal(parse_vmstat_oom_kill_buf("nr_free_pages 12\noom_kills 3\n", &v), -ENOENT);
        assert_int_equal(parse_vmstat_oom_kill_buf("oom_kill x\n", &v), -EINVAL);
        assert_int_equal(parse_vmstat_oom_kill_buf("oom_kill 12 3\n", &v), -EINVAL);
        assert_int_equal(parse_vmstat_oom_kill_buf("oom_kill 99999999999999999999999\n", &v),
                         -EINVAL);
        assert_int_equal(parse_vmstat_oom_kill_buf("", &v), -ENOENT);
        assert_int_equal(v, 7);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_balance),
                cmocka_unit_test(test_gate),
                cmocka_unit_test(test_vmstat),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
