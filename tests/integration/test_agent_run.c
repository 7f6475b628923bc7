/* SPDX-License-Identifier: MIT */
/* memqos-agent run on a fake tree: start-up, status over the control
 * socket, records picked up by inotify, dry-run JSON lines, SIGHUP with a
 * bad config keeping the old one, SIGTERM exiting cleanly. The fake tree's
 * pressure files are plain files, so no PSI trigger can be armed: the agent
 * must say so and wake by its timer instead, which these tests check. */
#include <setjmp.h>
#include <signal.h>
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
#include "jsonpath.h"
#include "runbin.h"

#define UID_BE "11111111-2222-3333-4444-555555555555"
#define UID_BU "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define CID    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MIB    (1024ULL * 1024)

struct fixture {
        struct agent_tree t;
        struct agent_daemon d;
        char cgopt[600], procopt[600], stateopt[600], sock[600];
};

static void setup(struct fixture *f, bool short_of_memory) {
        memset(f, 0, sizeof(*f));
        agent_tree_new(&f->t, AGENT_TREE_SYSTEMD);
        if (short_of_memory)
                agent_tree_node(&f->t, 4194304, 300000, 25.0);
        struct agent_tree_pod be = {
                UID_BE, "besteffort", 600 * MIB, 500 * MIB, 100 * MIB, 80 * MIB, 0, 0, NULL};
        free(agent_tree_pod(&f->t, AGENT_TREE_SYSTEMD, &be));
        snprintf(f->cgopt, sizeof(f->cgopt), "--cgroup-root=%s", f->t.cg);
        snprintf(f->procopt, sizeof(f->procopt), "--proc-root=%s", f->t.proc);
        snprintf(f->stateopt, sizeof(f->stateopt), "--state-dir=%s", f->t.state);
        snprintf(f->sock, sizeof(f->sock), "%s/agent.sock", f->t.state);
}

static void start(struct fixture *f, const char *config) {
        char cfgopt[700];
        snprintf(cfgopt, sizeof(cfgopt), "--config=%s", config ? config : "");
        const char *argv[] = {
                "memqos-agent",         "run", "--dry-run", f->cgopt, f->procopt, f->stateopt,
                config ? cfgopt : NULL, NULL};
        agent_daemon_start(&f->t, argv, &f->d);
        if (!agent_wait_exists(f->sock, 5000)) {
                char *err = agent_slurp(f->d.err);
                fail_msg("the agent did not come up; stderr: %s", err);
        }
        assert_true(agent_wait_text(f->d.err, "running:", 5000));
}

static void stop(struct fixture *f) {
        assert_int_equal(kill(f->d.pid, SIGTERM), 0);
        int status = agent_daemon_wait(&f->d, 5000);
        assert_true(status != -1);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_true(agent_wait_text(f->d.err, "exiting", 100));
}

static void teardown(struct fixture *f) {
        agent_daemon_free(&f->d);
        agent_tree_free(&f->t);
}

/* `memqos-agent status --json` against the running daemon. */
static struct json_object *status(struct fixture *f) {
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "status", "--json", f->stateopt, NULL};
        struct json_object *o = json_run(argv);
        free(bin);
        return o;
}

static int64_t status_int(struct fixture *f, const char *path) {
        struct json_object *o = status(f);
        int64_t v = json_object_get_int64(json_path(o, path));
        json_object_put(o);
        return v;
}

/* Start, answer status, stop on SIGTERM with exit 0. */
static void test_run_status_and_sigterm(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, false);
        start(&f, NULL);
        /* Plain files cannot carry a PSI trigger: the agent says so. */
        assert_true(agent_wait_text(f.d.err, "not a kernel PSI file", 100));

        struct json_object *o = status(&f);
        assert_true(json_object_get_boolean(json_path(o, "dry_run")));
        assert_int_equal(json_object_get_int(json_path(o, "pods")), 1);
        assert_string_equal(json_object_get_string(json_path(o, "psi_wakeup.node")), "timer");
        assert_string_equal(json_object_get_string(json_path(o, "psi_wakeup.kubepods")), "timer");
        assert_true(json_object_get_int(json_path(o, "counters.scans")) >= 1);
        json_object_put(o);

        /* The table form works too. */
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "status", f.stateopt, NULL};
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        assert_non_null(strstr(res.out, "1 pods"));
        run_result_free(&res);

        /* Prometheus text on the same socket. */
        char *argvm[] = {bin, "metrics", f.stateopt, NULL};
        runbin(argvm, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        assert_non_null(strstr(res.out, "\nmemqos_pods 1\n"));
        assert_non_null(strstr(res.out, "memqos_actions_total{action=\"reclaim\",reason=\"psi\",result=\"ok\"} 0\n"));
        assert_non_null(strstr(res.out, "# TYPE memqos_kills_total counter\n"));
        run_result_free(&res);

        /* A second agent on the same state dir refuses to start. */
        char *argv2[] = {bin, "run", f.cgopt, f.procopt, f.stateopt, NULL};
        runbin(argv2, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 1);
        assert_non_null(strstr(res.err, "another memqos-agent"));
        run_result_free(&res);
        free(bin);

        stop(&f);
        teardown(&f);
}

/* A record written while the agent runs is picked up (inotify on the
 * record directory) and explain finds the pod by container id. */
