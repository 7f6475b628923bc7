/* SPDX-License-Identifier: MIT */
/* memqos-agent once / check-config / usage on fake trees shaped like
 * /sys/fs/cgroup (both cgroup drivers) and /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "agent_tree.h"
#include "fstree.h"
#include "runbin.h"

#define UID_BE "11111111-2222-3333-4444-555555555555"
#define UID_BU "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define UID_GU "ffffffff-0000-1111-2222-333333333333"
#define UID_CR "99999999-8888-7777-6666-555555555555"
#define CID    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MIB    (1024ULL * 1024)

/* Run the agent with the tree's roots plus extra args; returns exit code. */
static int run_agent(const struct agent_tree *t, const char *const extra[],
                     struct run_result *res) {
        char *bin = runbin_path("memqos-agent");
        char cgopt[600], procopt[600], stateopt[600];
        snprintf(cgopt, sizeof(cgopt), "--cgroup-root=%s", t->cg);
        snprintf(procopt, sizeof(procopt), "--proc-root=%s", t->proc);
        snprintf(stateopt, sizeof(stateopt), "--state-dir=%s", t->state);
        char *argv[16] = {bin};
        size_t n = 1;
        for (size_t i = 0; extra[i]; i++)
                argv[n++] = (char *)extra[i];
        argv[n++] = cgopt;
        argv[n++] = procopt;
        argv[n++] = stateopt;
        argv[n] = NULL;
        runbin(argv, NULL, "", 0, res);
        free(bin);
        assert_true(WIFEXITED(res->status));
        return WEXITSTATUS(res->status);
}

static struct json_object *once(const struct agent_tree *t, const char *const extra[]) {
        struct run_result res;
        int rc = run_agent(t, extra, &res);
        if (rc != 0)
                fprintf(stderr, "stderr: %s\n", res.err);
        assert_int_equal(rc, 0);
        struct json_object *o = json_tokener_parse(res.out);
        assert_non_null(o);
        run_result_free(&res);
        return o;
}

static struct json_object *get(struct json_object *o, const char *key) {
        struct json_object *v = NULL;
        assert_true(json_object_object_get_ex(o, key, &v));
        return v;
}

static const char *sget(struct json_object *o, const char *key) {
        return json_object_get_string(get(o, key));
}

static struct json_object *pod_by_uid(struct json_object *doc, const char *uid) {
        struct json_object *pods = get(doc, "pods");
        for (size_t i = 0; i < json_object_array_length(pods); i++) {
                struct json_object *p = json_object_array_get_idx(pods, i);
                if (strcmp(sget(p, "uid"), uid) == 0)
                        return p;
        }
        fail_msg("pod %s not in the output", uid);
        return NULL;
}

/* Three pods: BestEffort without a record, Burstable with a batch record,
 * Guaranteed; memory short (7 % available) and node PSI at 25 %. */
static void build_three(struct agent_tree *t, enum agent_tree_driver d) {
        agent_tree_new(t, d);
        agent_tree_node(t, 4194304, 300000, 25.0);
        struct agent_tree_pod be = {
                UID_BE, "besteffort", 600 * MIB, 500 * MIB, 100 * MIB, 80 * MIB, 0, 0, NULL};
        struct agent_tree_pod bu = {UID_BU,    "burstable", 800 * MIB, 700 * MIB, 100 * MIB,
                                    100 * MIB, 0,           0,         NULL};
        struct agent_tree_pod gu = {
                UID_GU, "guaranteed", 1000 * MIB, 900 * MIB, 100 * MIB, 50 * MIB, 0, 0, NULL};
        free(agent_tree_pod(t, d, &be));
        char *bup = agent_tree_pod(t, d, &bu);
        free(agent_tree_pod(t, d, &gu));
        char *c = agent_tree_container(t, d, bup, CID, "400000000");
        agent_tree_record(t, CID, c, UID_BU, "web", "shop", "batch",
                          "\"memory.high\": \"400000000\"");
        free(c);
        free(bup);
}

