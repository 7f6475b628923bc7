/* SPDX-License-Identifier: MIT */
/* The decision core on scripted scenarios. A small simulator holds the pods;
 * each step runs mq_decide() on a snapshot at a given time, the test asserts
 * the exact actions, and (where the scenario says so) applies them to the
 * pods the way the kernel would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"
#include "util.h"

#define MiB     (UINT64_C(1) << 20)
#define GiB     (UINT64_C(1) << 30)
#define T0      UINT64_C(100000)
#define MAXPODS 8

struct sim {
        struct mq_config cfg;
        struct mq_pod pods[MAXPODS];
        struct mq_container ct[MAXPODS];
        size_t n;
        struct mq_snapshot snap;
        struct mq_agent_state st;
        struct mq_actions out;
};

static struct sim *sim_new(void) {
        struct sim *s = calloc(1, sizeof(*s));
        assert_non_null(s);
        mq_config_defaults(&s->cfg);
        s->snap.mem_total = 16 * GiB;
        s->snap.mem_available = 8 * GiB; /* 50 %: no pressure */
        return s;
}

static void sim_free(struct sim *s) {
        mq_actions_done(&s->out);
        mq_agent_state_done(&s->st);
        free(s);
}

/* Pressure by the MemAvailable watermark only (6.25 % < 10 %, > 4 %). */
static void pressure(struct sim *s) {
        s->snap.mem_available = 1 * GiB;
}
static void critical(struct sim *s) {
        s->snap.mem_available = GiB / 2; /* 3.1 % < 4 % */
}
static void calm(struct sim *s) {
        s->snap.mem_available = 8 * GiB;
}

static struct mq_pod *add_pod(struct sim *s, const char *uid, enum mq_priority prio,
                              enum mq_qos qos, uint64_t current, uint64_t file) {
        assert_true(s->n < MAXPODS);
        struct mq_pod *p = &s->pods[s->n++];
        *p = (struct mq_pod){.qos = qos, .priority = prio, .has_record = true};
        snprintf(p->uid, sizeof(p->uid), "%s", uid);
        snprintf(p->name, sizeof(p->name), "%s", uid);
        snprintf(p->ns, sizeof(p->ns), "default");
        snprintf(p->cgroup, sizeof(p->cgroup), "kubepods.slice/pod%s", uid);
        p->current = current;
        p->file = file;
        p->anon = current - file;
        p->high = p->max = p->record_high = MQ_UNLIMITED;
        return p;
}

static struct mq_pod *find(struct sim *s, const char *uid) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->pods[i].uid, uid))
                        return &s->pods[i];
        return NULL;
}

static void remove_pod(struct sim *s, const char *uid) {
        struct mq_pod *p = find(s, uid);
        assert_non_null(p);
        size_t i = (size_t)(p - s->pods);
        memmove(&s->pods[i], &s->pods[i + 1], (s->n - i - 1) * sizeof(*p));
        s->n--;
}

static void dump(const struct mq_actions *a) {
        for (size_t i = 0; i < a->n; i++)
                print_message("  [%zu] %s %s %s %llu: %s\n", i, mq_action_name(a->v[i].kind),
                              a->v[i].pod_uid, a->v[i].cgroup, (unsigned long long)a->v[i].value,
                              a->v[i].reason);
}

static const struct mq_actions *run(struct sim *s, uint64_t now, enum mq_trigger trig) {
        s->out.n = 0;
        s->snap.now_ms = now;
        s->snap.trigger = trig;
        s->snap.pods = s->pods;
        s->snap.n_pods = s->n;
        assert_int_equal(mq_decide(&s->cfg, &s->snap, &s->st, &s->out), 0);
        return &s->out;
}

/* Apply actions as the kernel would: reclaim takes page cache, memory.high
 * is written, a kill ends the tasks (anonymous memory freed at once). */
static void apply(struct sim *s) {
        for (size_t i = 0; i < s->out.n; i++) {
                const struct mq_action *a = &s->out.v[i];
                struct mq_pod *p = find(s, a->pod_uid);
                if (a->kind == MQ_ACT_NOTE || !p)
                        continue;
                switch (a->kind) {
                case MQ_ACT_RECLAIM:
                        p->file -= a->value;
                        p->current -= a->value;
                        break;
                case MQ_ACT_SET_HIGH:
                case MQ_ACT_RELAX_HIGH:
                case MQ_ACT_UNSTICK:
                        if (streq(a->cgroup, p->cgroup))
                                p->high = a->value;
                        for (size_t k = 0; k < p->n_containers; k++)
                                if (streq(a->cgroup, p->containers[k].cgroup))
                                        p->containers[k].high = a->value;
                        break;
                case MQ_ACT_KILL:
                        p->current -= p->anon;
                        p->anon = 0;
                        break;
                default:
                        break;
                }
        }
}

static void expect_n(const struct mq_actions *a, size_t n) {
        if (a->n != n) {
                dump(a);
                fail_msg("expected %zu actions, got %zu", n, a->n);
        }
}

static void expect_act(const struct mq_actions *a, size_t i, enum mq_action_kind kind,
                       const char *uid, uint64_t value) {
        assert_true(i < a->n);
        const struct mq_action *x = &a->v[i];
        if (x->kind != kind || !streq(x->pod_uid, uid) || x->value != value) {
                dump(a);
                fail_msg("action %zu: expected %s %s %llu", i, mq_action_name(kind), uid,
                         (unsigned long long)value);
        }
        char cg[600];
        snprintf(cg, sizeof(cg), "kubepods.slice/pod%s", uid);
        if (kind == MQ_ACT_NOTE)
                assert_string_equal(x->cgroup, "");
        else if (kind != MQ_ACT_UNSTICK)
                assert_string_equal(x->cgroup, cg);
}

static bool mentions(const struct mq_actions *a, const char *uid) {
        for (size_t i = 0; i < a->n; i++)
                if (streq(a->v[i].pod_uid, uid))
                        return true;
        return false;
}

/* Ranking: priority, then QoS class, then usage above protection (most
 * first), then size (largest first), then UID. */
static void test_rank_order_and_ties(void **state) {
        (void)state;
        struct sim *s = sim_new();
        struct mq_pod *p;
        add_pod(s, "u-b", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 1 * GiB, 0);   /* 0: excess 1 GiB */
        add_pod(s, "guar", MQ_PRIO_BATCH, MQ_QOS_GUARANTEED, 1 * GiB, 0);  /* 1: batch first */
        add_pod(s, "be", MQ_PRIO_NORMAL, MQ_QOS_BESTEFFORT, 100 * MiB, 0); /* 2: QoS over usage */
        p = add_pod(s, "low2", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 2 * GiB, 0); /* 3 */
        p->low = 1536 * MiB;                                                  /* excess 0.5 GiB */
        add_pod(s, "big", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 1536 * MiB, 0); /* 4: excess 1.5 GiB */
        add_pod(s, "u-a", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 1 * GiB, 0);    /* 5: ties 0 by uid */
        p = add_pod(s, "min3", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 3 * GiB, 0); /* 6 */
        p->min = 2560 * MiB; /* excess 0.5 GiB, ties 3 on excess, larger */
        s->snap.pods = s->pods;
        s->snap.n_pods = s->n;
        size_t order[MAXPODS];
        mq_rank_pods(&s->snap, order);
        const char *want[] = {"guar", "be", "big", "u-a", "u-b", "min3", "low2"};
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                assert_string_equal(s->pods[order[i]].uid, want[i]);
        sim_free(s);
}