static void test_run_record_appears(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, false);
        struct agent_tree_pod bu = {UID_BU,    "burstable", 800 * MIB, 700 * MIB, 100 * MIB,
                                    100 * MIB, 0,           0,         NULL};
        char *p = agent_tree_pod(&f.t, AGENT_TREE_SYSTEMD, &bu);
        char *c = agent_tree_container(&f.t, AGENT_TREE_SYSTEMD, p, CID, NULL);
        start(&f, NULL);
        assert_int_equal(status_int(&f, "records"), 0);

        agent_tree_record(&f.t, CID, c, UID_BU, "web", "shop", "batch", NULL);
        int64_t n = 0;
        for (int i = 0; i < 100 && n != 1; i++) {
                n = status_int(&f, "records");
                if (n != 1)
                        usleep(20000);
        }
        assert_int_equal(n, 1);

        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "explain", CID, "--json", f.stateopt, NULL};
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        struct json_object *o = json_tokener_parse(res.out);
        assert_non_null(o);
        assert_string_equal(json_object_get_string(json_path(o, "pod_uid")), UID_BU);
        assert_string_equal(json_object_get_string(json_path(o, "pod.priority")), "batch");
        assert_string_equal(json_object_get_string(json_path(o, "pod.name")), "web");
        json_object_put(o);
        run_result_free(&res);

        char *argv2[] = {bin, "explain", "no-such-pod", f.stateopt, NULL};
        runbin(argv2, NULL, "", 0, &res);
        assert_int_equal(WEXITSTATUS(res.status), 1);
        assert_non_null(strstr(res.err, "no-such-pod"));
        run_result_free(&res);
        free(bin);
        free(p);
        free(c);
        stop(&f);
        teardown(&f);
}

/* Short of memory in dry-run: one JSON line per action on stdout with the
 * evidence, result "dry-run", and nothing written to the tree. */
static void test_run_dry_run_lines(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, true);
        start(&f, NULL);
        assert_true(agent_wait_text(f.d.out, "\"result\":\"dry-run\"", 5000));
        /* MemAvailable is short: the adaptive watermark timer (100 ms..1 s)
         * is running. */
        int64_t wm = 0;
        for (int i = 0; i < 100 && wm == 0; i++) {
                wm = status_int(&f, "counters.wakeups.watermark");
                if (wm == 0)
                        usleep(20000);
        }
        assert_true(wm >= 1);
        stop(&f);

        char *out = agent_slurp(f.d.out);
        char *save = NULL;
        int actions = 0;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct json_object *o = json_tokener_parse(line);
                assert_non_null(o); /* every line is one JSON document */
                assert_non_null(json_path(o, "time"));
                assert_non_null(json_path(o, "trigger"));
                assert_non_null(json_path(o, "evidence.mem_available"));
                const char *act = json_object_get_string(json_path(o, "action"));
                if (strcmp(act, "reclaim") == 0) {
                        actions++;
                        assert_string_equal(
                                json_object_get_string(json_path(o, "evidence.pod.uid")), UID_BE);
                        assert_string_equal(json_object_get_string(json_path(o, "result")),
                                            "dry-run");
                        assert_true(json_object_is_type(json_path(o, "value"), json_type_int));
                        assert_true(json_object_get_int64(json_path(o, "value")) > 0);
                }
                json_object_put(o);
        }
        assert_true(actions >= 1);
        free(out);
        char *r = fstree_read(f.t.cg, "kubepods.slice/kubepods-besteffort.slice/"
                                      "kubepods-besteffort-pod11111111_2222_3333_4444_555555555555"
                                      ".slice/memory.reclaim");
        assert_string_equal(r, "");
        free(r);
        teardown(&f);
}

/* SIGHUP: an invalid new config is reported and the old one kept; a valid
 * one is taken. */
static void test_run_sighup(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, false);
        fstree_write(f.t.root, "agent.json", "{\"reconcile_ms\": 5000}\n");
        char cfg[700];
        snprintf(cfg, sizeof(cfg), "%s/agent.json", f.t.root);
        start(&f, cfg);

        fstree_write(f.t.root, "agent.json", "{\"reconcile_ms\": \"often\"}\n");
        assert_int_equal(kill(f.d.pid, SIGHUP), 0);
        assert_true(agent_wait_text(f.d.err, "keeping the previous configuration", 5000));
        assert_true(agent_wait_text(f.d.err, "reconcile_ms", 100));
        assert_int_equal(status_int(&f, "counters.reload_errors"), 1);
        assert_int_equal(status_int(&f, "counters.reloads"), 0);

        fstree_write(f.t.root, "agent.json", "{\"reconcile_ms\": 2000}\n");
        assert_int_equal(kill(f.d.pid, SIGHUP), 0);
        assert_true(agent_wait_text(f.d.err, "configuration reloaded", 5000));
        assert_int_equal(status_int(&f, "counters.reloads"), 1);
        stop(&f);
        teardown(&f);
}

/* A kernel without PSI is a clear start-up error, before any socket. */
static void test_run_no_psi(void **state) {
        (void)state;
        struct fixture f;
        setup(&f, false);
        fstree_remove(f.t.proc);
        fstree_write(f.t.root, "proc/meminfo", "MemTotal: 100 kB\nMemAvailable: 50 kB\n");
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "run", f.cgopt, f.procopt, f.stateopt, NULL};
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        assert_true(WIFEXITED(res.status));
        assert_int_equal(WEXITSTATUS(res.status), 1);
        assert_non_null(strstr(res.err, "error: cannot start: this kernel has no PSI"));
        assert_null(fstree_read(f.t.state, "agent.sock"));
        run_result_free(&res);
        free(bin);
        teardown(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_run_status_and_sigterm),
                cmocka_unit_test(test_run_record_appears),
                cmocka_unit_test(test_run_dry_run_lines),
                cmocka_unit_test(test_run_sighup),
                cmocka_unit_test(test_run_no_psi),
        };
        return cmocka_run_group_tests_name("agent-run", tests, NULL, NULL);
}
