/* SPDX-License-Identifier: MIT */
/* The node policy: the built-in rules, every rule on a resolved plan (limit
 * or none, per-namespace overrides, tiers, knobs, refuse vs clamp), and the
 * policy file's errors with their exact texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* The refused cases leave the fields after the error at zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "escape.h"
#include "nodepolicy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define KV(k, v)                                                                                   \
        { (char *)(k), (char *)(v) }
#define MI   1048576ULL
#define PAGE 4096ULL
#define SRC  "/etc/memqos/policy.json"

static void parse_ok(const char *text, struct mq_nodepolicy *p) {
        struct mq_error err = {{0}};
        if (mq_nodepolicy_parse_buf(text, SRC, p, &err) < 0)
                fail_msg("%s: %s", text, err.msg);
}

static void test_builtin(void **state) {
        (void)state;
        struct mq_nodepolicy p;
        assert_int_equal(mq_nodepolicy_defaults(NULL, &p), 0);
        assert_int_equal(p.on_violation, MQ_VIOLATION_REFUSE);
        assert_int_equal(p.max_share_pct, 50);
        assert_string_equal(p.source, "built-in defaults");
        const struct mq_ns_rules *d = mq_nodepolicy_rules(&p, "team-a");
        assert_ptr_equal(d, &p.dflt);
        assert_int_equal(d->max_priority, MQ_PRIO_NORMAL);
        assert_int_equal(d->protection, MQ_PROTECT_LIMIT);
        for (unsigned k = 0; k < _MQ_KNOB_MAX; k++)
                assert_int_equal(d->knobs[k], k != MQ_KNOB_SWAP_MAX);
        const struct mq_ns_rules *ks = mq_nodepolicy_rules(&p, "kube-system");
        assert_int_equal(ks->max_priority, MQ_PRIO_CRITICAL);
        assert_false(ks->knobs[MQ_KNOB_SWAP_MAX]);
        assert_ptr_equal(mq_nodepolicy_rules(&p, NULL), &p.dflt);
        assert_ptr_equal(mq_nodepolicy_rules(&p, ""), &p.dflt);

        /* An empty file is the built-in policy. */
        struct mq_nodepolicy q;
        parse_ok(" {} ", &q);
        assert_int_equal(q.n_ns, 1);
        assert_string_equal(q.ns[0].name, "kube-system");
        assert_int_equal(q.ns[0].rules.max_priority, MQ_PRIO_CRITICAL);
        assert_string_equal(q.source, SRC);
        mq_nodepolicy_done(&q);
        mq_nodepolicy_done(&p);
}

static void test_parse_overrides(void **state) {
        (void)state;
        struct mq_nodepolicy p;
        parse_ok("{\"on_violation\": \"clamp\","
                 " \"namespaces\": {\"db\": {\"protection\": \"2Gi\", \"max_priority\": \"high\"},"
                 "                  \"batch\": {\"knobs\": [\"memory-high\", \"swap-max\"]}},"
                 " \"default\": {\"protection\": \"none\", \"max_priority\": \"low\"},"
                 " \"propagation\": {\"max_share_pct\": 30}}",
                 &p);
        assert_int_equal(p.on_violation, MQ_VIOLATION_CLAMP);
        assert_int_equal(p.max_share_pct, 30);
        assert_int_equal(p.n_ns, 2); /* the file's list replaces kube-system */
        assert_ptr_equal(mq_nodepolicy_rules(&p, "kube-system"), &p.dflt);
        const struct mq_ns_rules *db = mq_nodepolicy_rules(&p, "db");
        assert_int_equal(db->protection, MQ_PROTECT_FIXED);
        assert_int_equal(db->protection_bytes, 2048 * MI);
        assert_int_equal(db->max_priority, MQ_PRIO_HIGH);
        assert_true(db->knobs[MQ_KNOB_PRIORITY]); /* from "default", parsed first */
        const struct mq_ns_rules *b = mq_nodepolicy_rules(&p, "batch");
        assert_int_equal(b->protection, MQ_PROTECT_NONE); /* inherited */
        assert_int_equal(b->max_priority, MQ_PRIO_LOW);   /* inherited */
        assert_true(b->knobs[MQ_KNOB_MEMORY_HIGH] && b->knobs[MQ_KNOB_SWAP_MAX]);
        assert_false(b->knobs[MQ_KNOB_MEMORY_MIN] || b->knobs[MQ_KNOB_PRIORITY]);
        mq_nodepolicy_done(&p);

        /* Without "namespaces", kube-system stays and takes the file's default. */
        parse_ok("{\"default\": {\"protection\": \"none\"}}", &p);
        assert_int_equal(mq_nodepolicy_rules(&p, "kube-system")->protection, MQ_PROTECT_NONE);
        assert_int_equal(mq_nodepolicy_rules(&p, "kube-system")->max_priority, MQ_PRIO_CRITICAL);
        mq_nodepolicy_done(&p);
}

