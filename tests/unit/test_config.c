/* SPDX-License-Identifier: MIT */
/* The agent's configuration: defaults, every key, every error text, no
 * half-applied file, and JSON output that parses back to the same config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "config.h"
#include "util.h"

static void assert_config_equal(const struct mq_config *a, const struct mq_config *b) {
        assert_int_equal(a->psi_node_some_us, b->psi_node_some_us);
        assert_int_equal(a->psi_node_window_us, b->psi_node_window_us);
        assert_int_equal(a->psi_kubepods_some_us, b->psi_kubepods_some_us);
        assert_int_equal(a->psi_kubepods_window_us, b->psi_kubepods_window_us);
        assert_true(a->watermark_reclaim_pct == b->watermark_reclaim_pct);
        assert_true(a->watermark_kill_pct == b->watermark_kill_pct);
        assert_int_equal(a->step_interval_ms, b->step_interval_ms);
        assert_int_equal(a->reclaim_fraction_pct, b->reclaim_fraction_pct);
        assert_int_equal(a->throttle_step_pct, b->throttle_step_pct);
        assert_int_equal(a->relax_step_pct, b->relax_step_pct);
        assert_int_equal(a->relief_ms, b->relief_ms);
        assert_int_equal(a->kill_cooldown_ms, b->kill_cooldown_ms);
        assert_string_equal(a->metrics_listen, b->metrics_listen);
        assert_int_equal(a->kill_enabled, b->kill_enabled);
        assert_int_equal(a->protected_priority, b->protected_priority);
        assert_int_equal(a->protect_guaranteed, b->protect_guaranteed);
        assert_int_equal(a->livelock_ms, b->livelock_ms);
        assert_true(a->livelock_full_pct == b->livelock_full_pct);
        assert_int_equal(a->livelock_kill, b->livelock_kill);
        assert_int_equal(a->reconcile_ms, b->reconcile_ms);
        assert_int_equal(a->propagate_protection, b->propagate_protection);
        assert_int_equal(a->dry_run, b->dry_run);
}

static void test_defaults(void **state) {
        (void)state;
        struct mq_config c;
        memset(&c, 0xa5, sizeof(c));
        mq_config_defaults(&c);
        assert_int_equal(c.psi_node_some_us, 100000);
        assert_int_equal(c.psi_node_window_us, 1000000);
        assert_int_equal(c.psi_kubepods_some_us, 150000);
        assert_int_equal(c.psi_kubepods_window_us, 1000000);
        assert_true(c.watermark_reclaim_pct == 10.0);
        assert_true(c.watermark_kill_pct == 4.0);
        assert_int_equal(c.step_interval_ms, 1000);
        assert_int_equal(c.reclaim_fraction_pct, 25);
        assert_int_equal(c.throttle_step_pct, 75);
        assert_int_equal(c.relax_step_pct, 25);
        assert_int_equal(c.relief_ms, 10000);
        assert_int_equal(c.kill_cooldown_ms, 5000);
        assert_true(c.kill_enabled);
        assert_int_equal(c.protected_priority, MQ_PRIO_CRITICAL);
        assert_true(c.protect_guaranteed);
        assert_int_equal(c.livelock_ms, 10000);
        assert_true(c.livelock_full_pct == 40.0);
        assert_false(c.livelock_kill);
        assert_int_equal(c.reconcile_ms, 30000);
        assert_true(c.propagate_protection);
        assert_false(c.dry_run);

        struct mq_error err = {{0}};
        assert_int_equal(mq_config_validate(&c, &err), 0);
        /* An empty object changes nothing. */
        struct mq_config d;
        mq_config_defaults(&d);
        assert_int_equal(mq_config_parse_buf(" { } \n", &d, &err), 0);
        assert_config_equal(&c, &d);
}

enum vkind { V_U64, V_DBL, V_BOOL, V_PRIO };

struct key_case {
        const char *json;
        size_t off;
        enum vkind kind;
        uint64_t u;
        double d;
};

