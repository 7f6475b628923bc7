/* SPDX-License-Identifier: MIT */
/* Headroom net of protection: the kernel's effective-protection rules on
 * tables of pods and ancestors, the levels, the watermark timer's delay and
 * the fill-rate meter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "headroom.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (1024 * MIB)
#define MAX MQ_UNLIMITED

/* One pod of a table: its QoS (its parent), usage and protection. */
struct pod_row {
        enum mq_qos qos;
        uint64_t current, file, shmem, min, low;
        uint64_t want_emin, want_elow, want_cache_min, want_cache_low;
};

struct anc_row {
        bool known;
        uint64_t min, low;
};

struct prot_case {
        const char *name;
        struct anc_row anc[_MQ_ANC_MAX];
        struct pod_row pods[4];
        size_t n;
};

#define G MQ_QOS_GUARANTEED
#define B MQ_QOS_BURSTABLE
#define E MQ_QOS_BESTEFFORT
#define UNKNOWN_ANC                                                                                \
        {                                                                                          \
                {false, 0, 0}, {false, 0, 0}, {                                                    \
                        false, 0, 0                                                                \
                }                                                                                  \
        }

static const struct prot_case prot_cases[] = {
        {"no protection", UNKNOWN_ANC, {{G, 300 * MIB, 260 * MIB, 0, 0, 0, 0, 0, 0, 0}}, 1},
        {"min above usage keeps all the cache",
         UNKNOWN_ANC,
         {{G, 300 * MIB, 260 * MIB, 0, 400 * MIB, 0, 300 * MIB, 0, 260 * MIB, 0}},
         1},
        {"min below usage: reclaim takes the cache above it",
         UNKNOWN_ANC,
         {{G, 300 * MIB, 260 * MIB, 0, 100 * MIB, 0, 100 * MIB, 0, 60 * MIB, 0}},
         1},
        {"min below the anonymous part keeps no cache",
         UNKNOWN_ANC,
         {{G, 300 * MIB, 100 * MIB, 0, 150 * MIB, 0, 150 * MIB, 0, 0, 0}},
         1},
        {"shmem is not reclaimable cache",
         UNKNOWN_ANC,
         {{G, 300 * MIB, 260 * MIB, 60 * MIB, 400 * MIB, 0, 300 * MIB, 0, 200 * MIB, 0}},
         1},
        {"max claims all usage",
         UNKNOWN_ANC,
         {{E, 300 * MIB, 260 * MIB, 0, MAX, 0, 300 * MIB, 0, 260 * MIB, 0}},
         1},
        {"kubepods caps its child",
         {{true, 100 * MIB, 0}, {false, 0, 0}, {false, 0, 0}},
         {{G, 300 * MIB, 260 * MIB, 0, 300 * MIB, 0, 100 * MIB, 0, 60 * MIB, 0}},
         1},
        {"siblings share the parent's protection by their claims",
         {{true, 200 * MIB, 0}, {false, 0, 0}, {false, 0, 0}},
         {{G, 200 * MIB, 200 * MIB, 0, 300 * MIB, 0, 100 * MIB, 0, 100 * MIB, 0},
          {G, 200 * MIB, 200 * MIB, 0, 200 * MIB, 0, 100 * MIB, 0, 100 * MIB, 0}},
         2},
        {"siblings within the parent keep their own claims",
         {{true, 1 * GIB, 0}, {false, 0, 0}, {false, 0, 0}},
         {{G, 200 * MIB, 200 * MIB, 0, 300 * MIB, 0, 200 * MIB, 0, 200 * MIB, 0},
          {G, 200 * MIB, 200 * MIB, 0, 200 * MIB, 0, 200 * MIB, 0, 200 * MIB, 0}},
         2},
        {"a QoS cgroup without protection voids its pods'",
         {{true, 1 * GIB, 0}, {true, 0, 0}, {false, 0, 0}},
         {{B, 300 * MIB, 260 * MIB, 0, 300 * MIB, 0, 0, 0, 0, 0}},
         1},
        {"nested: kubepods, then burstable, then the pod",
         {{true, 150 * MIB, 0}, {true, 400 * MIB, 0}, {false, 0, 0}},
         /* burstable claims min(300, 400) = 300 beside the Guaranteed pod's
          * 100: 400 > 150, so burstable gets 300 * 150 / 400 = 112.5 MiB,
          * the Guaranteed pod 37.5 MiB. */
         {{B, 300 * MIB, 260 * MIB, 0, 300 * MIB, 0, 225 * MIB / 2, 0, 145 * MIB / 2, 0},
          {G, 100 * MIB, 100 * MIB, 0, 100 * MIB, 0, 75 * MIB / 2, 0, 75 * MIB / 2, 0}},
         2},
        {"memory.low only: counted apart from memory.min",
         UNKNOWN_ANC,
         {{G, 300 * MIB, 260 * MIB, 0, 0, 300 * MIB, 0, 300 * MIB, 0, 260 * MIB}},
         1},
        {"memory.low above memory.min keeps the rest",
         UNKNOWN_ANC,
         {{G, 300 * MIB, 260 * MIB, 0, 100 * MIB, 300 * MIB, 100 * MIB, 300 * MIB, 60 * MIB,
           200 * MIB}},
         1},
        {"memory.low capped by kubepods' low, not its min",
         {{true, 1 * GIB, 50 * MIB}, {false, 0, 0}, {false, 0, 0}},
         {{G, 300 * MIB, 260 * MIB, 0, 0, 300 * MIB, 0, 50 * MIB, 0, 10 * MIB}},
         1},
};