struct err_case {
        const char *json, *msg;
};

static const struct err_case err_cases[] = {
        {"", "not valid JSON: the text ends before the JSON value does"},
        {"{\"default\": {} x", "not valid JSON at byte 15: object value separator ',' expected"},
        {"[]", "the top level must be a JSON object, got []"},
        {"{\"on_violaton\": \"clamp\"}",
         "unknown key \"on_violaton\"; expected one of: on_violation, default, namespaces, "
         "propagation"},
        {"{\"on_violation\": \"warn\"}",
         "\"on_violation\" must be \"refuse\" or \"clamp\", got \"warn\""},
        {"{\"default\": []}", "\"default\" must be an object, got []"},
        {"{\"default\": {\"knob\": []}}",
         "unknown key \"default.knob\"; expected one of: knobs, max_priority, protection"},
        {"{\"default\": {\"knobs\": \"memory-high\"}}",
         "\"default.knobs\" must be an array of knob names (memory-high, memory-low, "
         "memory-min, swap-max, oom-group, priority), got \"memory-high\""},
        {"{\"default\": {\"knobs\": [\"memory-high\", \"swapmax\"]}}",
         "\"default.knobs[1]\" must be one of memory-high, memory-low, memory-min, swap-max, "
         "oom-group, priority, got \"swapmax\""},
        {"{\"default\": {\"max_priority\": \"urgent\"}}",
         "\"default.max_priority\" must be one of \"batch\", \"low\", \"normal\", \"high\", "
         "\"critical\", got \"urgent\""},
        {"{\"default\": {\"protection\": \"max\"}}",
         "\"default.protection\" must be \"limit\", \"none\" or a quantity such as \"512Mi\" "
         "(\"max\" is never allowed), got \"max\""},
        {"{\"namespaces\": {\"db\": {\"protection\": \"90%\"}}}",
         "\"namespaces.db.protection\" must be \"limit\", \"none\" or a quantity such as "
         "\"512Mi\" (\"max\" is never allowed), got \"90%\""},
        {"{\"namespaces\": {\"db\": {\"protection\": 512}}}",
         "\"namespaces.db.protection\" must be \"limit\", \"none\" or a quantity such as "
         "\"512Mi\" (\"max\" is never allowed), got 512"},
        {"{\"namespaces\": []}", "\"namespaces\" must be an object, got []"},
        {"{\"namespaces\": {\"Team_A\": {}}}",
         "\"namespaces\" key \"Team_A\" is not a namespace name (expected a DNS-1123 label: "
         "1-63 lower-case letters, digits and '-')"},
        /* quoted as given (a JSON "\n" is a newline): the printer escapes */
        {"{\"namespaces\": {\"a\\nb\": {}}}",
         "\"namespaces\" key \"a\nb\" is not a namespace name (expected a DNS-1123 label: "
         "1-63 lower-case letters, digits and '-')"},
        {"{\"namespaces\": {\"db\": 1}}", "\"namespaces.db\" must be an object, got 1"},
        {"{\"propagation\": {\"max_share_pct\": 0}}",
         "\"propagation.max_share_pct\" must be an integer from 1 to 100 (percent of "
         "MemTotal), got 0"},
        {"{\"propagation\": {\"max_share_pct\": 50.5}}",
         "\"propagation.max_share_pct\" must be an integer from 1 to 100 (percent of "
         "MemTotal), got 50.5"},
        {"{\"propagation\": {\"share\": 5}}",
         "unknown key \"propagation.share\"; expected one of: max_share_pct"},
};

static void test_parse_errors(void **state) {
        (void)state;
        for (size_t i = 0; i < N(err_cases); i++) {
                struct mq_nodepolicy p;
                struct mq_error err = {{0}};
                memset(&p, 0xa5, sizeof(p));
                int r = mq_nodepolicy_parse_buf(err_cases[i].json, SRC, &p, &err);
                if (r >= 0)
                        fail_msg("%s: accepted", err_cases[i].json);
                if (strcmp(err.msg, err_cases[i].msg) != 0)
                        fail_msg("%s:\n got  %s\n want %s", err_cases[i].json, err.msg,
                                 err_cases[i].msg);
                /* ret_ untouched on error */
                assert_int_equal(((unsigned char *)&p)[0], 0xa5);
        }
}