#define OFF(f) offsetof(struct mq_config, f)

/* Every key, set to a value other than its default. */
static const struct key_case key_cases[] = {
        {"{\"psi\":{\"node\":{\"some_ms\":200}}}", OFF(psi_node_some_us), V_U64, 200000, 0},
        {"{\"psi\":{\"node\":{\"window_ms\":2000}}}", OFF(psi_node_window_us), V_U64, 2000000, 0},
        {"{\"psi\":{\"kubepods\":{\"some_ms\":50}}}", OFF(psi_kubepods_some_us), V_U64, 50000, 0},
        {"{\"psi\":{\"kubepods\":{\"window_ms\":500}}}", OFF(psi_kubepods_window_us), V_U64, 500000,
         0},
        {"{\"watermarks\":{\"reclaim_pct\":12.5}}", OFF(watermark_reclaim_pct), V_DBL, 0, 12.5},
        {"{\"watermarks\":{\"kill_pct\":3}}", OFF(watermark_kill_pct), V_DBL, 0, 3.0},
        {"{\"ladder\":{\"step_interval_ms\":250}}", OFF(step_interval_ms), V_U64, 250, 0},
        {"{\"ladder\":{\"reclaim_pct\":0}}", OFF(reclaim_fraction_pct), V_U64, 0, 0},
        {"{\"ladder\":{\"throttle_pct\":100}}", OFF(throttle_step_pct), V_U64, 100, 0},
        {"{\"ladder\":{\"relax_pct\":50}}", OFF(relax_step_pct), V_U64, 50, 0},
        {"{\"ladder\":{\"relief_ms\":0}}", OFF(relief_ms), V_U64, 0, 0},
        {"{\"ladder\":{\"kill\":false}}", OFF(kill_enabled), V_BOOL, 0, 0},
        {"{\"ladder\":{\"kill_cooldown_ms\":600000}}", OFF(kill_cooldown_ms), V_U64, 600000, 0},
        {"{\"protect\":{\"priority\":\"high\"}}", OFF(protected_priority), V_PRIO, MQ_PRIO_HIGH, 0},
        {"{\"protect\":{\"priority\":\"none\"}}", OFF(protected_priority), V_PRIO, _MQ_PRIO_MAX, 0},
        {"{\"protect\":{\"guaranteed\":false}}", OFF(protect_guaranteed), V_BOOL, 0, 0},
        {"{\"livelock\":{\"stuck_ms\":0}}", OFF(livelock_ms), V_U64, 0, 0},
        {"{\"livelock\":{\"stuck_ms\":1000}}", OFF(livelock_ms), V_U64, 1000, 0},
        {"{\"livelock\":{\"full_pct\":100}}", OFF(livelock_full_pct), V_DBL, 0, 100.0},
        {"{\"livelock\":{\"kill\":true}}", OFF(livelock_kill), V_BOOL, 1, 0},
        {"{\"reconcile_ms\":86400000}", OFF(reconcile_ms), V_U64, 86400000, 0},
        {"{\"propagate_protection\":false}", OFF(propagate_protection), V_BOOL, 0, 0},
        {"{\"dry_run\":true}", OFF(dry_run), V_BOOL, 1, 0},
};

static void test_every_key(void **state) {
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(key_cases); i++) {
                const struct key_case *k = &key_cases[i];
                struct mq_config got, want;
                struct mq_error err = {{0}};
                mq_config_defaults(&got);
                mq_config_defaults(&want);
                char *f = (char *)&want + k->off;
                switch (k->kind) {
                case V_U64:
                        *(uint64_t *)f = k->u;
                        break;
                case V_DBL:
                        *(double *)f = k->d;
                        break;
                case V_BOOL:
                        *(bool *)f = k->u != 0;
                        break;
                case V_PRIO:
                        *(enum mq_priority *)f = (enum mq_priority)k->u;
                        break;
                }
                int r = mq_config_parse_buf(k->json, &got, &err);
                if (r < 0)
                        fail_msg("%s: %s", k->json, err.msg);
                assert_config_equal(&got, &want);
        }
}