static void check_three(struct json_object *doc) {
        struct json_object *pods = get(doc, "pods");
        assert_int_equal(json_object_array_length(pods), 3);
        assert_int_equal(json_object_get_int(get(doc, "records")), 1);

        struct json_object *bu = pod_by_uid(doc, UID_BU);
        assert_string_equal(sget(bu, "qos"), "burstable");
        assert_string_equal(sget(bu, "priority"), "batch"); /* from the record */
        assert_string_equal(sget(bu, "name"), "web");
        assert_string_equal(sget(bu, "namespace"), "shop");
        assert_true(json_object_get_boolean(get(bu, "has_record")));
        assert_int_equal(json_object_get_int64(get(bu, "current")), 800 * MIB);
        assert_int_equal(json_object_get_int64(get(bu, "inactive_file")), 100 * MIB);
        assert_int_equal(json_object_get_int64(get(bu, "record_high")), 400000000);
        /* Its container cgroup, with the memory.high the hook set. */
        struct json_object *cs = get(bu, "containers");
        assert_int_equal(json_object_array_length(cs), 1);
        struct json_object *c0 = json_object_array_get_idx(cs, 0);
        assert_string_equal(sget(c0, "id"), CID);
        assert_int_equal(json_object_get_int64(get(c0, "high")), 400000000);
        assert_int_equal(json_object_array_length(get(pod_by_uid(doc, UID_BE), "containers")), 0);

        struct json_object *be = pod_by_uid(doc, UID_BE);
        assert_string_equal(sget(be, "qos"), "besteffort");
        assert_string_equal(sget(be, "priority"), "normal"); /* no record: default */
        assert_false(json_object_get_boolean(get(be, "has_record")));
        assert_string_equal(sget(be, "high"), "max");

        struct json_object *gu = pod_by_uid(doc, UID_GU);
        assert_string_equal(sget(gu, "qos"), "guaranteed");
        assert_true(json_object_get_boolean(get(gu, "protected")));
        assert_false(json_object_get_boolean(get(be, "protected")));

        /* Ranking, lowest first: batch before normal; BestEffort before
         * Guaranteed within normal. */
        assert_string_equal(sget(json_object_array_get_idx(pods, 0), "uid"), UID_BU);
        assert_string_equal(sget(json_object_array_get_idx(pods, 1), "uid"), UID_BE);
        assert_string_equal(sget(json_object_array_get_idx(pods, 2), "uid"), UID_GU);
        assert_int_equal(json_object_get_int(get(json_object_array_get_idx(pods, 0), "rank")), 1);

        struct json_object *node = get(doc, "node");
        assert_int_equal(json_object_get_int64(get(node, "mem_total")), 4194304ULL * 1024);
        assert_int_equal(json_object_get_int64(get(node, "mem_available")), 300000ULL * 1024);
        assert_float_equal(json_object_get_double(get(get(node, "psi"), "some_avg10")), 25.0, 1e-9);

        /* Short of memory: the first action is on the lowest-ranked pod,
         * never on the protected one; `once` executes nothing. */
        struct json_object *acts = get(doc, "actions");
        assert_true(json_object_array_length(acts) >= 1);
        struct json_object *a0 = json_object_array_get_idx(acts, 0);
        assert_string_equal(sget(a0, "pod"), UID_BU);
        assert_string_equal(sget(a0, "action"), "reclaim");
        assert_true(json_object_get_int64(get(a0, "value")) > 0);
        assert_string_equal(sget(a0, "result"), "not executed");
        assert_true(strlen(sget(a0, "reason")) > 10);
        for (size_t i = 0; i < json_object_array_length(acts); i++)
                assert_string_not_equal(sget(json_object_array_get_idx(acts, i), "pod"), UID_GU);
        assert_true(json_object_get_boolean(get(doc, "dry_run")));
        assert_false(json_object_get_boolean(get(doc, "acted")));
        assert_string_equal(sget(doc, "trigger"), "once");
}

static void test_once_systemd(void **state) {
        (void)state;
        struct agent_tree t;
        build_three(&t, AGENT_TREE_SYSTEMD);
        struct json_object *doc = once(&t, (const char *const[]){"once", NULL});
        check_three(doc);
        assert_string_equal(sget(pod_by_uid(doc, UID_BE), "cgroup"),
                            "/kubepods.slice/kubepods-besteffort.slice/"
                            "kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice");
        json_object_put(doc);
        /* Nothing was written. */
        char *r = fstree_read(t.cg, "kubepods.slice/kubepods-burstable.slice/"
                                    "kubepods-burstable-podaaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee."
                                    "slice/memory.reclaim");
        assert_string_equal(r, "");
        free(r);
        agent_tree_free(&t);
}

static void test_once_cgroupfs(void **state) {
        (void)state;
        struct agent_tree t;
        build_three(&t, AGENT_TREE_CGROUPFS);
        struct json_object *doc = once(&t, (const char *const[]){"once", NULL});
        check_three(doc);
        assert_string_equal(sget(pod_by_uid(doc, UID_GU), "cgroup"), "/kubepods/pod" UID_GU);
        json_object_put(doc);
        agent_tree_free(&t);
}