/* ---- the rules on a plan ---- */

#define POLICY_FILE                                                                                \
        "{\"namespaces\": {"                                                                       \
        "  \"kube-system\": {\"max_priority\": \"critical\"},"                                     \
        "  \"db\": {\"max_priority\": \"high\", \"protection\": \"256Mi\"},"                       \
        "  \"batch\": {\"knobs\": [\"memory-high\", \"swap-max\", \"oom-group\"],"                 \
        "            \"protection\": \"none\"}}}"

struct rule_case {
        const char *name;
        const char *ns; /* NULL: unknown */
        struct mq_kv kv[4];
        uint64_t memory_max;
        bool clamp;
        /* refuse: the error (NULL: allowed). clamp: the warnings' count. */
        const char *error;
        size_t n_clamps;
        const char *min, *low; /* text written after the check; NULL = not set */
        enum mq_priority priority;
        bool swap_set;
};

#define BE     MQ_UNLIMITED /* a container without a limit (BestEffort) */
#define SUFFIX " (node policy " SRC ")"

static const struct rule_case rule_cases[] = {
        /* limit: protection up to the container's own limit */
        {"limit: within", "team-a", {KV("memqos.io/memory-min", "128Mi")}, 512 * MI, false, NULL,
         0, "134217728", NULL, MQ_PRIO_NORMAL, false},
        {"limit: equal to memory.max", "team-a", {KV("memqos.io/memory-low", "100%")}, 512 * MI,
         false, NULL, 0, NULL, "536870912", MQ_PRIO_NORMAL, false},
        /* Under a finite memory.max the plan refuses "max" protection
         * first (test_plan.c); without one, the node policy does. */
        {"limit: max refused",
         "team-a",
         {KV("memqos.io/memory-min", "max")},
         BE,
         false,
         "memqos.io/memory-min=max: \"max\" is never allowed as protection in namespace "
         "\"team-a\"" SUFFIX},
        {"no limit: any protection refused",
         "team-a",
         {KV("memqos.io/memory-low", "1Mi")},
         BE,
         false,
         "memqos.io/memory-low=1Mi: protection for a container without a memory limit "
         "(memory.max is max) is not allowed in namespace \"team-a\"" SUFFIX},
        {"no limit: zero is no claim", "team-a", {KV("memqos.io/memory-min", "0")}, BE, false, NULL,
         0, "0", NULL, MQ_PRIO_NORMAL, false},
        {"the issue's pod: max + critical, refused on the priority first",
         "team-a",
         {KV("memqos.io/memory-min", "max"), KV("memqos.io/priority", "critical")},
         BE,
         false,
         "memqos.io/priority=critical: priority above \"normal\" is not allowed in namespace "
         "\"team-a\"" SUFFIX},
        {"unknown namespace: the default rules",
         NULL,
         {KV("memqos.io/priority", "high")},
         BE,
         false,
         "memqos.io/priority=high: priority above \"normal\" is not allowed for a pod of "
         "unknown namespace" SUFFIX},
        /* tiers */
        {"tier below the cap", "team-a", {KV("memqos.io/priority", "batch")}, BE, false, NULL, 0,
         NULL, NULL, MQ_PRIO_BATCH, false},
        {"tier at the cap", "team-a", {KV("memqos.io/priority", "normal")}, BE, false, NULL, 0,
         NULL, NULL, MQ_PRIO_NORMAL, false},
        {"kube-system: critical", "kube-system", {KV("memqos.io/priority", "critical")}, BE, false,
         NULL, 0, NULL, NULL, MQ_PRIO_CRITICAL, false},
        {"db: high", "db", {KV("memqos.io/priority", "high")}, BE, false, NULL, 0, NULL, NULL,
         MQ_PRIO_HIGH, false},
        {"db: critical refused",
         "db",
         {KV("memqos.io/priority", "critical")},
         BE,
         false,
         "memqos.io/priority=critical: priority above \"high\" is not allowed in namespace "
         "\"db\"" SUFFIX},
        /* per-namespace fixed protection */
        {"db: fixed amount without a limit", "db", {KV("memqos.io/memory-min", "256Mi")}, BE, false,
         NULL, 0, "268435456", NULL, MQ_PRIO_NORMAL, false},
        {"db: above the fixed amount",
         "db",
         {KV("memory-min.memqos.io/app", "300Mi")},
         BE,
         false,
         "memory-min.memqos.io/app=300Mi: protection above 268435456 bytes per container is not "
         "allowed in namespace \"db\"" SUFFIX},
        {"db: max refused even with a fixed amount",
         "db",
         {KV("memqos.io/memory-low", "max")},
         BE,
         false,
         "memqos.io/memory-low=max: \"max\" is never allowed as protection in namespace "
         "\"db\"" SUFFIX},
        /* knobs */
        {"swap-max is not a default knob",
         "team-a",
         {KV("memqos.io/swap-max", "max")},
         BE,
         false,
         "memqos.io/swap-max=max: the knob swap-max is not allowed in namespace \"team-a\" "
         "(allowed: memory-high, memory-low, memory-min, oom-group, priority; node policy " SRC
         ")"},
        {"batch: swap-max allowed", "batch", {KV("memqos.io/swap-max", "1Gi")}, BE, false, NULL, 0,
         NULL, NULL, MQ_PRIO_NORMAL, true},
        {"batch: priority not allowed at all",
         "batch",
         {KV("memqos.io/priority", "low")},
         BE,
         false,
         "memqos.io/priority=low: the knob priority is not allowed in namespace \"batch\" "
         "(allowed: memory-high, swap-max, oom-group; node policy " SRC ")"},
        {"batch: protection none (knob refused first)",
         "batch",
         {KV("memqos.io/memory-min", "1Mi")},
         512 * MI,
         false,
         "memqos.io/memory-min=1Mi: the knob memory-min is not allowed in namespace \"batch\" "
         "(allowed: memory-high, swap-max, oom-group; node policy " SRC ")"},
        /* clamp */
        {"clamp: the issue's pod",
         "team-a",
         {KV("memqos.io/memory-min", "max"), KV("memqos.io/priority", "critical")},
         BE,
         true,
         NULL,
         2,
         NULL,
         NULL,
         MQ_PRIO_NORMAL,
         false},
        /* "max" protection under a finite limit never reaches the rules:
         * the plan refuses it (test_plan.c). Without a limit it is clamped
         * to what the rules allow. */
        {"clamp: max without a limit cut to nothing", "team-a",
         {KV("memqos.io/memory-min", "max"), KV("memqos.io/memory-low", "max")}, BE, true, NULL,
         2, NULL, NULL, MQ_PRIO_NORMAL, false},
        {"clamp: fixed amount", "db",
         {KV("memqos.io/memory-min", "1Gi"), KV("memqos.io/memory-low", "2Gi")}, BE, true, NULL,
         2, "268435456", "268435456", MQ_PRIO_NORMAL, false},
        {"clamp: within the fixed amount untouched", "db",
         {KV("memqos.io/memory-min", "64Mi"), KV("memqos.io/memory-low", "2Gi")}, BE, true, NULL,
         1, "67108864", "268435456", MQ_PRIO_NORMAL, false},
        {"clamp: at the limit, under the fixed amount", "db", {KV("memqos.io/memory-min", "100Mi")},
         100 * MI, true, NULL, 0, "104857600", NULL, MQ_PRIO_NORMAL, false},
        {"clamp: max without a limit cut to the fixed amount", "db",
         {KV("memqos.io/memory-min", "max")}, BE, true, NULL, 1, "268435456", NULL,
         MQ_PRIO_NORMAL, false},
        {"clamp: knob dropped", "team-a",
         {KV("memqos.io/swap-max", "max"), KV("memqos.io/memory-min", "1Mi")}, 512 * MI, true,
         NULL, 1, "1048576", NULL, MQ_PRIO_NORMAL, false},
        {"clamp: nothing to do", "kube-system", {KV("memqos.io/priority", "critical")}, BE, true,
         NULL, 0, NULL, NULL, MQ_PRIO_CRITICAL, false},
};