struct err_case {
        const char *json;
        const char *msg;
};

static const struct err_case err_cases[] = {
        {"", "not valid JSON: the text ends before the JSON value does"},
        {"{\"dry_run\": true", "not valid JSON: the text ends before the JSON value does"},
        {"{\"dry_run\": tru }", "not valid JSON at byte 15: boolean expected"},
        {"{} x", "not valid JSON at byte 3: text after the end of the object"},
        {"[1]", "the top level must be a JSON object, got [1]"},
        {"{\"dryrun\": true}",
         "unknown key \"dryrun\"; expected one of: psi, watermarks, ladder, protect, "
         "livelock, reconcile_ms, propagate_protection, dry_run, metrics_listen"},
        {"{\"psi\": {\"nodes\": {}}}",
         "unknown key \"psi.nodes\"; expected one of: node, kubepods"},
        {"{\"psi\": {\"node\": {\"some\": 1}}}",
         "unknown key \"psi.node.some\"; expected one of: some_ms, window_ms"},
        {"{\"ladder\": {\"kill_cooldown\": 1}}",
         "unknown key \"ladder.kill_cooldown\"; expected one of: step_interval_ms, "
         "reclaim_pct, throttle_pct, relax_pct, relief_ms, kill, kill_cooldown_ms"},
        {"{\"psi\": 5}", "\"psi\" must be an object, got 5"},
        {"{\"psi\": {\"node\": []}}", "\"psi.node\" must be an object, got []"},
        {"{\"psi\": {\"node\": {\"window_ms\": 100}}}",
         "\"psi.node.window_ms\" must be an integer from 500 to 10000 (ms), got 100"},
        {"{\"psi\": {\"node\": {\"window_ms\": 20000}}}",
         "\"psi.node.window_ms\" must be an integer from 500 to 10000 (ms), got 20000"},
        {"{\"psi\": {\"kubepods\": {\"window_ms\": 499}}}",
         "\"psi.kubepods.window_ms\" must be an integer from 500 to 10000 (ms), got 499"},
        {"{\"watermarks\": {\"reclaim_pct\": NaN}}",
         "\"watermarks.reclaim_pct\" must be a number from 0 to 100 (percent), got NaN"},
        {"{\"psi\": {\"node\": {\"some_ms\": 0}}}",
         "\"psi.node.some_ms\" must be an integer from 1 to 9999 (ms), got 0"},
        {"{\"psi\": {\"kubepods\": {\"some_ms\": \"150\"}}}",
         "\"psi.kubepods.some_ms\" must be an integer from 1 to 9999 (ms), got \"150\""},
        {"{\"psi\": {\"kubepods\": {\"some_ms\": 1.5}}}",
         "\"psi.kubepods.some_ms\" must be an integer from 1 to 9999 (ms), got 1.5"},
        {"{\"psi\": {\"node\": {\"some_ms\": 1000}}}",
         "\"psi.node.some_ms\" (1000) must be less than \"psi.node.window_ms\" (1000)"},
        {"{\"psi\": {\"kubepods\": {\"some_ms\": 600, \"window_ms\": 500}}}",
         "\"psi.kubepods.some_ms\" (600) must be less than \"psi.kubepods.window_ms\" "
         "(500)"},
        {"{\"watermarks\": {\"reclaim_pct\": 101}}",
         "\"watermarks.reclaim_pct\" must be a number from 0 to 100 (percent), got 101"},
        {"{\"watermarks\": {\"kill_pct\": -1}}",
         "\"watermarks.kill_pct\" must be a number from 0 to 100 (percent), got -1"},
        {"{\"watermarks\": {\"kill_pct\": true}}",
         "\"watermarks.kill_pct\" must be a number from 0 to 100 (percent), got true"},
        {"{\"watermarks\": {\"kill_pct\": 12}}",
         "\"watermarks.kill_pct\" (12) must not be above \"watermarks.reclaim_pct\" (10)"},
        {"{\"watermarks\": {\"reclaim_pct\": 2.5}}",
         "\"watermarks.kill_pct\" (4) must not be above \"watermarks.reclaim_pct\" (2.5)"},
        {"{\"ladder\": {\"step_interval_ms\": 99}}",
         "\"ladder.step_interval_ms\" must be an integer from 100 to 60000 (ms), got 99"},
        {"{\"ladder\": {\"reclaim_pct\": 150}}",
         "\"ladder.reclaim_pct\" must be an integer from 0 to 100 (percent), got 150"},
        {"{\"ladder\": {\"throttle_pct\": -5}}",
         "\"ladder.throttle_pct\" must be an integer from 0 to 100 (percent), got -5"},
        {"{\"ladder\": {\"relax_pct\": 0}}",
         "\"ladder.relax_pct\" must be an integer from 1 to 100 (percent), got 0"},
        {"{\"ladder\": {\"relief_ms\": 600001}}",
         "\"ladder.relief_ms\" must be an integer from 0 to 600000 (ms), got 600001"},
        {"{\"ladder\": {\"kill\": \"yes\"}}", "\"ladder.kill\" must be true or false, got \"yes\""},
        {"{\"metrics_listen\": 9713}",
         "\"metrics_listen\" must be a string \"ADDR:PORT\" (or \"\" for off), got 9713"},
        {"{\"metrics_listen\": \"9713\"}",
         "\"metrics_listen\": listen address \"9713\": expected ADDR:PORT, e.g. 0.0.0.0:9713, "
         "[::]:9713 or :9713"},
        {"{\"metrics_listen\": \"localhost:9713\"}",
         "\"metrics_listen\": listen address \"localhost:9713\": \"localhost\" is not a "
         "numeric IPv4 address (IPv6 goes in brackets: [::1]:9713)"},
        {"{\"metrics_listen\": \"0.0.0.0:70000\"}",
         "\"metrics_listen\": listen address \"0.0.0.0:70000\": expected ADDR:PORT with a port "
         "from 1 to 65535"},
        {"{\"ladder\": {\"kill_cooldown_ms\": 99999999999999999999}}",
         "\"ladder.kill_cooldown_ms\" must be an integer from 0 to 600000 (ms), got "
         "18446744073709551615"},
        {"{\"protect\": {\"priority\": \"urgent\"}}",
         "\"protect.priority\" must be one of \"batch\", \"low\", \"normal\", \"high\", "
         "\"critical\", \"none\", got \"urgent\""},
        {"{\"protect\": {\"priority\": 4}}",
         "\"protect.priority\" must be one of \"batch\", \"low\", \"normal\", \"high\", "
         "\"critical\", \"none\", got 4"},
        {"{\"protect\": {\"guaranteed\": 1}}",
         "\"protect.guaranteed\" must be true or false, got 1"},
        {"{\"livelock\": {\"stuck_ms\": 500}}",
         "\"livelock.stuck_ms\" must be 0 (off) or an integer from 1000 to 600000 (ms), "
         "got 500"},
        {"{\"livelock\": {\"full_pct\": 0}}",
         "\"livelock.full_pct\" must be a number from 1 to 100 (percent), got 0"},
        {"{\"livelock\": {\"kill\": null}}", "\"livelock.kill\" must be true or false, got null"},
        {"{\"reconcile_ms\": 999}",
         "\"reconcile_ms\" must be an integer from 1000 to 86400000 (ms), got 999"},
        {"{\"propagate_protection\": \"true\"}",
         "\"propagate_protection\" must be true or false, got \"true\""},
        {"{\"dry_run\": 0}", "\"dry_run\" must be true or false, got 0"},
};