static void build(const struct prot_case *c, struct mq_pod *pods, struct mq_snapshot *s) {
        memset(s, 0, sizeof(*s));
        for (size_t a = 0; a < _MQ_ANC_MAX; a++)
                s->ancestors[a] =
                        (struct mq_ancestor_prot){c->anc[a].known, c->anc[a].min, c->anc[a].low};
        for (size_t i = 0; i < c->n; i++) {
                const struct pod_row *r = &c->pods[i];
                pods[i] = (struct mq_pod){.qos = r->qos,
                                          .current = r->current,
                                          .file = r->file,
                                          .shmem = r->shmem,
                                          .anon = r->current - r->file,
                                          .min = r->min,
                                          .low = r->low};
        }
        s->pods = pods;
        s->n_pods = c->n;
}

static void test_protection_table(void **state) {
        (void)state;
        for (size_t k = 0; k < sizeof(prot_cases) / sizeof(prot_cases[0]); k++) {
                const struct prot_case *c = &prot_cases[k];
                struct mq_pod pods[4];
                struct mq_snapshot s;
                struct mq_pod_protection pp[4];
                struct mq_protected total;
                build(c, pods, &s);
                print_message("case: %s\n", c->name);
                mq_protection_compute(&s, pp, &total);
                uint64_t sum_min = 0, sum_low = 0;
                for (size_t i = 0; i < c->n; i++) {
                        assert_int_equal(pp[i].emin, c->pods[i].want_emin);
                        assert_int_equal(pp[i].elow, c->pods[i].want_elow);
                        assert_int_equal(pp[i].cache.min, c->pods[i].want_cache_min);
                        assert_int_equal(pp[i].cache.low, c->pods[i].want_cache_low);
                        sum_min += c->pods[i].want_cache_min;
                        sum_low += c->pods[i].want_cache_low;
                }
                assert_int_equal(total.min, sum_min);
                assert_int_equal(total.low, sum_low);
                /* Without the per-pod array, the same totals. */
                struct mq_protected again;
                mq_protection_compute(&s, NULL, &again);
                assert_int_equal(again.min, total.min);
                assert_int_equal(again.low, total.low);
        }
}

static void test_share_no_overflow(void **state) {
        (void)state;
        /* 64 GiB claims under a 100 GiB parent shared by 200 GiB of claims:
         * the product overflows 64 bits, the share does not. */
        assert_int_equal(mq_protection_share(64 * GIB, 100 * GIB, 200 * GIB), 32 * GIB);
        assert_int_equal(mq_protection_share(64 * GIB, MAX, 200 * GIB), 64 * GIB);
        assert_int_equal(mq_protected_cache(100 * MIB, 10 * MIB, 20 * MIB, MAX), 0);
}

static struct mq_config cfg_with(double reclaim, double kill) {
        struct mq_config c;
        mq_config_defaults(&c);
        c.watermark_reclaim_pct = reclaim;
        c.watermark_kill_pct = kill;
        return c;
}