/* --act executes what it prints: memory.reclaim of the batch pod gets the
 * byte count. With --dry-run as well, nothing is written. */
static void test_once_act(void **state) {
        (void)state;
        struct agent_tree t;
        build_three(&t, AGENT_TREE_CGROUPFS);
        const char *rel = "kubepods/burstable/pod" UID_BU "/memory.reclaim";

        struct json_object *doc =
                once(&t, (const char *const[]){"once", "--act", "--dry-run", NULL});
        struct json_object *a0 = json_object_array_get_idx(get(doc, "actions"), 0);
        assert_string_equal(sget(a0, "result"), "dry-run");
        json_object_put(doc);
        char *r = fstree_read(t.cg, rel);
        assert_string_equal(r, "");
        free(r);

        doc = once(&t, (const char *const[]){"once", "--act", NULL});
        a0 = json_object_array_get_idx(get(doc, "actions"), 0);
        assert_string_equal(sget(a0, "action"), "reclaim");
        assert_string_equal(sget(a0, "result"), "ok");
        char want[32];
        snprintf(want, sizeof(want), "%lld", (long long)json_object_get_int64(get(a0, "value")));
        r = fstree_read(t.cg, rel);
        assert_string_equal(r, want);
        free(r);
        json_object_put(doc);
        agent_tree_free(&t);
}

/* Plenty of memory and no stall: pods are listed (with their containers'
 * cgroups found), nothing is done. */
static void test_once_idle(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        struct agent_tree_pod be = {
                UID_BE, "besteffort", 600 * MIB, 500 * MIB, 100 * MIB, 80 * MIB, 0, 0, NULL};
        free(agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &be));
        struct json_object *doc = once(&t, (const char *const[]){"once", NULL});
        assert_int_equal(json_object_array_length(get(doc, "pods")), 1);
        assert_int_equal(json_object_array_length(get(doc, "actions")), 0);
        json_object_put(doc);
        agent_tree_free(&t);
}

/* A critical record protects a BestEffort pod; directories that are not
 * pods are ignored; a pod whose cgroup vanished (no memory.current) is
 * skipped without a word. */
static void test_once_protected_and_odd_dirs(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_CGROUPFS);
        agent_tree_node(&t, 4194304, 300000, 25.0);
        struct agent_tree_pod cr = {
                UID_CR, "besteffort", 600 * MIB, 500 * MIB, 100 * MIB, 80 * MIB, 0, 0, NULL};
        char *p = agent_tree_pod(&t, AGENT_TREE_CGROUPFS, &cr);
        char *c = agent_tree_container(&t, AGENT_TREE_CGROUPFS, p, CID, NULL);
        agent_tree_record(&t, CID, c, UID_CR, "db", "prod", "critical", NULL);
        fstree_mkdirs(t.cg, "kubepods/besteffort/not-a-pod");
        fstree_mkdirs(t.cg, "kubepods/burstable/pod" UID_BE); /* no files: gone */

        struct run_result res;
        assert_int_equal(run_agent(&t, (const char *const[]){"once", NULL}, &res), 0);
        assert_null(strstr(res.err, "skipping"));
        struct json_object *doc = json_tokener_parse(res.out);
        assert_non_null(doc);
        assert_int_equal(json_object_array_length(get(doc, "pods")), 1);
        struct json_object *pod = pod_by_uid(doc, UID_CR);
        assert_string_equal(sget(pod, "priority"), "critical");
        assert_true(json_object_get_boolean(get(pod, "protected")));
        /* Under pressure with every pod protected there is at most a note. */
        struct json_object *acts = get(doc, "actions");
        for (size_t i = 0; i < json_object_array_length(acts); i++)
                assert_string_equal(sget(json_object_array_get_idx(acts, i), "action"), "note");
        json_object_put(doc);
        run_result_free(&res);
        free(p);
        free(c);
        agent_tree_free(&t);
}

/* Cgroups named like pods whose UID is not the kubelet's UUID are named on
 * stderr, once each, with why, escaped (a directory name can hold a
 * newline); the real pod beside them is ranked as usual. */
