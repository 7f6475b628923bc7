/* SPDX-License-Identifier: MIT */
/* The node policy end to end: memqos-hook against fake trees with the
 * built-in policy and with policy files (refuse, clamp, --fail-open, an
 * allowed namespace, a bad file), states crafted to pose as another
 * namespace (containerd-style, CRI-O-style, a key given twice, no runtime
 * keys at all), and memqos-agent not carrying a "max" up to kubepods. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "agent_tree.h"
#include "fstree.h"
#include "jsonpath.h"
#include "runbin.h"

#define POD_UID "7d1c9a52-9c1d-4b7e-8a55-2d4c1b9e6f02"
#define CID     "9a3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
#define PID     "4343"
/* A BestEffort container: no memory limit. */
#define CG "/kubepods/besteffort/pod" POD_UID "/" CID

struct fixture {
        char *root, *cg, *proc, *state, *policy;
        struct fstree_snapshot before;
};

static char *path_in(const char *root, const char *rel) {
        char *p;
        if (asprintf(&p, "%s/%s", root, rel) < 0)
                abort();
        return p;
}

static int setup(void **state) {
        static const char *const files[][2] = {
                {"memory.high", "max\n"},     {"memory.low", "0\n"},
                {"memory.min", "0\n"},        {"memory.oom.group", "0\n"},
                {"memory.swap.max", "max\n"}, {"memory.max", "max\n"},
        };
        struct fixture *f = calloc(1, sizeof(*f));
        f->root = fstree_mkdtemp();
        f->cg = path_in(f->root, "cg");
        f->proc = path_in(f->root, "proc");
        f->state = path_in(f->root, "state");
        f->policy = path_in(f->root, "policy.json"); /* absent unless a test writes it */
        fstree_mkdirs(f->root, "state");
        fstree_mkdirs(f->root, "cg");
        fstree_mkdirs(f->root, "proc");
        fstree_write(f->cg, "cgroup.controllers", "memory\n");
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char rel[512];
                snprintf(rel, sizeof(rel), "%s/%s", CG + 1, files[i][0]);
                fstree_write(f->cg, rel, files[i][1]);
        }
        fstree_write(f->proc, PID "/cgroup", "0::" CG "\n");
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        fstree_snapshot_free(&f->before);
        fstree_remove(f->root);
        free(f->root);
        free(f->cg);
        free(f->proc);
        free(f->state);
        free(f->policy);
        free(f);
        return 0;
}

static char *make_state(const char *annotations) {
        char *s;
        if (asprintf(&s,
                     "{\"ociVersion\":\"1.0.2\",\"id\":\"" CID "\",\"status\":\"creating\","
                     "\"pid\":" PID ",\"bundle\":\"/b\",\"annotations\":{%s}}",
                     annotations) < 0)
                abort();
        return s;
}

static struct run_result run_hook(struct fixture *f, const char *annotations, const char *extra) {
        char *bin = runbin_path("memqos-hook");
        char *st = make_state(annotations);
        char *argv[] = {bin,      "--cgroup-root", f->cg,    "--proc-root", f->proc,
                        "--policy", f->policy,     "--state-dir", f->state, (char *)extra,
                        NULL};
        struct run_result r;
        fstree_snapshot(f->root, &f->before);
        runbin(argv, NULL, st, strlen(st), &r);
        assert_true(WIFEXITED(r.status));
        free(bin);
        free(st);
        return r;
}

static char *changes(struct fixture *f) {
        struct fstree_snapshot after;
        fstree_snapshot(f->root, &after);
        char *d = fstree_diff(&f->before, &after);
        fstree_snapshot_free(&after);
        fstree_snapshot_free(&f->before);
        return d;
}

/* Exit 1, exactly one line "memqos-hook: <id>: <expect>", nothing written. */
static void assert_refused(struct fixture *f, const char *annots, const char *expect_line,
                           const char *extra) {
        struct run_result r = run_hook(f, annots, extra);
        assert_int_equal(WEXITSTATUS(r.status), 1);
        const char *last = r.err;
        for (const char *nl = strchr(r.err, '\n'); nl && nl[1]; nl = strchr(nl + 1, '\n'))
                last = nl + 1; /* warnings may come first; the error is the last line */
        char want[1024];
        snprintf(want, sizeof(want), "memqos-hook: " CID ": %s\n", expect_line);
        if (strcmp(last, want) != 0)
                fail_msg("stderr:\n%s\nwant last line:\n%s", r.err, want);
        char *d = changes(f);
        assert_string_equal(d, "");
        free(d);
        run_result_free(&r);
}