static void test_headroom_levels(void **state) {
        (void)state;
        struct mq_config cfg = cfg_with(10, 4); /* 1000 MiB: lines at 100 and 40 MiB */
        struct mq_headroom h;
        struct mq_protected none = {0}, prot = {200 * MIB, 56 * MIB};

        /* No protection: headroom is MemAvailable. */
        mq_headroom_assess(&cfg, 1000 * MIB, 500 * MIB, &none, 0, &h);
        assert_int_equal(h.headroom, 500 * MIB);
        assert_int_equal(h.level, MQ_HEADROOM_OK);
        /* 20 % available, 256 MiB of it protected cache: below the kill line. */
        mq_headroom_assess(&cfg, 1000 * MIB, 200 * MIB + 90 * MIB, &prot, 0, &h);
        assert_int_equal(h.headroom, 34 * MIB);
        assert_int_equal(h.level, MQ_HEADROOM_CRITICAL);
        assert_false(h.by_rate);
        /* Protected cache above MemAvailable: 0, not a wrap-around. */
        mq_headroom_assess(&cfg, 1000 * MIB, 100 * MIB, &prot, 0, &h);
        assert_int_equal(h.headroom, 0);
        /* Below the reclaim line, standing still: low. */
        mq_headroom_assess(&cfg, 1000 * MIB, 90 * MIB, &none, 0, &h);
        assert_int_equal(h.level, MQ_HEADROOM_LOW);
        assert_int_equal(h.ms_to_kill_line, UINT64_MAX);
        /* ... shrinking 100 MiB/s: the kill line in 500 ms, sooner than a
         * kill frees memory: critical by the rate. */
        mq_headroom_assess(&cfg, 1000 * MIB, 90 * MIB, &none, 100 * MIB, &h);
        assert_int_equal(h.ms_to_kill_line, 500);
        assert_int_equal(h.level, MQ_HEADROOM_CRITICAL);
        assert_true(h.by_rate);
        /* ... shrinking 40 MiB/s: 1250 ms, the ladder has time. */
        mq_headroom_assess(&cfg, 1000 * MIB, 90 * MIB, &none, 40 * MIB, &h);
        assert_int_equal(h.level, MQ_HEADROOM_LOW);
        /* Above the reclaim line the rate alone never kills. */
        mq_headroom_assess(&cfg, 1000 * MIB, 150 * MIB, &none, 1000 * MIB, &h);
        assert_int_equal(h.level, MQ_HEADROOM_OK);
        /* The kill watermark off: never critical, by the rate either. */
        struct mq_config nokill = cfg_with(10, 0);
        mq_headroom_assess(&nokill, 1000 * MIB, 90 * MIB, &none, 1000 * MIB, &h);
        assert_int_equal(h.level, MQ_HEADROOM_LOW);
        /* MemTotal unknown: nothing to say. */
        mq_headroom_assess(&cfg, 0, 0, &none, 0, &h);
        assert_int_equal(h.level, MQ_HEADROOM_OK);
}

static void test_headroom_of_snapshot(void **state) {
        (void)state;
        struct mq_config cfg = cfg_with(10, 4);
        struct mq_pod pods[1] = {{.qos = MQ_QOS_GUARANTEED,
                                  .current = 300 * MIB,
                                  .file = 260 * MIB,
                                  .anon = 40 * MIB,
                                  .min = 300 * MIB}};
        struct mq_snapshot s = {.mem_total = 1000 * MIB,
                                .mem_available = 310 * MIB,
                                .fill_rate = 7,
                                .pods = pods,
                                .n_pods = 1};
        s.ancestors[MQ_ANC_KUBEPODS] = (struct mq_ancestor_prot){true, 300 * MIB, 0};
        struct mq_headroom h;
        mq_headroom_of_snapshot(&cfg, &s, &h);
        assert_int_equal(h.prot.min, 260 * MIB);
        assert_int_equal(h.headroom, 50 * MIB);
        assert_int_equal(h.fill_rate, 7);
        assert_int_equal(h.level, MQ_HEADROOM_LOW);
        char buf[224];
        mq_headroom_describe(&h, buf, sizeof(buf));
        assert_string_equal(buf, "MemAvailable 310 MiB (31.0%), protected cache 260 MiB, "
                                 "headroom 50 MiB (5.0%)");
        /* kubepods without protection: the pod's memory.min protects
         * nothing, and the cache counts as available again. */
        s.ancestors[MQ_ANC_KUBEPODS].min = 0;
        mq_headroom_of_snapshot(&cfg, &s, &h);
        assert_int_equal(h.headroom, 310 * MIB);
        assert_int_equal(h.level, MQ_HEADROOM_OK);
}

static struct mq_headroom hr(uint64_t total, uint64_t headroom, double reclaim, double kill,
                             uint64_t rate) {
        struct mq_config cfg = cfg_with(reclaim, kill);
        struct mq_protected none = {0};
        struct mq_headroom h;
        mq_headroom_assess(&cfg, total, headroom, &none, rate, &h);
        return h;
}