static void run_rule_case(const struct mq_nodepolicy *pol, const struct rule_case *c) {
        struct mq_spec spec;
        struct mq_plan plan, before;
        struct mq_verdict v;
        struct mq_error err = {{0}};
        size_t n = 0;
        while (n < N(c->kv) && c->kv[n].key)
                n++;
        assert_int_equal(spec_build(c->kv, n, "app", &spec, &err), 0);
        if (plan_resolve(&spec, c->memory_max, PAGE, &plan, &err) < 0)
                fail_msg("%s: plan: %s", c->name, err.msg);
        before = plan;
        int r = mq_nodepolicy_apply(pol, c->ns, c->clamp, &spec, c->memory_max, PAGE, &plan, &v,
                                    &err);
        if (c->error) {
                if (r != -EPERM || strcmp(err.msg, c->error) != 0)
                        fail_msg("%s: r=%d\n got  %s\n want %s", c->name, r, err.msg, c->error);
                assert_memory_equal(&plan, &before, sizeof(plan)); /* untouched */
                return;
        }
        if (r < 0)
                fail_msg("%s: refused: %s", c->name, err.msg);
        if (v.n != c->n_clamps)
                fail_msg("%s: %zu clamps, want %zu", c->name, v.n, c->n_clamps);
        const char *min = plan.set[MQ_KNOB_MEMORY_MIN] ? plan.text[MQ_KNOB_MEMORY_MIN] : NULL;
        const char *low = plan.set[MQ_KNOB_MEMORY_LOW] ? plan.text[MQ_KNOB_MEMORY_LOW] : NULL;
        if ((min == NULL) != (c->min == NULL) || (min && strcmp(min, c->min) != 0))
                fail_msg("%s: min %s, want %s", c->name, min ? min : "(unset)",
                         c->min ? c->min : "(unset)");
        if ((low == NULL) != (c->low == NULL) || (low && strcmp(low, c->low) != 0))
                fail_msg("%s: low %s, want %s", c->name, low ? low : "(unset)",
                         c->low ? c->low : "(unset)");
        assert_int_equal(plan.priority, c->priority);
        assert_int_equal(plan.set[MQ_KNOB_SWAP_MAX], c->swap_set);
}