static void test_protected_predicate(void **state) {
        (void)state;
        struct mq_config c;
        mq_config_defaults(&c);
        struct mq_pod p = {.priority = MQ_PRIO_HIGH, .qos = MQ_QOS_BURSTABLE};
        assert_false(mq_pod_protected(&c, &p));
        p.priority = MQ_PRIO_CRITICAL;
        assert_true(mq_pod_protected(&c, &p));
        p.priority = MQ_PRIO_BATCH;
        p.qos = MQ_QOS_GUARANTEED;
        assert_true(mq_pod_protected(&c, &p));
        c.protect_guaranteed = false;
        assert_false(mq_pod_protected(&c, &p));
        c.protected_priority = MQ_PRIO_HIGH;
        p.priority = MQ_PRIO_HIGH;
        assert_true(mq_pod_protected(&c, &p));
        c.protected_priority = _MQ_PRIO_MAX; /* "none" */
        p.priority = MQ_PRIO_CRITICAL;
        assert_false(mq_pod_protected(&c, &p));
}

/* The predicates the ladder and the agent's fast path share (rank.c). */
static void test_ladder_predicates(void **state) {
        (void)state;
        struct mq_config c;
        mq_config_defaults(&c);
        static const struct {
                enum mq_priority prio;
                enum mq_qos qos;
                uint64_t current, anon;
                enum mq_step step;
                bool kill_enabled;
                bool eligible, candidate, killable;
        } cases[] = {
                /* an ordinary pod, each rung */
                {MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 64 << 20, 32 << 20, MQ_STEP_NONE, true, true, true, true},
                {MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 64 << 20, 32 << 20, MQ_STEP_RECLAIM, true, true, true, true},
                {MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 64 << 20, 32 << 20, MQ_STEP_THROTTLE, true, true, true, true},
                {MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 64 << 20, 32 << 20, MQ_STEP_KILL, true, false, false, true},
                /* kills off: a throttled pod has no rung left */
                {MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 64 << 20, 32 << 20, MQ_STEP_RECLAIM, false, true, true, true},
                {MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 64 << 20, 32 << 20, MQ_STEP_THROTTLE, false, true, false, true},
                /* the floor: 16 MiB of usage to act, of anon to kill */
                {MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, (16 << 20) - 1, 0, MQ_STEP_NONE, true, false, false, false},
                {MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 16 << 20, (16 << 20) - 1, MQ_STEP_NONE, true, true, true, false},
                {MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 16 << 20, 16 << 20, MQ_STEP_NONE, true, true, true, true},
                /* protected by priority or by class (the defaults) */
                {MQ_PRIO_CRITICAL, MQ_QOS_BESTEFFORT, 1ULL << 30, 1ULL << 30, MQ_STEP_NONE, true, false, false, true},
                {MQ_PRIO_LOW, MQ_QOS_GUARANTEED, 1ULL << 30, 1ULL << 30, MQ_STEP_NONE, true, false, false, true},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct mq_pod p = {.priority = cases[i].prio, .qos = cases[i].qos,
                                   .current = cases[i].current, .anon = cases[i].anon};
                c.kill_enabled = cases[i].kill_enabled;
                if (mq_pod_eligible(&c, &p, cases[i].step) != cases[i].eligible ||
                    mq_pod_candidate(&c, &p, cases[i].step) != cases[i].candidate ||
                    mq_pod_killable(&p) != cases[i].killable)
                        fail_msg("case %zu: eligible %d candidate %d killable %d", i,
                                 mq_pod_eligible(&c, &p, cases[i].step),
                                 mq_pod_candidate(&c, &p, cases[i].step), mq_pod_killable(&p));
        }
}

/* The ranking's first keys alone: priority, then class; usage never. */
/* Simultaneous wakeups are reported as the most urgent: PSI on the node,
 * on kubepods, the watermark, memory.events, a record, the timer. */
static void test_trigger_urgency(void **state) {
        (void)state;
        const enum mq_trigger order[] = {MQ_TRIGGER_PSI_NODE, MQ_TRIGGER_PSI_KUBEPODS,
                                         MQ_TRIGGER_WATERMARK, MQ_TRIGGER_EVENTS,
                                         MQ_TRIGGER_RECORD, MQ_TRIGGER_TIMER};
        for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++)
                assert_true(mq_trigger_urgency(order[i]) > mq_trigger_urgency(order[i + 1]));
        assert_int_equal(mq_trigger_urgency(MQ_TRIGGER_ONCE),
                         mq_trigger_urgency(MQ_TRIGGER_TIMER));
}

static void test_rank_group_cmp(void **state) {
        (void)state;
        struct mq_pod batch_g = {.priority = MQ_PRIO_BATCH, .qos = MQ_QOS_GUARANTEED, .current = 1};
        struct mq_pod low_be = {.priority = MQ_PRIO_LOW, .qos = MQ_QOS_BESTEFFORT, .current = 9};
        struct mq_pod low_bu = {.priority = MQ_PRIO_LOW, .qos = MQ_QOS_BURSTABLE, .current = 1};
        struct mq_pod low_bu2 = {.priority = MQ_PRIO_LOW, .qos = MQ_QOS_BURSTABLE, .current = 1 << 30};
        assert_true(mq_rank_group_cmp(&batch_g, &low_be) < 0);
        assert_true(mq_rank_group_cmp(&low_be, &batch_g) > 0);
        assert_true(mq_rank_group_cmp(&low_be, &low_bu) < 0);
        assert_int_equal(mq_rank_group_cmp(&low_bu, &low_bu2), 0);
        /* and the full order agrees with it where the groups differ */
        assert_true(mq_pod_rank_cmp(&batch_g, &low_be) < 0);
        assert_true(mq_pod_rank_cmp(&low_be, &low_bu) < 0);
        assert_true(mq_pod_rank_cmp(&low_bu2, &low_bu) < 0); /* same group: larger first */
}

/* Rising pressure with three priorities: the batch pod goes through the
 * whole ladder first, then the normal one; the critical pod is never touched
 * and, once it is the only pod left, a note says why nothing happens. */