static void test_delay(void **state) {
        (void)state;
        struct mq_headroom h;
        /* 64 GiB node, half free: beyond 1 s of worst-case fill. */
        h = hr(64 * GIB, 32 * GIB, 10, 4, 0);
        assert_int_equal(mq_headroom_delay_ms(&h), 1000);
        /* 4 GiB, 3 GiB of headroom, reclaim line 409.6 MiB:
         * (3072 - 409.6) MiB / 6000 MiB/s = 443 ms. */
        h = hr(4 * GIB, 3 * GIB, 10, 4, 0);
        assert_int_equal(mq_headroom_delay_ms(&h), 443);
        /* A measured rate above the worst case shortens it: 12000 MiB/s. */
        h = hr(4 * GIB, 3 * GIB, 10, 4, 12000 * MIB);
        assert_int_equal(mq_headroom_delay_ms(&h), 221);
        /* Just above the reclaim line, or below both: the floor, never 0. */
        h = hr(4 * GIB, mq_watermark_bytes(4 * GIB, 10) + MIB, 10, 4, 0);
        assert_int_equal(mq_headroom_delay_ms(&h), 100);
        h = hr(4 * GIB, 0, 10, 4, 0);
        assert_int_equal(mq_headroom_delay_ms(&h), 100);
        /* Off: both watermarks 0, or MemTotal unknown. */
        h = hr(4 * GIB, GIB, 0, 0, 0);
        assert_int_equal(mq_headroom_delay_ms(&h), 0);
        h = hr(0, 0, 10, 4, 0);
        assert_int_equal(mq_headroom_delay_ms(&h), 0);
        /* Only the kill line: still watched. */
        h = hr(64 * GIB, 32 * GIB, 0, 4, 0);
        assert_int_equal(mq_headroom_delay_ms(&h), 1000);
        assert_int_equal(mq_watermark_bytes(1000, 10.0), 100);
        assert_int_equal(mq_watermark_bytes(1000, -5.0), 0);
        assert_int_equal(mq_watermark_bytes(1000, 150.0), 1000);
}

static void test_fill_meter(void **state) {
        (void)state;
        struct mq_fill_meter m = {0};
        assert_int_equal(mq_fill_meter_rate(&m), 0);
        /* 100 MiB/s for a second, read every 100 ms. */
        for (uint64_t t = 0; t <= 1000; t += 100)
                mq_fill_meter_add(&m, 5000 + t, 900 * MIB - t * MIB / 10);
        assert_int_equal(mq_fill_meter_rate(&m), 100 * MIB);
        /* Then 1 s flat: the window holds only the flat part. */
        for (uint64_t t = 1100; t <= 2000; t += 100)
                mq_fill_meter_add(&m, 5000 + t, 800 * MIB);
        assert_int_equal(mq_fill_meter_rate(&m), 0);
        /* Rising: 0. */
        mq_fill_meter_add(&m, 7100, 850 * MIB);
        assert_int_equal(mq_fill_meter_rate(&m), 0);

        /* A burst of readings 1 ms apart does not push the window out of the
         * ring: 300 readings over 300 ms at 400 MiB/s, after 1 s flat. */
        struct mq_fill_meter b = {0};
        for (uint64_t t = 0; t < 1000; t += 100)
                mq_fill_meter_add(&b, t, 1000 * MIB);
        for (uint64_t t = 1000; t <= 1300; t++)
                mq_fill_meter_add(&b, t, 1000 * MIB - (t - 1000) * 400 * MIB / 1000);
        /* 120 MiB lost in the 1 s window ending at 1300 (from 300 on). */
        uint64_t rate = mq_fill_meter_rate(&b);
        assert_true(rate >= 115 * MIB && rate <= 125 * MIB);
        /* Under one gap of samples: no rate yet. */
        struct mq_fill_meter c = {0};
        mq_fill_meter_add(&c, 0, 100 * MIB);
        mq_fill_meter_add(&c, 10, 50 * MIB);
        assert_int_equal(mq_fill_meter_rate(&c), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_protection_table),
                cmocka_unit_test(test_share_no_overflow),
                cmocka_unit_test(test_headroom_levels),
                cmocka_unit_test(test_headroom_of_snapshot),
                cmocka_unit_test(test_delay),
                cmocka_unit_test(test_fill_meter),
        };
        return cmocka_run_group_tests_name("headroom", tests, NULL, NULL);
}