/* Each error names the key and the expected form, and leaves the config as
 * it was: valid keys before and after the bad one are not applied. */
static void test_errors_exact_and_no_half_apply(void **state) {
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(err_cases); i++) {
                const struct err_case *e = &err_cases[i];
                struct mq_config got, want;
                struct mq_error err = {{0}};
                mq_config_defaults(&got);
                got.dry_run = true; /* a non-default starting point */
                got.reconcile_ms = 12345;
                want = got;
                int r = mq_config_parse_buf(e->json, &got, &err);
                if (r != -EINVAL)
                        fail_msg("%s: expected -EINVAL, got %d", e->json, r);
                assert_string_equal(err.msg, e->msg);
                assert_config_equal(&got, &want);
        }
}

static void test_no_half_apply_mixed(void **state) {
        (void)state;
        struct mq_config got, want;
        struct mq_error err = {{0}};
        mq_config_defaults(&got);
        want = got;
        /* Valid keys on both sides of the bad one; a cross-key error after
         * every single key parsed. */
        assert_int_equal(mq_config_parse_buf("{\"dry_run\": true, \"ladder\": {\"relief_ms\": 5, "
                                             "\"kill\": \"no\"}, \"reconcile_ms\": 5000}",
                                             &got, &err),
                         -EINVAL);
        assert_config_equal(&got, &want);
        assert_int_equal(
                mq_config_parse_buf("{\"dry_run\": true, \"watermarks\": {\"reclaim_pct\": "
                                    "3, \"kill_pct\": 5}}",
                                    &got, &err),
                -EINVAL);
        assert_string_equal(err.msg, "\"watermarks.kill_pct\" (5) must not be above "
                                     "\"watermarks.reclaim_pct\" (3)");
        assert_config_equal(&got, &want);
        /* Fixing both halves together is fine, and the reclaim watermark 0
         * (off) allows any kill watermark. */
        assert_int_equal(mq_config_parse_buf("{\"watermarks\": {\"reclaim_pct\": 0, \"kill_pct\": "
                                             "5}, \"psi\": {\"node\": {\"some_ms\": 900, "
                                             "\"window_ms\": 10000}}}",
                                             &got, &err),
                         0);
        assert_true(got.watermark_reclaim_pct == 0.0);
        assert_true(got.watermark_kill_pct == 5.0);
        assert_int_equal(got.psi_node_some_us, 900000);
        assert_int_equal(got.psi_node_window_us, 10000000);
}