static void test_three_priorities(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "crit", MQ_PRIO_CRITICAL, MQ_QOS_BURSTABLE, 3 * GiB, 1 * GiB);
        add_pod(s, "normal", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 2 * GiB, 800 * MiB);
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        pressure(s);
        const struct mq_actions *a;

        a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RECLAIM, "batch", 100 * MiB);
        assert_string_equal(a->v[0].reason,
                            "reclaim 100 MiB of 400 MiB page cache from batch/besteffort pod "
                            "default/batch (usage 2048 MiB): MemAvailable 1024 MiB (6.2%), "
                            "protected cache 0 MiB, headroom 1024 MiB (6.2%), node "
                            "PSI some avg10 0.0%.");
        apply(s);
        /* Confirmation: nothing until the step interval has passed. */
        expect_n(run(s, T0 + 500, MQ_TRIGGER_TIMER), 0);

        /* Throttle: 3/4 of the way from usage + MemAvailable down to usage. */
        a = run(s, T0 + 1000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_SET_HIGH, "batch", (1948 + 256) * MiB);
        apply(s);
        a = run(s, T0 + 2000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "batch", 1);
        assert_string_equal(
                a->v[0].reason,
                "kill batch/besteffort pod default/batch (usage 1948 MiB, anon 1648 "
                "MiB): gentler steps did not relieve pressure, MemAvailable 1024 MiB "
                "(6.2%), protected cache 0 MiB, headroom 1024 MiB (6.2%), node PSI some "
                "avg10 0.0%, stall +0 ms in 1000 ms.");
        remove_pod(s, "batch");

        a = run(s, T0 + 3000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RECLAIM, "normal", 200 * MiB);
        apply(s);
        a = run(s, T0 + 4000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_SET_HIGH, "normal", (1848 + 256) * MiB);
        apply(s);
        /* The next kill waits for the cooldown since the first one. */
        for (uint64_t t = T0 + 5000; t <= T0 + 6000; t += 1000) {
                a = run(s, t, MQ_TRIGGER_TIMER);
                expect_n(a, 1);
                expect_act(a, 0, MQ_ACT_NOTE, "", 0);
        }
        assert_string_equal(a->v[0].reason,
                            "under pressure, next step is a kill but last kill 4.0 s ago, "
                            "cooldown 5.0 s: MemAvailable 1024 MiB (6.2%), protected cache 0 MiB, "
                            "headroom 1024 MiB (6.2%), node PSI some avg10 "
                            "0.0%, stall +0 ms in 1000 ms.");
        a = run(s, T0 + 7000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "normal", 1);
        remove_pod(s, "normal");

        a = run(s, T0 + 8000, MQ_TRIGGER_PSI_NODE);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_NOTE, "", 0);
        assert_string_equal(a->v[0].reason,
                            "under pressure but no eligible pod (1 protected), leaving it to the "
                            "kernel OOM killer: MemAvailable 1024 MiB (6.2%), protected cache 0 "
                            "MiB, headroom 1024 MiB (6.2%), node PSI some avg10 "
                            "0.0%, stall +0 ms in 1000 ms, trigger psi-node.");
        sim_free(s);
}

/* Extreme pressure for a long time: critical and Guaranteed pods are never
 * chosen. Turning Guaranteed protection off shows the test would notice. */
static void test_protected_never_chosen(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "crit-be", MQ_PRIO_CRITICAL, MQ_QOS_BESTEFFORT, 4 * GiB, 1 * GiB);
        add_pod(s, "guar", MQ_PRIO_BATCH, MQ_QOS_GUARANTEED, 4 * GiB, 1 * GiB);
        s->snap.mem_available = GiB / 4;
        s->snap.node_psi.some_avg10 = 80;
        for (uint64_t t = T0; t < T0 + 60000; t += 500) {
                s->snap.node_psi.some_total_us += 400000;
                const struct mq_actions *a = run(s, t, MQ_TRIGGER_PSI_NODE);
                assert_false(mentions(a, "crit-be"));
                assert_false(mentions(a, "guar"));
                for (size_t i = 0; i < a->n; i++)
                        assert_int_equal(a->v[i].kind, MQ_ACT_NOTE);
        }
        s->cfg.protect_guaranteed = false;
        const struct mq_actions *a = run(s, T0 + 60000, MQ_TRIGGER_PSI_NODE);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "guar", 1);
        sim_free(s);
}

/* Relief stops the ladder: once pressure is gone, no next step; after
 * relief_ms the episode ends and a new one starts from the first rung. */
static void test_relief_stops_ladder(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        pressure(s);
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RECLAIM, "batch", 100 * MiB);
        apply(s);
        calm(s);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000) {
                expect_n(run(s, t, MQ_TRIGGER_TIMER), 0);
                assert_true(s->st.in_episode);
        }
        expect_n(run(s, T0 + 10000, MQ_TRIGGER_TIMER), 0);
        assert_false(s->st.in_episode);
        /* Pressure again: the ladder restarts with reclaim, not throttle. */
        pressure(s);
        a = run(s, T0 + 10500, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RECLAIM, "batch", 75 * MiB);
        assert_true(s->st.in_episode);
        assert_int_equal(s->st.episode_start_ms, T0 + 10500);
        sim_free(s);
}

/* A pressure blip shorter than relief_ms keeps the episode: the ladder goes
 * on from where it was, not from the first rung. */
static void test_blip_keeps_episode(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        pressure(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_RECLAIM, "batch", 100 * MiB);
        apply(s);
        calm(s);
        expect_n(run(s, T0 + 4000, MQ_TRIGGER_TIMER), 0);
        pressure(s);
        const struct mq_actions *a = run(s, T0 + 5000, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_SET_HIGH, "batch", (1948 + 256) * MiB);
        sim_free(s);
}

static void throttle_then_relieve(struct sim *s, uint64_t want_high) {
        pressure(s);
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_SET_HIGH, "batch", want_high);
        apply(s);
        calm(s);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000)
                expect_n(run(s, t, MQ_TRIGGER_TIMER), 0);
}

/* Relax from "max": four equal steps of a quarter of the way to MemTotal,
 * one per step interval, then "max" again; nothing after that. */
static void test_relax_to_max(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        throttle_then_relieve(s, 2304 * MiB);
        const uint64_t want[] = {5824 * MiB, 9344 * MiB, 12864 * MiB, MQ_UNLIMITED};
        for (size_t k = 0; k < ELEMENTSOF(want); k++) {
                const struct mq_actions *a = run(s, T0 + 10000 + 1000 * k, MQ_TRIGGER_TIMER);
                expect_n(a, 1);
                expect_act(a, 0, MQ_ACT_RELAX_HIGH, "batch", want[k]);
                if (k == 0)
                        assert_string_equal(a->v[0].reason,
                                            "raise memory.high of batch/besteffort pod "
                                            "default/batch from 2304 MiB to 5824 MiB (original "
                                            "max): no pressure for 10.0 s, MemAvailable 8192 MiB "
                                            "(50.0%), protected cache 0 MiB, headroom 8192 MiB "
                                            "(50.0%), node PSI some "
                                            "avg10 0.0%, stall +0 ms in "
                                            "1000 ms.");
                apply(s);
                /* Paced: nothing half a step later. */
                expect_n(run(s, T0 + 10500 + 1000 * k, MQ_TRIGGER_EVENTS), 0);
        }
        assert_int_equal(s->pods[0].high, MQ_UNLIMITED);
        expect_n(run(s, T0 + 20000, MQ_TRIGGER_TIMER), 0);
        assert_int_equal(mq_next_deadline_ms(&s->cfg, &s->st), 0);
        sim_free(s);
}