static void test_once_odd_pod_names(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_CGROUPFS);
        agent_tree_node(&t, 4194304, 3000000, 0.0);
        struct agent_tree_pod be = {UID_BE, "besteffort", 600 * MIB, 500 * MIB, 100 * MIB, 0, 0,
                                    0,      NULL};
        free(agent_tree_pod(&t, AGENT_TREE_CGROUPFS, &be));
        fstree_mkdirs(t.cg, "kubepods/besteffort/pod-test-1");
        fstree_mkdirs(t.cg, "kubepods/pod\nmemqos-agent: forged");
        fstree_mkdirs(t.cg, "kubepods/besteffort/not-a-pod");

        struct run_result res;
        assert_int_equal(run_agent(&t, (const char *const[]){"once", NULL}, &res), 0);
        struct json_object *doc = json_tokener_parse(res.out);
        assert_non_null(doc);
        assert_int_equal(json_object_array_length(get(doc, "pods")), 1);
        assert_non_null(strstr(res.err, "/kubepods/besteffort/pod-test-1: named like a pod "
                                        "cgroup but not one: the UID has characters other than "
                                        "hex digits and '-'"));
        assert_non_null(strstr(res.err, "/kubepods/pod\\nmemqos-agent: forged: named like a pod"));
        assert_null(strstr(res.err, "\nmemqos-agent: forged"));
        assert_null(strstr(res.err, "not-a-pod"));
        json_object_put(doc);
        run_result_free(&res);
        agent_tree_free(&t);
}

/* The headroom in `once`: a Guaranteed pod whose memory.min covers its
 * 300 MiB of page cache, under kubepods carrying that protection, takes the
 * cache out of MemAvailable; the pod's effective protection and protected
 * cache are shown. */
static void test_once_headroom(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_CGROUPFS);
        agent_tree_node(&t, 1048576, 512000, 0.0); /* 1 GiB, 500 MiB available */
        struct agent_tree_pod gu = {UID_GU,    "guaranteed", 340 * MIB, 40 * MIB, 300 * MIB,
                                    100 * MIB, 340 * MIB,    0,         NULL};
        free(agent_tree_pod(&t, AGENT_TREE_CGROUPFS, &gu));
        fstree_write(t.cg, "kubepods/memory.min", "356515840\n"); /* 340 MiB */
        fstree_write(t.cg, "kubepods/memory.low", "0\n");
        struct json_object *doc = once(&t, (const char *const[]){"once", NULL});
        struct json_object *node = get(doc, "node");
        assert_int_equal(json_object_get_int64(get(node, "mem_available")), 500 * MIB);
        assert_int_equal(json_object_get_int64(get(node, "protected_cache_min")), 300 * MIB);
        assert_int_equal(json_object_get_int64(get(node, "protected_cache_low")), 0);
        assert_int_equal(json_object_get_int64(get(node, "headroom")), 200 * MIB);
        assert_string_equal(sget(node, "headroom_level"), "ok");
        struct json_object *pod = pod_by_uid(doc, UID_GU);
        assert_int_equal(json_object_get_int64(get(pod, "effective_min")), 340 * MIB);
        assert_int_equal(json_object_get_int64(get(pod, "protected_cache")), 300 * MIB);
        json_object_put(doc);

        /* kubepods without protection: the pod's own memory.min is void. */
        fstree_write(t.cg, "kubepods/memory.min", "0\n");
        doc = once(&t, (const char *const[]){"once", NULL});
        node = get(doc, "node");
        assert_int_equal(json_object_get_int64(get(node, "headroom")), 500 * MIB);
        assert_int_equal(json_object_get_int64(get(pod_by_uid(doc, UID_GU), "effective_min")), 0);
        json_object_put(doc);
        agent_tree_free(&t);
}

/* No kubepods tree at all (a node before the kubelet starts): no pods. */
static void test_once_no_kubepods(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        fstree_remove(t.cg);
        fstree_write(t.root, "cg/cgroup.controllers", "memory\n");
        struct json_object *doc = once(&t, (const char *const[]){"once", NULL});
        assert_int_equal(json_object_array_length(get(doc, "pods")), 0);
        json_object_put(doc);
        agent_tree_free(&t);
}

/* A kernel without PSI is a clear start-up error. */
static void test_once_no_psi(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        fstree_remove(t.proc);
        fstree_write(t.root, "proc/meminfo", "MemTotal: 100 kB\nMemAvailable: 50 kB\n");
        struct run_result res;
        assert_int_equal(run_agent(&t, (const char *const[]){"once", NULL}, &res), 1);
        assert_non_null(strstr(res.err, "no PSI"));
        assert_non_null(strstr(res.err, "CONFIG_PSI"));
        run_result_free(&res);
        agent_tree_free(&t);
}