static void test_validate_built_config(void **state) {
        (void)state;
        struct mq_config c;
        struct mq_error err = {{0}};
        mq_config_defaults(&c);
        c.psi_kubepods_window_us = 20000000;
        assert_int_equal(mq_config_validate(&c, &err), -EINVAL);
        assert_string_equal(err.msg, "\"psi.kubepods.window_ms\" must be an integer from "
                                     "500 to 10000 (ms), got 20000");
        mq_config_defaults(&c);
        c.relax_step_pct = 0;
        assert_int_equal(mq_config_validate(&c, &err), -EINVAL);
        assert_string_equal(err.msg, "\"ladder.relax_pct\" must be an integer from 1 to "
                                     "100 (percent), got 0");
        mq_config_defaults(&c);
        c.protected_priority = (enum mq_priority)(_MQ_PRIO_MAX + 1);
        assert_int_equal(mq_config_validate(&c, &err), -EINVAL);
        assert_string_equal(err.msg, "\"protect.priority\" is not a known tier");
        mq_config_defaults(&c);
        c.psi_node_some_us = c.psi_node_window_us;
        assert_int_equal(mq_config_validate(&c, &err), -EINVAL);
        assert_string_equal(err.msg, "\"psi.node.some_ms\" (1000) must be less than "
                                     "\"psi.node.window_ms\" (1000)");
}