/* Relax to a finite original memory.high ends exactly on it. */
static void test_relax_to_original(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0)->high = 3 * GiB;
        throttle_then_relieve(s, 2304 * MiB);
        const uint64_t want[] = {2496 * MiB, 2688 * MiB, 2880 * MiB, 3 * GiB};
        for (size_t k = 0; k < ELEMENTSOF(want); k++) {
                const struct mq_actions *a = run(s, T0 + 10000 + 1000 * k, MQ_TRIGGER_TIMER);
                expect_n(a, 1);
                expect_act(a, 0, MQ_ACT_RELAX_HIGH, "batch", want[k]);
                apply(s);
        }
        expect_n(run(s, T0 + 14000, MQ_TRIGGER_TIMER), 0);
        sim_free(s);
}

/* Pressure returning mid-relax throttles again from the relaxed value and
 * still relaxes back to the very first original. The same sequence comes out
 * whether or not the actions are applied (dry run): the agent's own writes
 * are remembered in its state, not read back from memory.high. */
static void run_relax_interrupted(bool dry) {
        struct sim *s = sim_new();
        s->cfg.dry_run = dry;
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        pressure(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_SET_HIGH, "batch", 2304 * MiB);
        if (!dry)
                apply(s);
        calm(s);
        expect_act(run(s, T0 + 10000, MQ_TRIGGER_TIMER), 0, MQ_ACT_RELAX_HIGH, "batch", 5824 * MiB);
        if (!dry)
                apply(s);
        pressure(s);
        expect_act(run(s, T0 + 10200, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_SET_HIGH, "batch",
                   (2048 + 944) * MiB);
        if (!dry)
                apply(s);
        calm(s);
        const struct mq_actions *a = NULL;
        uint64_t t = T0 + 10200 + 10000;
        for (int k = 0; k < 4; k++, t += 1000) {
                a = run(s, t, MQ_TRIGGER_TIMER);
                expect_n(a, 1);
                assert_int_equal(a->v[0].kind, MQ_ACT_RELAX_HIGH);
                if (!dry)
                        apply(s);
        }
        assert_int_equal(a->v[0].value, MQ_UNLIMITED);
        expect_n(run(s, t, MQ_TRIGGER_TIMER), 0);
        sim_free(s);
}

static void test_relax_interrupted(void **state) {
        (void)state;
        run_relax_interrupted(false);
        run_relax_interrupted(true);
}

/* Livelock harness: a Burstable pod whose container sits at its own
 * memory.high; every second its high events rise by 50. */
static struct sim *stuck_sim(void) {
        struct sim *s = sim_new();
        struct mq_pod *p = add_pod(s, "stuck", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 300 * MiB, 0);
        s->ct[0] =
                (struct mq_container){.current = 100 * MiB, .high = 100 * MiB, .max = MQ_UNLIMITED};
        snprintf(s->ct[0].id, sizeof(s->ct[0].id), "0123456789abcdef0123");
        snprintf(s->ct[0].cgroup, sizeof(s->ct[0].cgroup), "kubepods.slice/podstuck/c1");
        p->containers = s->ct;
        p->n_containers = 1;
        p->psi.full_avg10 = 90;
        return s;
}

static const struct mq_actions *tick(struct sim *s, uint64_t now, uint64_t events) {
        s->pods[0].events.high += events;
        return run(s, now, MQ_TRIGGER_EVENTS);
}

static void test_livelock_unstick(void **state) {
        (void)state;
        struct sim *s = stuck_sim();
        expect_n(tick(s, T0, 0), 0); /* baseline */
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        assert_int_equal(s->st.pods[0].stuck_since_ms, T0);
        assert_int_equal(mq_next_deadline_ms(&s->cfg, &s->st), T0 + 10000);
        const struct mq_actions *a = tick(s, T0 + 10000, 50);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_UNSTICK, "stuck", 132 * MiB);
        assert_string_equal(a->v[0].cgroup, "kubepods.slice/podstuck/c1");
        assert_string_equal(a->v[0].reason,
                            "raise memory.high of container 0123456789ab in normal/burstable pod "
                            "default/stuck from 100 MiB to 132 MiB: stuck at memory.high for 10.0 "
                            "s (high events +50 in 1.0 s, own PSI full avg10 90.0%).");
        /* Still stuck (not applied): another full period before acting again. */
        for (uint64_t t = T0 + 11000; t < T0 + 20000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        expect_act(tick(s, T0 + 20000, 50), 0, MQ_ACT_UNSTICK, "stuck", 132 * MiB);
        sim_free(s);
}

/* Frequent wakeups (every 250 ms, e.g. for other pods) still sample once a
 * second, so gaps too short to show a rise do not reset the clock. */
static void test_livelock_frequent_wakeups(void **state) {
        (void)state;
        struct sim *s = stuck_sim();
        expect_n(tick(s, T0, 0), 0);
        for (uint64_t t = T0 + 250; t < T0 + 10000; t += 250)
                expect_n(tick(s, t, (t - T0) % 1000 == 0 ? 50 : 0), 0);
        expect_act(tick(s, T0 + 10000, 50), 0, MQ_ACT_UNSTICK, "stuck", 132 * MiB);
        sim_free(s);
}

/* Not stuck once events stop rising for longer than MQ_HELD_WINDOW_MS (a
 * shorter pause is the kernel's penalty sleep): the clock restarts. */
static void test_livelock_events_stop(void **state) {
        (void)state;
        struct sim *s = stuck_sim();
        expect_n(tick(s, T0, 0), 0);
        for (uint64_t t = T0 + 1000; t <= T0 + 4000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        for (uint64_t t = T0 + 5000; t <= T0 + 8000; t += 1000) {
                expect_n(tick(s, t, 0), 0);
                assert_int_equal(s->st.pods[0].stuck_since_ms, T0);
        }
        expect_n(tick(s, T0 + 9000, 0), 0);
        assert_int_equal(s->st.pods[0].stuck_since_ms, 0);
        for (uint64_t t = T0 + 10000; t < T0 + 19000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        expect_act(tick(s, T0 + 19000, 50), 0, MQ_ACT_UNSTICK, "stuck", 132 * MiB);
        sim_free(s);
}

/* Not stuck when its own full PSI is low: reclaiming and progressing. */
static void test_livelock_psi_low(void **state) {
        (void)state;
        struct sim *s = stuck_sim();
        s->pods[0].psi.full_avg10 = 39.9;
        for (uint64_t t = T0; t <= T0 + 30000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        /* From the last calm sample on, PSI at the threshold counts. */
        s->pods[0].psi.full_avg10 = 40;
        for (uint64_t t = T0 + 31000; t < T0 + 40000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        expect_act(tick(s, T0 + 40000, 50), 0, MQ_ACT_UNSTICK, "stuck", 132 * MiB);
        sim_free(s);
}

static void test_livelock_kill_variant(void **state) {
        (void)state;
        struct sim *s = stuck_sim();
        s->cfg.livelock_kill = true;
        expect_n(tick(s, T0, 0), 0);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        const struct mq_actions *a = tick(s, T0 + 10000, 50);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "stuck", 1);
        assert_string_equal(a->v[0].reason,
                            "kill normal/burstable pod default/stuck (usage 300 MiB, anon 300 "
                            "MiB): stuck at memory.high for 10.0 s (high events +50 in 1.0 s, own "
                            "PSI full avg10 90.0%), livelock.kill is set.");
        sim_free(s);

        /* Protected from kills: raising memory.high is still allowed. */
        s = stuck_sim();
        s->cfg.livelock_kill = true;
        s->pods[0].priority = MQ_PRIO_CRITICAL;
        expect_n(tick(s, T0, 0), 0);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        expect_act(tick(s, T0 + 10000, 50), 0, MQ_ACT_UNSTICK, "stuck", 132 * MiB);
        sim_free(s);
}

/* The ladder's own throttle is left alone during the episode (the pause is
 * deliberate); once the episode is over and the pod is still stuck while
 * relaxing, it gets its original memory.high back at once. */
static void test_livelock_vs_ladder(void **state) {
        (void)state;
        struct sim *s = sim_new();
        s->cfg.relax_step_pct = 1;
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0)->psi.full_avg10 = 90;
        pressure(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_SET_HIGH, "batch", 2304 * MiB);
        apply(s);
        calm(s);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        const uint64_t step = 14080 * MiB / 100;
        const struct mq_actions *a = tick(s, T0 + 10000, 50);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RELAX_HIGH, "batch", 2304 * MiB + step);
        assert_int_equal(mq_next_deadline_ms(&s->cfg, &s->st), T0 + 11000);
        for (uint64_t k = 1; k < 10; k++) {
                a = tick(s, T0 + 10000 + 1000 * k, 50);
                expect_n(a, 1);
                expect_act(a, 0, MQ_ACT_RELAX_HIGH, "batch", 2304 * MiB + (k + 1) * step);
        }
        a = tick(s, T0 + 20000, 50);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_UNSTICK, "batch", MQ_UNLIMITED);
        assert_string_equal(a->v[0].cgroup, "kubepods.slice/podbatch");
        expect_n(tick(s, T0 + 21000, 50), 0);
        sim_free(s);
}

/* A container stuck at its own memory.high stalls, and the kernel counts
 * that as memory stall up to /proc/pressure/memory. With MemAvailable
 * plentiful, that is not node pressure: other pods are left alone and only
 * the livelock guard acts. Below the reclaim watermark the ladder runs. */
static void run_stuck_with_psi(bool low_memory, bool guard) {
        struct sim *s = stuck_sim();
        s->cfg.livelock_ms = guard ? 10000 : 0;
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        expect_n(tick(s, T0, 0), 0); /* baseline: nothing known about the pod yet */
        s->snap.node_psi.some_avg10 = 95;
        if (low_memory)
                pressure(s);
        /* Within the first sample interval already: the rise is visible. */
        s->snap.node_psi.some_total_us += 500000;
        const struct mq_actions *a = NULL;
        s->pods[0].events.high += 25;
        a = run(s, T0 + 500, MQ_TRIGGER_PSI_NODE);
        if (low_memory) {
                expect_n(a, 1);
                expect_act(a, 0, MQ_ACT_RECLAIM, "batch", 100 * MiB);
                assert_null(strstr(a->v[0].reason, "set aside"));
                sim_free(s);
                return;
        }
        expect_n(a, 0);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000) {
                s->snap.node_psi.some_total_us += 950000;
                s->pods[0].events.high += 50;
                a = run(s, t, (t / 1000) % 2 ? MQ_TRIGGER_PSI_KUBEPODS : MQ_TRIGGER_PSI_NODE);
                expect_n(a, 0);
                /* Half a second on, no new event yet: still held (the last
                 * sample interval showed the rise). */
                s->snap.node_psi.some_total_us += 450000;
                expect_n(run(s, t + 500, MQ_TRIGGER_PSI_NODE), 0);
                assert_false(s->st.in_episode);
        }
        s->snap.node_psi.some_total_us += 950000;
        a = tick(s, T0 + 10000, 50);
        if (!guard) {
                expect_n(a, 0);
                sim_free(s);
                return;
        }
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_UNSTICK, "stuck", 132 * MiB);
        sim_free(s);
}