static struct json_object *record(struct fixture *f) {
        char *text = fstree_read(f->state, "containers/" CID ".json");
        assert_non_null(text);
        struct json_object *o = json_tokener_parse(text);
        free(text);
        assert_non_null(o);
        return o;
}

static const char *jget(struct json_object *o, const char *key) {
        struct json_object *v;
        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

#define CONTAINERD(ns)                                                                             \
        "\"io.kubernetes.cri.container-type\":\"container\","                                      \
        "\"io.kubernetes.cri.container-name\":\"app\","                                            \
        "\"io.kubernetes.cri.sandbox-name\":\"web-0\","                                            \
        "\"io.kubernetes.cri.sandbox-namespace\":\"" ns "\","                                      \
        "\"io.kubernetes.cri.sandbox-uid\":\"" POD_UID "\""
#define CRIO(ns)                                                                                   \
        "\"io.kubernetes.cri-o.ContainerType\":\"container\","                                     \
        "\"io.kubernetes.cri-o.ContainerID\":\"" CID "\","                                         \
        "\"io.kubernetes.container.name\":\"app\","                                                \
        "\"io.kubernetes.pod.name\":\"web-0\","                                                    \
        "\"io.kubernetes.pod.namespace\":\"" ns "\","                                              \
        "\"io.kubernetes.pod.uid\":\"" POD_UID "\""
/* The pod: BestEffort asking for hard protection and top priority. */
#define GREEDY "\"memqos.io/memory-min\":\"max\",\"memqos.io/priority\":\"critical\""
#define CRITICAL_REFUSED(where, source)                                                            \
        "memqos.io/priority=critical: priority above \"normal\" is not allowed " where             \
        " (node policy " source ")"

static void test_greedy_refused_by_default(void **state) {
        struct fixture *f = *state;
        char src[600];
        snprintf(src, sizeof(src), "built-in, no %s", f->policy);
        char want[1024];
        snprintf(want, sizeof(want),
                 CRITICAL_REFUSED("in namespace \"team-a\"", "%s"), src);
        assert_refused(f, CONTAINERD("team-a") "," GREEDY, want, NULL);
        /* Without the priority, the protection is refused on its own. */
        snprintf(want, sizeof(want),
                 "memqos.io/memory-min=max: \"max\" is never allowed as protection in namespace "
                 "\"team-a\" (node policy %s)",
                 src);
        assert_refused(f, CONTAINERD("team-a") ",\"memqos.io/memory-min\":\"max\"", want, NULL);
        snprintf(want, sizeof(want),
                 "memqos.io/memory-min=100Gi: protection for a container without a memory limit "
                 "(memory.max is max) is not allowed in namespace \"team-a\" (node policy %s)",
                 src);
        assert_refused(f, CONTAINERD("team-a") ",\"memqos.io/memory-min\":\"100Gi\"", want, NULL);
        snprintf(want, sizeof(want),
                 "memqos.io/swap-max=max: the knob swap-max is not allowed in namespace "
                 "\"team-a\" (allowed: memory-high, memory-low, memory-min, oom-group, priority; "
                 "node policy %s)",
                 src);
        assert_refused(f, CONTAINERD("team-a") ",\"memqos.io/swap-max\":\"max\"", want, NULL);
}

/* clamp: applied bounded, warned, and the record says asked/applied/why. */
static void test_greedy_clamped(void **state) {
        struct fixture *f = *state;
        fstree_write(f->root, "policy.json", "{\"on_violation\": \"clamp\"}");
        struct run_result r =
                run_hook(f, CONTAINERD("team-a") "," GREEDY ",\"memqos.io/oom-group\":\"true\"",
                         NULL);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        assert_non_null(strstr(r.err, "warning: memqos.io/priority=critical: priority above "
                                      "\"normal\" is not allowed in namespace \"team-a\""));
        assert_non_null(strstr(r.err, "; priority normal applied instead\n"));
        assert_non_null(strstr(r.err, "warning: memqos.io/memory-min=max: \"max\" is never "
                                      "allowed as protection in namespace \"team-a\""));
        assert_non_null(strstr(r.err, "; not applied\n"));
        char *d = changes(f);
        /* memory.oom.group as asked; memory.min not written at all */
        assert_string_equal(d, "changed cg" CG "/memory.oom.group: '0\n' -> '1'\n"
                               "added state/containers\nadded state/containers/" CID ".json\n");
        free(d);
        struct json_object *rec = record(f);
        assert_string_equal(jget(rec, "priority"), "normal");
        struct json_object *pol = json_path(rec, "policy");
        assert_non_null(pol);
        char src[600];
        snprintf(src, sizeof(src), "%s", f->policy);
        assert_string_equal(jget(pol, "source"), src);
        struct json_object *cl = json_path(pol, "clamped");
        assert_int_equal(json_object_array_length(cl), 2);
        struct json_object *c0 = json_object_array_get_idx(cl, 0);
        assert_string_equal(jget(c0, "annotation"), "memqos.io/priority");
        assert_string_equal(jget(c0, "asked"), "critical");
        assert_string_equal(jget(c0, "applied"), "normal");
        struct json_object *c1 = json_object_array_get_idx(cl, 1);
        assert_string_equal(jget(c1, "annotation"), "memqos.io/memory-min");
        assert_string_equal(jget(c1, "asked"), "max");
        assert_string_equal(jget(c1, "applied"), "");
        assert_non_null(strstr(jget(c1, "why"), "\"max\" is never allowed as protection"));
        json_object_put(rec);
        run_result_free(&r);
}

/* --fail-open never applies a request beyond the policy in full. */
static void test_fail_open_clamps(void **state) {
        struct fixture *f = *state;
        struct run_result r = run_hook(f, CONTAINERD("team-a") "," GREEDY, "--fail-open");
        assert_int_equal(WEXITSTATUS(r.status), 0);
        assert_non_null(strstr(r.err, "; priority normal applied instead"));
        char *d = changes(f);
        assert_null(strstr(d, "memory.min"));
        free(d);
        struct json_object *rec = record(f);
        assert_string_equal(jget(rec, "priority"), "normal");
        json_object_put(rec);
        run_result_free(&r);
}

/* A namespace the policy names gets what it asks, within its grant. */
static void test_allowed_namespace(void **state) {
        struct fixture *f = *state;
        fstree_write(f->root, "policy.json",
                     "{\"namespaces\": {\"db\": {\"max_priority\": \"critical\","
                     " \"protection\": \"1Gi\"}}}");
        struct run_result r = run_hook(f,
                                       CONTAINERD("db") ",\"memqos.io/memory-min\":\"512Mi\","
                                                        "\"memqos.io/priority\":\"critical\"",
                                       NULL);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        assert_string_equal(r.err, "");
        char *d = changes(f);
        assert_non_null(strstr(d, "changed cg" CG "/memory.min: '0\n' -> '536870912'"));
        free(d);
        struct json_object *rec = record(f);
        assert_string_equal(jget(rec, "priority"), "critical");
        assert_string_equal(json_object_get_string(json_path(rec, "pod.namespace")), "db");
        assert_int_equal(json_object_array_length(json_path(rec, "policy.clamped")), 0);
        json_object_put(rec);
        run_result_free(&r);

        /* The same pod from another namespace is refused; kube-system is not
         * in this file's list, so it is refused there too. */
        char want[1024];
        snprintf(want, sizeof(want), CRITICAL_REFUSED("in namespace \"team-a\"", "%s"), f->policy);
        assert_refused(f, CONTAINERD("team-a") ",\"memqos.io/priority\":\"critical\"", want, NULL);
        snprintf(want, sizeof(want), CRITICAL_REFUSED("in namespace \"kube-system\"", "%s"),
                 f->policy);
        assert_refused(f, CONTAINERD("kube-system") ",\"memqos.io/priority\":\"critical\"", want,
                       NULL);
}

/* The built-in policy lets kube-system ask for critical, on either runtime. */
static void test_kube_system_builtin(void **state) {
        struct fixture *f = *state;
        const char *states[] = {CONTAINERD("kube-system"), CRIO("kube-system")};
        for (size_t i = 0; i < 2; i++) {
                char annots[1024];
                snprintf(annots, sizeof(annots), "%s,\"memqos.io/priority\":\"critical\"",
                         states[i]);
                struct run_result r = run_hook(f, annots, NULL);
                assert_int_equal(WEXITSTATUS(r.status), 0);
                assert_string_equal(r.err, "");
                char *d = changes(f);
                free(d);
                struct json_object *rec = record(f);
                assert_string_equal(jget(rec, "priority"), "critical");
                json_object_put(rec);
                run_result_free(&r);
        }
}

/* ---- the namespace cannot be spoofed ---- */

#define UNKNOWN_NS "for a pod of unknown namespace"

static void expect_spoof_refused(struct fixture *f, const char *annots, const char *doubt) {
        char want[1024];
        snprintf(want, sizeof(want), CRITICAL_REFUSED(UNKNOWN_NS, "built-in, no %s"), f->policy);
        struct run_result r = run_hook(f, annots, NULL);
        assert_int_equal(WEXITSTATUS(r.status), 1);
        char line[2048];
        snprintf(line, sizeof(line),
                 "memqos-hook: " CID ": warning: %s; the node policy's default rules apply to "
                 "this container\nmemqos-hook: " CID ": %s\n",
                 doubt, want);
        if (strcmp(r.err, line) != 0)
                fail_msg("stderr:\n%s\nwant:\n%s", r.err, line);
        char *d = changes(f);
        assert_string_equal(d, "");
        free(d);
        run_result_free(&r);
}

/* containerd whose operator let every pod annotation through
 * (pod_annotations = ["*"]): the pod adds CRI-O's keys claiming
 * kube-system; containerd's own sandbox-namespace (always set, set last)
 * still says team-a. The keys disagree: the default rules. */
static void test_spoof_containerd_style(void **state) {
        expect_spoof_refused(*state,
                             CONTAINERD("team-a") ",\"io.kubernetes.cri-o.ContainerType\":"
                                                  "\"container\",\"io.kubernetes.pod.namespace\":"
                                                  "\"kube-system\"," GREEDY,
                             "the CRI-O and containerd namespace keys disagree");
}

/* CRI-O passes every pod annotation: the pod sets containerd's keys to pose
 * as a containerd kube-system container. CRI-O's own keys are there, so
 * only they count, and the disagreement makes the namespace unknown. */
static void test_spoof_crio_style(void **state) {
        expect_spoof_refused(*state,
                             CRIO("team-a") ",\"io.kubernetes.cri.container-type\":\"container\","
                                            "\"io.kubernetes.cri.sandbox-namespace\":"
                                            "\"kube-system\"," GREEDY,
                             "the CRI-O and containerd namespace keys disagree");
}

/* The same key twice in one state (a runtime writes a map; a crafted state
 * can still carry both): never the friendlier copy. */
static void test_duplicate_namespace_key(void **state) {
        expect_spoof_refused(*state,
                             "\"io.kubernetes.pod.namespace\":\"kube-system\"," CRIO(
                                     "team-a") "," GREEDY,
                             "the state carries one namespace key twice with different values");
}

/* No runtime's own keys (podman, runc by hand): a namespace key alone is
 * just an annotation. */
static void test_no_runtime_keys(void **state) {
        expect_spoof_refused(*state,
                             "\"io.kubernetes.pod.namespace\":\"kube-system\"," GREEDY,
                             "no runtime's own keys vouch for the namespace key");
}

/* A control character in the namespace key: not a namespace, escaped. */
static void test_namespace_not_a_name(void **state) {
        expect_spoof_refused(*state, CONTAINERD("kube-system\\nx") "," GREEDY,
                             "the namespace key does not hold a namespace name");
}

/* On CRI-O the containerd sandbox marker is the pod's: it does not make
 * the hook skip the container. */
static void test_crio_sandbox_marker_ignored(void **state) {
        struct fixture *f = *state;
        char want[1024];
        snprintf(want, sizeof(want), CRITICAL_REFUSED("in namespace \"team-a\"", "built-in, no %s"),
                 f->policy);
        assert_refused(f,
                       CRIO("team-a") ",\"io.kubernetes.cri.container-type\":\"sandbox\"," GREEDY,
                       want, NULL);
}

/* ---- the policy file ---- */

static void test_bad_policy_file(void **state) {
        struct fixture *f = *state;
        fstree_write(f->root, "policy.json", "{\"default\": {\"protection\": \"max\"}}");
        struct run_result r = run_hook(f, CONTAINERD("team-a") "," GREEDY, NULL);
        assert_int_equal(WEXITSTATUS(r.status), 1);
        char want[2048];
        snprintf(want, sizeof(want),
                 "memqos-hook: " CID ": warning: node policy: %s: \"default.protection\" must be "
                 "\"limit\", \"none\" or a quantity such as \"512Mi\" (\"max\" is never allowed), "
                 "got \"max\"; using the built-in policy\n"
                 "memqos-hook: " CID ": " CRITICAL_REFUSED("in namespace \"team-a\"",
                                                            "built-in, %s is invalid") "\n",
                 f->policy, f->policy);
        assert_string_equal(r.err, want);
        char *d = changes(f);
        assert_string_equal(d, "");
        free(d);
        run_result_free(&r);
}

static void test_check_policy(void **state) {
        struct fixture *f = *state;
        char *hook = runbin_path("memqos-hook"), *agent = runbin_path("memqos-agent");
        struct run_result r;
        fstree_write(f->root, "policy.json", "{\"namespaces\": {\"db\": {}}}");
        char *a1[] = {hook, "--check-policy", f->policy, NULL};
        runbin(a1, NULL, "", 0, &r);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        run_result_free(&r);
        char *a2[] = {agent, "check-policy", f->policy, NULL};
        runbin(a2, NULL, "", 0, &r);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        assert_non_null(strstr(r.out, ": ok (1 namespaces listed, on_violation refuse, "
                                      "propagation cap 50% of MemTotal)"));
        run_result_free(&r);

        fstree_write(f->root, "policy.json", "{\"on_violation\": \"deny\"}");
        char want[1024];
        snprintf(want, sizeof(want),
                 "%s: \"on_violation\" must be \"refuse\" or \"clamp\", got \"deny\"\n", f->policy);
        runbin(a1, NULL, "", 0, &r);
        assert_int_equal(WEXITSTATUS(r.status), 1);
        assert_non_null(strstr(r.err, want));
        run_result_free(&r);
        runbin(a2, NULL, "", 0, &r);
        assert_int_equal(WEXITSTATUS(r.status), 1);
        assert_non_null(strstr(r.err, want));
        run_result_free(&r);
        free(hook);
        free(agent);
}

/* ---- the agent: no unbounded value carried up ---- */

#define BE_UID "11111111-2222-3333-4444-555555555555"
#define BU_UID "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define MIB    (1024ULL * 1024)
#define CAP    "2147483648" /* 50 % of the tree's MemTotal, 4 GiB */

static uint64_t read_u64(const struct agent_tree *t, const char *rel) {
        char *v = fstree_read(t->cg, rel);
        assert_non_null(v);
        uint64_t n = strncmp(v, "max", 3) == 0 ? UINT64_MAX : strtoull(v, NULL, 10);
        free(v);
        return n;
}

static void test_agent_caps_propagation(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD); /* 4 GiB, plenty available */
        struct agent_tree_pod be = {BE_UID, "besteffort", 10 * MIB, 5 * MIB, 5 * MIB, 0, 0, 0, NULL};
        struct agent_tree_pod bu = {BU_UID, "burstable", 10 * MIB, 5 * MIB, 5 * MIB, 0, 0, 0, NULL};
        char *pbe = agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &be);
        char *pbu = agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &bu);
        char *cbe = agent_tree_container(&t, AGENT_TREE_SYSTEMD, pbe, CID, "max");
        char *cbu = agent_tree_container(&t, AGENT_TREE_SYSTEMD, pbu,
                                         "1111111111111111111111111111111111111111111111111111111111111111",
                                         "max");
        char rel[700];
        /* what an unbounded hook (or a hand) left: a container asking max */
        snprintf(rel, sizeof(rel), "%s/memory.min", cbe + 1);
        fstree_write(t.cg, rel, "max\n");
        snprintf(rel, sizeof(rel), "%s/memory.min", cbu + 1);
        fstree_write(t.cg, rel, "104857600\n");
        /* and a kubepods already at max from before the cap */
        fstree_write(t.cg, "kubepods.slice/memory.min", "max\n");

        char cg[600], proc[600], st[600], pol[600];
        snprintf(cg, sizeof(cg), "--cgroup-root=%s", t.cg);
        snprintf(proc, sizeof(proc), "--proc-root=%s", t.proc);
        snprintf(st, sizeof(st), "--state-dir=%s", t.state);
        snprintf(pol, sizeof(pol), "--policy=%s/no-policy.json", t.root);
        const char *argv[] = {"memqos-agent", "run", cg, proc, st, pol, NULL};
        struct agent_daemon d;
        agent_daemon_start(&t, argv, &d);
        assert_true(agent_wait_text(d.out, "\"action\":\"propagate-cap\"", 5000));
        assert_int_equal(kill(d.pid, SIGTERM), 0);
        assert_true(agent_daemon_wait(&d, 5000) != -1);

        uint64_t cap = strtoull(CAP, NULL, 10);
        assert_int_equal(read_u64(&t, "kubepods.slice/memory.min"), cap);
        uint64_t qos_be = read_u64(&t, "kubepods.slice/kubepods-besteffort.slice/memory.min");
        uint64_t qos_bu = read_u64(&t, "kubepods.slice/kubepods-burstable.slice/memory.min");
        snprintf(rel, sizeof(rel), "%s/memory.min", pbe + 1);
        uint64_t pod_be = read_u64(&t, rel);
        /* scaled by cap / (cap + 100 MiB), page-aligned */
        uint64_t want_be = (uint64_t)((unsigned __int128)cap * cap / (cap + 100 * MIB));
        want_be -= want_be % 4096;
        assert_int_equal(qos_be, want_be);
        assert_int_equal(pod_be, want_be);
        uint64_t want_bu = (uint64_t)((unsigned __int128)100 * MIB * cap / (cap + 100 * MIB));
        want_bu -= want_bu % 4096;
        assert_int_equal(qos_bu, want_bu);
        assert_true(qos_be + qos_bu <= cap);

        char *out = agent_slurp(d.out);
        assert_non_null(strstr(out, "scaled the ancestors' values to the cap"));
        assert_non_null(strstr(out, "above the propagation cap of " CAP " (50% of MemTotal "
                                    "4294967296"));
        assert_non_null(strstr(out, "\"target\":\"/kubepods.slice/memory.min\",\"value\":" CAP));
        assert_null(strstr(out, "\"value\":\"max\""));
        free(out);
        agent_daemon_free(&d);

        /* SIGHUP reads the node policy again: a lower cap takes effect
         * without a restart. */
        agent_daemon_start(&t, argv, &d);
        assert_true(agent_wait_text(d.err, "running:", 5000));
        fstree_write(t.root, "no-policy.json", "{\"propagation\": {\"max_share_pct\": 25}}\n");
        assert_int_equal(kill(d.pid, SIGHUP), 0);
        assert_true(agent_wait_text(d.err, "SIGHUP: node policy from", 5000));
        bool lowered = false;
        for (int i = 0; i < 250 && !lowered; i++) {
                lowered = read_u64(&t, "kubepods.slice/memory.min") == cap / 2;
                if (!lowered)
                        usleep(20000);
        }
        assert_true(lowered);
        assert_int_equal(kill(d.pid, SIGTERM), 0);
        assert_true(agent_daemon_wait(&d, 5000) != -1);
        agent_daemon_free(&d);
        free(pbe);
        free(pbu);
        free(cbe);
        free(cbu);
        agent_tree_free(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_greedy_refused_by_default),
                T(test_greedy_clamped),
                T(test_fail_open_clamps),
                T(test_allowed_namespace),
                T(test_kube_system_builtin),
                T(test_spoof_containerd_style),
                T(test_spoof_crio_style),
                T(test_duplicate_namespace_key),
                T(test_no_runtime_keys),
                T(test_namespace_not_a_name),
                T(test_crio_sandbox_marker_ignored),
                T(test_bad_policy_file),
                T(test_check_policy),
                cmocka_unit_test(test_agent_caps_propagation),
#undef T
        };
        return cmocka_run_group_tests_name("node policy", tests, NULL, NULL);
}