static void test_rules(void **state) {
        (void)state;
        struct mq_nodepolicy pol;
        parse_ok(POLICY_FILE, &pol);
        for (size_t i = 0; i < N(rule_cases); i++)
                run_rule_case(&pol, &rule_cases[i]);
        mq_nodepolicy_done(&pol);
}

/* What clamp mode reports: the request, the value written, the rule. */
static void test_clamp_verdict(void **state) {
        (void)state;
        struct mq_nodepolicy pol;
        parse_ok("{\"on_violation\": \"clamp\"}", &pol);
        struct mq_kv kv[] = {KV("memqos.io/memory-min", "max"), KV("memqos.io/priority", "critical"),
                             KV("memqos.io/swap-max", "0")};
        struct mq_spec spec;
        struct mq_plan plan;
        struct mq_verdict v;
        struct mq_error err = {{0}};
        assert_int_equal(spec_build(kv, N(kv), NULL, &spec, &err), 0);
        assert_int_equal(plan_resolve(&spec, BE, PAGE, &plan, &err), 0);
        assert_int_equal(mq_nodepolicy_apply(&pol, "team-a", false, &spec, BE, PAGE, &plan, &v, &err),
                         0);
        assert_int_equal(v.n, 3);
        assert_int_equal(v.clamps[0].knob, MQ_KNOB_SWAP_MAX);
        assert_string_equal(v.clamps[0].asked, "0");
        assert_string_equal(v.clamps[0].applied, "");
        assert_int_equal(v.clamps[1].knob, MQ_KNOB_PRIORITY);
        assert_string_equal(v.clamps[1].applied, "normal");
        assert_int_equal(v.clamps[2].knob, MQ_KNOB_MEMORY_MIN);
        assert_string_equal(v.clamps[2].asked, "max");
        assert_string_equal(v.clamps[2].applied, "");
        assert_string_equal(v.clamps[2].why,
                            "memqos.io/memory-min=max: \"max\" is never allowed as protection in "
                            "namespace \"team-a\" (node policy " SRC ")");
        assert_false(plan.set[MQ_KNOB_MEMORY_MIN]);
        assert_false(plan.set[MQ_KNOB_SWAP_MAX]);
        assert_int_equal(plan.priority, MQ_PRIO_NORMAL);
        mq_nodepolicy_done(&pol);
}

/* A namespace is a DNS label: anything else is not trusted as one (the
 * escaping itself is test_escape.c's). */
static void test_namespace_valid(void **state) {
        (void)state;
        assert_true(mq_namespace_valid("team-a"));
        assert_false(mq_namespace_valid("team\na"));
        assert_false(mq_namespace_valid(""));
        assert_false(mq_namespace_valid(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_builtin),      cmocka_unit_test(test_parse_overrides),
                cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_rules),
                cmocka_unit_test(test_clamp_verdict), cmocka_unit_test(test_namespace_valid),
        };
        return cmocka_run_group_tests_name("nodepolicy", tests, NULL, NULL);
}