static void test_stuck_pod_is_not_node_pressure(void **state) {
        (void)state;
        run_stuck_with_psi(false, true);
        run_stuck_with_psi(false, false);
        run_stuck_with_psi(true, true);
}

/* Seen on the real kernel: a task held at memory.high sleeps up to 2 s per
 * reclaim attempt (MEMCG_MAX_HIGH_DELAY_JIFFIES), so its "high" counter can
 * stand still for a whole sample interval. That is still a stuck pod: its
 * stall is not node pressure (no ladder step on it or anyone else), and the
 * guard's stuck time keeps running. */
static void test_stuck_pod_with_bursty_events(void **state) {
        (void)state;
        struct sim *s = stuck_sim();
        s->cfg.livelock_ms = 3000;
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        s->snap.node_psi.some_avg10 = 0;
        expect_n(run(s, T0, MQ_TRIGGER_TIMER), 0); /* baseline */
        s->snap.node_psi.some_avg10 = 70;
        uint64_t unstuck = 0;
        for (uint64_t t = T0 + 500; t <= T0 + 3500; t += 500) {
                if ((t - T0) % 2000 == 500)
                        s->pods[0].events.high += 17;
                s->snap.node_psi.some_total_us += 450000;
                const struct mq_actions *a = run(s, t, MQ_TRIGGER_PSI_NODE);
                for (size_t i = 0; i < a->n; i++) {
                        if (a->v[i].kind != MQ_ACT_UNSTICK)
                                dump(a);
                        assert_int_equal(a->v[i].kind, MQ_ACT_UNSTICK);
                        assert_string_equal(a->v[i].pod_uid, "stuck");
                        if (!unstuck)
                                unstuck = t;
                }
                assert_false(s->st.in_episode);
        }
        /* Rises at T0 + 500, 2500, 4500; the T0 + 2000 sample sees none, yet
         * the pod stays stuck since the baseline: the guard acts at the
         * T0 + 3000 sample. */
        assert_int_equal(unstuck, T0 + 3000);
        /* Answered: the next action needs a new rise. The pod was left as it
         * was (not applied), its counter stands still and its avg10 stays
         * high, yet no second action follows while nothing rises. */
        for (uint64_t t = T0 + 4000; t <= T0 + 8000; t += 1000)
                expect_n(tick(s, t, 0), 0);
        sim_free(s);
}

/* Without container detail, the pod's own memory.high is raised; a margin
 * of a quarter of usage, capped at memory.max. */
static void test_livelock_pod_level(void **state) {
        (void)state;
        struct sim *s = stuck_sim();
        s->pods[0].n_containers = 0;
        s->pods[0].high = 300 * MiB;
        expect_n(tick(s, T0, 0), 0);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000)
                expect_n(tick(s, t, 50), 0);
        const struct mq_actions *a = tick(s, T0 + 10000, 50);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_UNSTICK, "stuck", 375 * MiB);
        assert_string_equal(a->v[0].cgroup, "kubepods.slice/podstuck");
        sim_free(s);

        s = stuck_sim();
        s->pods[0].n_containers = 0;
        s->pods[0].high = 300 * MiB;
        s->pods[0].max = 320 * MiB;
        expect_n(tick(s, T0, 0), 0);
        for (uint64_t t = T0 + 1000; t < T0 + 10000; t += 1000)
                tick(s, t, 50);
        expect_act(tick(s, T0 + 10000, 50), 0, MQ_ACT_UNSTICK, "stuck", 320 * MiB);
        sim_free(s);
}