static int run_plain(const char *const args[], struct run_result *res) {
        char *bin = runbin_path("memqos-agent");
        char *argv[8] = {bin};
        size_t n = 1;
        for (size_t i = 0; args[i]; i++)
                argv[n++] = (char *)args[i];
        argv[n] = NULL;
        runbin(argv, NULL, "", 0, res);
        free(bin);
        assert_true(WIFEXITED(res->status));
        return WEXITSTATUS(res->status);
}

static void test_check_config(void **state) {
        (void)state;
        char *dir = fstree_mkdtemp();
        fstree_write(dir, "good.json", "{\"ladder\": {\"step_interval_ms\": 500}}\n");
        fstree_write(dir, "typo.json", "{\"ladder\": {\"step_interval\": 500}}\n");
        fstree_write(dir, "range.json", "{\"psi\": {\"node\": {\"window_ms\": 20}}}\n");
        fstree_write(dir, "broken.json", "{\"ladder\": \n");
        char good[600], typo[600], range[600], broken[600], missing[600];
        snprintf(good, sizeof(good), "%s/good.json", dir);
        snprintf(typo, sizeof(typo), "%s/typo.json", dir);
        snprintf(range, sizeof(range), "%s/range.json", dir);
        snprintf(broken, sizeof(broken), "%s/broken.json", dir);
        snprintf(missing, sizeof(missing), "%s/missing.json", dir);

        struct run_result res;
        assert_int_equal(run_plain((const char *const[]){"check-config", good, NULL}, &res), 0);
        assert_non_null(strstr(res.out, ": ok"));
        assert_non_null(strstr(res.out, "\"step_interval_ms\":500")); /* effective config */
        run_result_free(&res);

        assert_int_equal(run_plain((const char *const[]){"check-config", typo, NULL}, &res), 1);
        assert_non_null(strstr(res.err, "step_interval"));
        assert_non_null(strstr(res.err, "typo.json"));
        run_result_free(&res);

        assert_int_equal(run_plain((const char *const[]){"check-config", range, NULL}, &res), 1);
        assert_non_null(strstr(res.err, "window_ms"));
        run_result_free(&res);

        assert_int_equal(run_plain((const char *const[]){"check-config", broken, NULL}, &res), 1);
        assert_non_null(strstr(res.err, "broken.json"));
        run_result_free(&res);

        assert_int_equal(run_plain((const char *const[]){"check-config", missing, NULL}, &res), 1);
        assert_non_null(strstr(res.err, "cannot open config"));
        run_result_free(&res);
        fstree_remove(dir);
        free(dir);
}

static void test_usage(void **state) {
        (void)state;
        struct run_result res;
        assert_int_equal(run_plain((const char *const[]){"--version", NULL}, &res), 0);
        assert_non_null(strstr(res.out, "memqos-agent " MEMQOS_VERSION));
        run_result_free(&res);
        assert_int_equal(run_plain((const char *const[]){"--help", NULL}, &res), 0);
        assert_non_null(strstr(res.out, "check-config"));
        run_result_free(&res);
        assert_int_equal(run_plain((const char *const[]){"frobnicate", NULL}, &res), 2);
        assert_non_null(strstr(res.err, "unknown command \"frobnicate\""));
        run_result_free(&res);
        assert_int_equal(run_plain((const char *const[]){"check-config", NULL}, &res), 2);
        run_result_free(&res);
        assert_int_equal(run_plain((const char *const[]){"run", "--act", NULL}, &res), 2);
        run_result_free(&res);
        assert_int_equal(
                run_plain((const char *const[]){"once", "--cgroup-root=/nonexistent-x", NULL},
                          &res),
                1);
        assert_non_null(strstr(res.err, "/nonexistent-x"));
        run_result_free(&res);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_once_systemd),
                cmocka_unit_test(test_once_cgroupfs),
                cmocka_unit_test(test_once_act),
                cmocka_unit_test(test_once_idle),
                cmocka_unit_test(test_once_protected_and_odd_dirs),
                cmocka_unit_test(test_once_odd_pod_names),
                cmocka_unit_test(test_once_headroom),
                cmocka_unit_test(test_once_no_kubepods),
                cmocka_unit_test(test_once_no_psi),
                cmocka_unit_test(test_check_config),
                cmocka_unit_test(test_usage),
        };
        return cmocka_run_group_tests_name("agent-once", tests, NULL, NULL);
}