static void test_to_json_defaults(void **state) {
        (void)state;
        struct mq_config c;
        mq_config_defaults(&c);
        char *s = NULL;
        assert_int_equal(mq_config_to_json(&c, &s), 0);
        assert_string_equal(
                s, "{\"psi\":{\"node\":{\"some_ms\":100,\"window_ms\":1000},\"kubepods\":{"
                   "\"some_ms\":150,\"window_ms\":1000}},\"watermarks\":{\"reclaim_pct\":10.0,"
                   "\"kill_pct\":4.0},\"ladder\":{\"step_interval_ms\":1000,\"reclaim_pct\":25,"
                   "\"throttle_pct\":75,\"relax_pct\":25,\"relief_ms\":10000,\"kill\":true,"
                   "\"kill_cooldown_ms\":5000},\"protect\":{\"priority\":\"critical\","
                   "\"guaranteed\":true},\"livelock\":{\"stuck_ms\":10000,\"full_pct\":40.0,"
                   "\"kill\":false},\"reconcile_ms\":30000,\"propagate_protection\":true,"
                   "\"dry_run\":false,\"metrics_listen\":\"\"}");
        free(s);
}

/* The serialised config parses back to exactly the same config. */
static void test_to_json_round_trip(void **state) {
        (void)state;
        struct mq_config c, back;
        struct mq_error err = {{0}};
        mq_config_defaults(&c);
        c.psi_node_some_us = 250000;
        c.psi_kubepods_window_us = 2500000;
        c.watermark_reclaim_pct = 7.25;
        c.watermark_kill_pct = 1.5;
        c.kill_enabled = false;
        c.protected_priority = _MQ_PRIO_MAX;
        c.livelock_ms = 0;
        c.livelock_kill = true;
        c.dry_run = true;
        char *s = NULL;
        assert_int_equal(mq_config_to_json(&c, &s), 0);
        mq_config_defaults(&back);
        int r = mq_config_parse_buf(s, &back, &err);
        if (r < 0)
                fail_msg("%s: %s", s, err.msg);
        assert_config_equal(&back, &c);
        assert_non_null(strstr(s, "\"priority\":\"none\""));
        free(s);
}

/* metrics_listen: off by default; each address form kept as written and
 * written back by mq_config_to_json; "" turns it off again. */
static void test_metrics_listen(void **state) {
        (void)state;
        static const char *const good[] = {"0.0.0.0:9713", "127.0.0.1:1", "[::]:9713",
                                           "[::1]:65535",  ":9713",       ""};
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct mq_config c;
                struct mq_error err = {{0}};
                mq_config_defaults(&c);
                assert_string_equal(c.metrics_listen, "");
                char json[128];
                snprintf(json, sizeof(json), "{\"metrics_listen\": \"%s\"}", good[i]);
                if (mq_config_parse_buf(json, &c, &err) < 0)
                        fail_msg("%s: %s", json, err.msg);
                assert_string_equal(c.metrics_listen, good[i]);
                assert_int_equal(mq_config_validate(&c, &err), 0);
                char *text = NULL;
                assert_int_equal(mq_config_to_json(&c, &text), 0);
                struct mq_config back;
                mq_config_defaults(&back);
                assert_int_equal(mq_config_parse_buf(text, &back, &err), 0);
                assert_string_equal(back.metrics_listen, good[i]);
                free(text);
        }
        /* A config built in code is checked too. */
        struct mq_config c;
        struct mq_error err = {{0}};
        mq_config_defaults(&c);
        snprintf(c.metrics_listen, sizeof(c.metrics_listen), "%s", "nope");
        assert_int_equal(mq_config_validate(&c, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "\"metrics_listen\": listen address \"nope\""));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_every_key),
                cmocka_unit_test(test_errors_exact_and_no_half_apply),
                cmocka_unit_test(test_no_half_apply_mixed),
                cmocka_unit_test(test_validate_built_config),
                cmocka_unit_test(test_to_json_defaults),
                cmocka_unit_test(test_to_json_round_trip),
                cmocka_unit_test(test_metrics_listen),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