/* One kill per cooldown, and the next kill only once the previous victim
 * has released its memory: no storms while a big pod is still exiting. */
static void test_one_kill_per_cooldown(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "a", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 3 * GiB, 0);
        add_pod(s, "b", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        critical(s);
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "a", 1);
        /* "a" is slow to exit: not applied yet. Gentler steps go on. */
        a = run(s, T0 + 1000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_SET_HIGH, "b", (2048 + 128) * MiB);
        unsigned kills = 0;
        for (uint64_t t = T0 + 2000; t <= T0 + 6000; t += 500) {
                a = run(s, t, MQ_TRIGGER_WATERMARK);
                for (size_t i = 0; i < a->n; i++) {
                        assert_int_equal(a->v[i].kind, MQ_ACT_NOTE);
                        kills += a->v[i].kind == MQ_ACT_KILL;
                }
        }
        assert_int_equal(kills, 0);
        a = run(s, T0 + 7000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_NOTE, "", 0);
        assert_string_equal(a->v[0].reason,
                            "under pressure, next step is a kill but pod a killed 7.0 s ago still "
                            "holds 3072 MiB anon: MemAvailable 512 MiB (3.1%), protected cache 0 "
                            "MiB, headroom 512 MiB (3.1%), node PSI some avg10 "
                            "0.0%, stall +0 ms in 1000 ms.");
        /* "a" has released most of its memory: the next kill may go. */
        s->pods[0].anon = 1 * GiB;
        s->pods[0].current = 1 * GiB;
        a = run(s, T0 + 7100, MQ_TRIGGER_EVENTS);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "b", 1);
        assert_non_null(
                strstr(a->v[0].reason, "headroom below the 4.0% kill watermark, MemAvailable 512"));
        sim_free(s);
}

/* A victim that never exits (stuck in D state) holds the next kill back for
 * at most four cooldowns. */
static void test_kill_confirm_bounded(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "a", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 3 * GiB, 0);
        add_pod(s, "b", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        critical(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_KILL, "a", 1);
        for (uint64_t t = T0 + 1000; t < T0 + 20000; t += 1000) {
                const struct mq_actions *a = run(s, t, MQ_TRIGGER_TIMER);
                for (size_t i = 0; i < a->n; i++)
                        assert_int_not_equal(a->v[i].kind, MQ_ACT_KILL);
        }
        expect_act(run(s, T0 + 20000, MQ_TRIGGER_TIMER), 0, MQ_ACT_KILL, "b", 1);
        sim_free(s);
}

/* A protected pod's page cache is not headroom: with 20 % of the node
 * "available", most of it the cache that memory.min keeps, the kernel is
 * close to its OOM killer, and the lowest pod is killed at once. The same
 * figures with kubepods unprotected (so memory.min protects nothing) are no
 * pressure at all. */
static struct sim *protected_node(uint64_t kubepods_min) {
        struct sim *s = sim_new();
        struct mq_pod *db = add_pod(s, "db", MQ_PRIO_HIGH, MQ_QOS_GUARANTEED, 4 * GiB, 3 * GiB);
        db->min = 4 * GiB;
        add_pod(s, "hog", MQ_PRIO_NORMAL, MQ_QOS_BESTEFFORT, 6 * GiB, 0);
        s->snap.ancestors[MQ_ANC_KUBEPODS] = (struct mq_ancestor_prot){true, kubepods_min, 0};
        s->snap.mem_available = 3 * GiB + GiB / 4; /* 20.3 % */
        return s;
}

static void test_protected_cache_is_not_headroom(void **state) {
        (void)state;
        struct sim *s = protected_node(4 * GiB);
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "hog", 1);
        assert_string_equal(a->v[0].reason,
                            "kill normal/besteffort pod default/hog (usage 6144 MiB, anon 6144 "
                            "MiB): headroom below the 4.0% kill watermark, MemAvailable 3328 MiB "
                            "(20.3%), protected cache 3072 MiB, headroom 256 MiB (1.6%), node "
                            "PSI some avg10 0.0%.");
        sim_free(s);

        s = protected_node(0);
        expect_n(run(s, T0, MQ_TRIGGER_TIMER), 0);
        sim_free(s);
}

/* Below the reclaim line and shrinking fast enough to reach the kill line
 * before a kill could free memory: kill now, not after the ladder. The same
 * node standing still takes the ladder's first step. */
static void test_fill_rate_kills_in_time(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 1 * GiB);
        s->snap.mem_available = 3 * GiB / 2; /* 9.4 %: below 10 %, above 4 % */
        s->snap.fill_rate = 2 * GiB;         /* 0.86 GiB to the kill line: 430 ms */
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "batch", 1);
        assert_non_null(strstr(a->v[0].reason, "headroom would reach the 4.0% kill watermark in "
                                               "430 ms, sooner than a kill frees memory"));
        assert_non_null(strstr(a->v[0].reason, "shrinking 2048 MiB/s"));
        sim_free(s);

        s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 1 * GiB);
        s->snap.mem_available = 3 * GiB / 2;
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_RECLAIM, "batch", GiB / 4);
        sim_free(s);
}

/* Below the kill watermark the ladder is skipped, even with page cache to
 * reclaim; with kills disabled the ladder runs as usual. */
static void test_watermark_kill_straight(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "normal", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 4 * GiB, 0);
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 1 * GiB);
        critical(s);
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "batch", 1);
        assert_string_equal(a->v[0].reason,
                            "kill batch/besteffort pod default/batch (usage 2048 MiB, anon 1024 "
                            "MiB): headroom below the 4.0% kill watermark, MemAvailable 512 MiB "
                            "(3.1%), protected cache 0 MiB, headroom 512 MiB (3.1%), node "
                            "PSI some avg10 0.0%.");
        sim_free(s);

        /* Kills disabled: growth is capped at once instead. */
        s = sim_new();
        s->cfg.kill_enabled = false;
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 1 * GiB);
        critical(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_SET_HIGH, "batch", 2176 * MiB);
        sim_free(s);
}

/* A snapshot ranked on old usage never leads to a kill: -ESTALE, nothing
 * committed; gentler steps on such a snapshot go ahead. */
static void test_no_kill_on_stale_usage(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 1 * GiB);
        critical(s);
        s->snap.usage_stale = true;
        s->snap.now_ms = T0;
        s->snap.trigger = MQ_TRIGGER_WATERMARK;
        s->snap.pods = s->pods;
        s->snap.n_pods = s->n;
        struct mq_agent_state before = s->st;
        assert_int_equal(mq_decide(&s->cfg, &s->snap, &s->st, &s->out), -ESTALE);
        assert_int_equal(s->out.n, 0);
        assert_int_equal(s->st.n_pods, before.n_pods);
        assert_int_equal(s->st.last_kill_ms, 0);
        assert_false(s->st.in_episode);
        s->snap.usage_stale = false;
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_KILL, "batch", 1);
        sim_free(s);

        /* Above the kill watermark the first rung is a reclaim: allowed. */
        s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 1 * GiB);
        pressure(s);
        s->snap.usage_stale = true;
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_act(a, 0, MQ_ACT_RECLAIM, "batch", 256 * MiB);
        sim_free(s);
}

/* Below the kill watermark while the next kill must wait: every eligible
 * pod holding anonymous memory is capped in the same step; a pod of mostly
 * page cache and a protected pod are not. */
static void test_emergency_caps_all(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "a", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 3 * GiB, 0);
        add_pod(s, "b", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        add_pod(s, "n", MQ_PRIO_NORMAL, MQ_QOS_BURSTABLE, 1 * GiB, 100 * MiB);
        add_pod(s, "cache", MQ_PRIO_LOW, MQ_QOS_BURSTABLE, 1 * GiB, 1 * GiB - 4 * MiB);
        add_pod(s, "crit", MQ_PRIO_CRITICAL, MQ_QOS_BURSTABLE, 4 * GiB, 0);
        critical(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_KILL, "a", 1);
        /* Half a step later: nothing (confirmation). */
        expect_n(run(s, T0 + 500, MQ_TRIGGER_WATERMARK), 0);
        const struct mq_actions *a = run(s, T0 + 1000, MQ_TRIGGER_TIMER);
        expect_n(a, 2);
        expect_act(a, 0, MQ_ACT_SET_HIGH, "b", (2048 + 128) * MiB);
        expect_act(a, 1, MQ_ACT_SET_HIGH, "n", (1024 + 128) * MiB);
        /* Next step: the normal ladder again (reclaim the cache pod). */
        a = run(s, T0 + 2000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RECLAIM, "cache", 255 * MiB);
        sim_free(s);
}

/* Kills disabled: a throttled pod is exhausted, the next pod is taken; when
 * all are exhausted a note says so. */
static void test_kill_disabled_moves_on(void **state) {
        (void)state;
        struct sim *s = sim_new();
        s->cfg.kill_enabled = false;
        add_pod(s, "low", MQ_PRIO_LOW, MQ_QOS_BURSTABLE, 2 * GiB, 0);
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        pressure(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_SET_HIGH, "batch", 2304 * MiB);
        expect_act(run(s, T0 + 1000, MQ_TRIGGER_TIMER), 0, MQ_ACT_SET_HIGH, "low", 2304 * MiB);
        const struct mq_actions *a = run(s, T0 + 2000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_NOTE, "", 0);
        assert_string_equal(a->v[0].reason,
                            "under pressure but nothing left to act on (0 protected, the rest "
                            "already acted on or too small): MemAvailable 1024 MiB (6.2%), "
                            "protected cache 0 MiB, headroom 1024 MiB (6.2%), node "
                            "PSI some avg10 0.0%, stall +0 ms in 1000 ms.");
        sim_free(s);
}

/* Throttle bounds: never below memory.min/low; no room above protection
 * means no throttle (straight to the kill rung); shmem is not reclaimable;
 * pods under the floor are left alone. */
static void test_throttle_floor_and_skips(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0)->low = 2560 * MiB;
        pressure(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_SET_HIGH, "batch", 2560 * MiB);
        sim_free(s);

        s = sim_new();
        struct mq_pod *p =
                add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 500 * MiB);
        p->shmem = 500 * MiB; /* tmpfs: in "file", not reclaimable without swap */
        p->min = 3 * GiB;     /* protection above usage + MemAvailable: no room */
        add_pod(s, "tiny", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 8 * MiB, 4 * MiB);
        pressure(s);
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_KILL, "batch", 1);
        remove_pod(s, "batch");
        a = run(s, T0 + 1000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_NOTE, "", 0);
        sim_free(s);
}

/* A pod holding almost only page cache is not killed: a kill frees anon,
 * the cache stays charged. Even below the kill watermark it gets reclaim. */
static void test_no_kill_without_anon(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "cache", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 2 * GiB - 8 * MiB);
        critical(s);
        const struct mq_actions *a = run(s, T0, MQ_TRIGGER_WATERMARK);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RECLAIM, "cache", 510 * MiB);
        apply(s);
        a = run(s, T0 + 1000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        assert_int_equal(a->v[0].kind, MQ_ACT_SET_HIGH);
        a = run(s, T0 + 2000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_NOTE, "", 0);
        sim_free(s);
}

/* Pods vanishing mid-episode are dropped from the state; nothing is ever
 * emitted for them again, and a pod coming back under the same UID starts
 * fresh. */
static void test_pods_vanish(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "a", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        add_pod(s, "b", MQ_PRIO_LOW, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        pressure(s);
        expect_act(run(s, T0, MQ_TRIGGER_WATERMARK), 0, MQ_ACT_SET_HIGH, "a", 2304 * MiB);
        assert_int_equal(s->st.n_pods, 2);
        remove_pod(s, "a");
        expect_act(run(s, T0 + 1000, MQ_TRIGGER_TIMER), 0, MQ_ACT_SET_HIGH, "b", 2304 * MiB);
        assert_int_equal(s->st.n_pods, 1);
        assert_string_equal(s->st.pods[0].uid, "b");
        calm(s);
        for (uint64_t t = T0 + 2000; t < T0 + 11000; t += 1000)
                expect_n(run(s, t, MQ_TRIGGER_TIMER), 0);
        /* Relief: only "b" is relaxed. "a" returns: fresh, nothing to undo. */
        add_pod(s, "a", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 0);
        const struct mq_actions *a = run(s, T0 + 11000, MQ_TRIGGER_TIMER);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RELAX_HIGH, "b", (2304 + 3520) * MiB);
        assert_int_equal(s->st.n_pods, 2);
        for (size_t i = 0; i < s->st.n_pods; i++)
                if (streq(s->st.pods[i].uid, "a"))
                        assert_false(s->st.pods[i].throttled);
        sim_free(s);
}

/* The pressure predicate: PSI stall growth against a baseline at least a
 * window old; avg10 only on the first snapshot; triggers count by
 * themselves. */
static void test_pressure_from_psi_growth(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        s->snap.node_psi.some_avg10 = 5;
        expect_n(run(s, T0, MQ_TRIGGER_TIMER), 0); /* baseline, avg10 below 10 % */
        s->snap.node_psi.some_total_us += 2000;
        expect_n(run(s, T0 + 5, MQ_TRIGGER_EVENTS), 0);
        s->snap.node_psi.some_total_us += 98000; /* 100 ms since the baseline, in 600 ms */
        const struct mq_actions *a = run(s, T0 + 600, MQ_TRIGGER_EVENTS);
        expect_n(a, 1);
        expect_act(a, 0, MQ_ACT_RECLAIM, "batch", 100 * MiB);
        assert_non_null(strstr(a->v[0].reason, "stall +100 ms in 600 ms"));
        sim_free(s);

        /* A slower rate over a longer span is not pressure: 250 ms in 3 s. */
        s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        expect_n(run(s, T0, MQ_TRIGGER_TIMER), 0);
        s->snap.node_psi.some_total_us += 250000;
        s->snap.node_psi.some_avg10 = 30; /* lagging average: ignored after the first */
        expect_n(run(s, T0 + 3000, MQ_TRIGGER_TIMER), 0);
        assert_false(s->st.in_episode);
        s->snap.node_psi.some_total_us += 100000;
        expect_n(run(s, T0 + 4000, MQ_TRIGGER_TIMER), 1);
        sim_free(s);
}

static void test_pressure_first_snapshot_avg10(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        s->snap.node_psi.some_avg10 = 10;
        expect_act(run(s, T0, MQ_TRIGGER_ONCE), 0, MQ_ACT_RECLAIM, "batch", 100 * MiB);
        /* Later snapshots: avg10 alone (no growth) is not pressure, so the
         * episode ends after relief_ms even though avg10 stays high. */
        for (uint64_t t = T0 + 1000; t <= T0 + 10000; t += 1000)
                expect_n(run(s, t, MQ_TRIGGER_TIMER), 0);
        assert_false(s->st.in_episode);
        sim_free(s);
}

static void test_pressure_triggers(void **state) {
        (void)state;
        const enum mq_trigger yes[] = {MQ_TRIGGER_PSI_NODE, MQ_TRIGGER_PSI_KUBEPODS,
                                       MQ_TRIGGER_WATERMARK};
        const enum mq_trigger no[] = {MQ_TRIGGER_TIMER, MQ_TRIGGER_EVENTS, MQ_TRIGGER_RECORD,
                                      MQ_TRIGGER_ONCE};
        for (size_t i = 0; i < ELEMENTSOF(yes) + ELEMENTSOF(no); i++) {
                struct sim *s = sim_new();
                add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
                bool want = i < ELEMENTSOF(yes);
                enum mq_trigger t = want ? yes[i] : no[i - ELEMENTSOF(yes)];
                expect_n(run(s, T0, t), want ? 1 : 0);
                assert_int_equal(s->st.in_episode, want);
                sim_free(s);
        }
}

static void test_deadline(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        expect_n(run(s, T0, MQ_TRIGGER_TIMER), 0);
        assert_int_equal(mq_next_deadline_ms(&s->cfg, &s->st), 0);
        pressure(s);
        expect_n(run(s, T0 + 1000, MQ_TRIGGER_WATERMARK), 1);
        assert_int_equal(mq_next_deadline_ms(&s->cfg, &s->st), T0 + 2000);
        s->cfg.relief_ms = 500;
        assert_int_equal(mq_next_deadline_ms(&s->cfg, &s->st), T0 + 1500);
        s->cfg.relief_ms = 10000;
        /* Pressure gone, waiting for relief: re-check a step interval after
         * this decision, not at a time already past (the agent would spin). */
        calm(s);
        expect_n(run(s, T0 + 5000, MQ_TRIGGER_TIMER), 0);
        assert_int_equal(mq_next_deadline_ms(&s->cfg, &s->st), T0 + 6000);
        sim_free(s);
}

static void test_names(void **state) {
        (void)state;
        assert_string_equal(mq_trigger_name(MQ_TRIGGER_TIMER), "timer");
        assert_string_equal(mq_trigger_name(MQ_TRIGGER_PSI_NODE), "psi-node");
        assert_string_equal(mq_trigger_name(MQ_TRIGGER_PSI_KUBEPODS), "psi-kubepods");
        assert_string_equal(mq_trigger_name(MQ_TRIGGER_EVENTS), "events");
        assert_string_equal(mq_trigger_name(MQ_TRIGGER_WATERMARK), "watermark");
        assert_string_equal(mq_trigger_name(MQ_TRIGGER_RECORD), "record");
        assert_string_equal(mq_trigger_name(MQ_TRIGGER_ONCE), "once");
        assert_string_equal(mq_trigger_name(_MQ_TRIGGER_MAX), "invalid");
        assert_string_equal(mq_action_name(MQ_ACT_RECLAIM), "reclaim");
        assert_string_equal(mq_action_name(MQ_ACT_SET_HIGH), "set-high");
        assert_string_equal(mq_action_name(MQ_ACT_RELAX_HIGH), "relax-high");
        assert_string_equal(mq_action_name(MQ_ACT_UNSTICK), "unstick");
        assert_string_equal(mq_action_name(MQ_ACT_KILL), "kill");
        assert_string_equal(mq_action_name(MQ_ACT_NOTE), "note");
        assert_string_equal(mq_action_name(_MQ_ACT_MAX), "invalid");
}

/* Actions are appended after what *out already holds. */
static void test_appends(void **state) {
        (void)state;
        struct sim *s = sim_new();
        add_pod(s, "batch", MQ_PRIO_BATCH, MQ_QOS_BESTEFFORT, 2 * GiB, 400 * MiB);
        pressure(s);
        s->snap.now_ms = T0;
        s->snap.trigger = MQ_TRIGGER_WATERMARK;
        s->snap.pods = s->pods;
        s->snap.n_pods = s->n;
        assert_int_equal(mq_decide(&s->cfg, &s->snap, &s->st, &s->out), 0);
        s->snap.now_ms = T0 + 1000;
        assert_int_equal(mq_decide(&s->cfg, &s->snap, &s->st, &s->out), 0);
        expect_n(&s->out, 2);
        expect_act(&s->out, 0, MQ_ACT_RECLAIM, "batch", 100 * MiB);
        expect_act(&s->out, 1, MQ_ACT_SET_HIGH, "batch", (2048 + 256) * MiB);
        sim_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rank_order_and_ties),
                cmocka_unit_test(test_protected_predicate),
                cmocka_unit_test(test_ladder_predicates),
                cmocka_unit_test(test_rank_group_cmp),
                cmocka_unit_test(test_trigger_urgency),
                cmocka_unit_test(test_three_priorities),
                cmocka_unit_test(test_protected_never_chosen),
                cmocka_unit_test(test_relief_stops_ladder),
                cmocka_unit_test(test_blip_keeps_episode),
                cmocka_unit_test(test_relax_to_max),
                cmocka_unit_test(test_relax_to_original),
                cmocka_unit_test(test_relax_interrupted),
                cmocka_unit_test(test_livelock_unstick),
                cmocka_unit_test(test_livelock_frequent_wakeups),
                cmocka_unit_test(test_livelock_events_stop),
                cmocka_unit_test(test_livelock_psi_low),
                cmocka_unit_test(test_livelock_kill_variant),
                cmocka_unit_test(test_livelock_vs_ladder),
                cmocka_unit_test(test_stuck_pod_is_not_node_pressure),
                cmocka_unit_test(test_stuck_pod_with_bursty_events),
                cmocka_unit_test(test_livelock_pod_level),
                cmocka_unit_test(test_one_kill_per_cooldown),
                cmocka_unit_test(test_kill_confirm_bounded),
                cmocka_unit_test(test_watermark_kill_straight),
                cmocka_unit_test(test_protected_cache_is_not_headroom),
                cmocka_unit_test(test_fill_rate_kills_in_time),
                cmocka_unit_test(test_no_kill_on_stale_usage),
                cmocka_unit_test(test_emergency_caps_all),
                cmocka_unit_test(test_kill_disabled_moves_on),
                cmocka_unit_test(test_throttle_floor_and_skips),
                cmocka_unit_test(test_no_kill_without_anon),
                cmocka_unit_test(test_pods_vanish),
                cmocka_unit_test(test_pressure_from_psi_growth),
                cmocka_unit_test(test_pressure_first_snapshot_avg10),
                cmocka_unit_test(test_pressure_triggers),
                cmocka_unit_test(test_deadline),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_appends),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
