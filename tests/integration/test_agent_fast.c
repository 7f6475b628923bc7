/* SPDX-License-Identifier: MIT */
/* memqos-agent run, short of memory on a fake tree: the ladder's steps
 * decide on the last full scan with the candidates read afresh (the
 * counter partial_scans), act on fresh usage of the pod they pick, and keep
 * the decision state of every pod, also of the pods not read afresh. */
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

#define MIB (1024ULL * 1024)

static const char *const uids[3] = {"11111111-2222-3333-4444-555555555555",
                                    "22222222-2222-3333-4444-555555555555",
                                    "33333333-2222-3333-4444-555555555555"};

static struct json_object *status(const char *stateopt) {
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "status", "--json", (char *)stateopt, NULL};
        struct json_object *o = json_run(argv);
        free(bin);
        return o;
}

static int index_of(const char *uid) {
        for (int i = 0; i < 3; i++)
                if (strcmp(uid, uids[i]) == 0)
                        return i;
        fail_msg("action on an unknown pod %s", uid);
        return -1;
}

/* Count reclaim and set-high per pod; check the usage each action on pod
 * `fresh` reports. Returns the number of pods throttled. */
static int count_actions(const char *path, int reclaims[3], int highs[3], int fresh,
                         uint64_t fresh_current) {
        char *out = agent_slurp(path);
        int throttled = 0;
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct json_object *o = json_tokener_parse(line);
                assert_non_null(o);
                const char *act = json_object_get_string(json_path(o, "action"));
                if (strcmp(act, "reclaim") == 0 || strcmp(act, "set-high") == 0) {
                        int i = index_of(json_object_get_string(json_path(o, "evidence.pod.uid")));
                        int *n = strcmp(act, "reclaim") == 0 ? &reclaims[i] : &highs[i];
                        (*n)++;
                        if (n == &highs[i])
                                throttled++;
                        if (i == fresh)
                                assert_int_equal(
                                        json_object_get_int64(json_path(o, "evidence.pod.current")),
                                        (int64_t)fresh_current);
                }
                json_object_put(o);
        }
        free(out);
        return throttled;
}

/* Three pods, the ladder one step per 300 ms. After the first step the
 * second pod grows to the largest: its steps must report the new usage. The
 * pods passed over keep their state: none is reclaimed or throttled twice. */
static void test_fast_pressure_steps(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        agent_tree_node(&t, 4194304, 300000, 25.0);
        uint64_t cur[3] = {600 * MIB, 300 * MIB, 200 * MIB};
        char *paths[3];
        for (int i = 0; i < 3; i++) {
                struct agent_tree_pod p = {uids[i],   "besteffort", cur[i], cur[i] - 100 * MIB,
                                           100 * MIB, 80 * MIB,     0,      0,
                                           NULL};
                paths[i] = agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &p);
        }
        fstree_write(t.root, "agent.json",
                     "{\"watermarks\": {\"reclaim_pct\": 99.9, \"kill_pct\": 0},"
                     " \"ladder\": {\"step_interval_ms\": 300, \"kill\": false}}\n");
        char cgopt[600], procopt[600], stateopt[600], cfgopt[600], sock[600];
        snprintf(cgopt, sizeof(cgopt), "--cgroup-root=%s", t.cg);
        snprintf(procopt, sizeof(procopt), "--proc-root=%s", t.proc);
        snprintf(stateopt, sizeof(stateopt), "--state-dir=%s", t.state);
        snprintf(cfgopt, sizeof(cfgopt), "--config=%s/agent.json", t.root);
        snprintf(sock, sizeof(sock), "%s/agent.sock", t.state);
        const char *argv[] = {"memqos-agent", "run",    "--dry-run", cgopt,
                              procopt,        stateopt, cfgopt,      NULL};
        struct agent_daemon d;
        agent_daemon_start(&t, argv, &d);
        assert_true(agent_wait_exists(sock, 5000));
        assert_true(agent_wait_text(d.out, "\"action\":\"reclaim\"", 5000));

        uint64_t grown = 900 * MIB;
        char *f = NULL;
        assert_true(asprintf(&f, "%s/memory.stat", paths[1] + 1) > 0);
        fstree_write(t.cg, f,
                     "anon 838860800\nfile 104857600\nactive_file 0\n"
                     "inactive_file 83886080\nshmem 0\n");
        free(f);
        agent_tree_set_current(&t, paths[1], grown);

        int reclaims[3], highs[3], throttled = 0;
        for (int k = 0; k < 250 && throttled < 3; k++) {
                usleep(20000);
                memset(reclaims, 0, sizeof(reclaims));
                memset(highs, 0, sizeof(highs));
                throttled = count_actions(d.out, reclaims, highs, 1, grown);
        }
        assert_int_equal(throttled, 3);
        for (int i = 0; i < 3; i++) {
                assert_true(reclaims[i] <= 1);
                assert_int_equal(highs[i], 1);
        }
        struct json_object *o = status(stateopt);
        assert_true(json_object_get_int64(json_path(o, "counters.partial_scans")) >= 1);
        assert_int_equal(json_object_array_length(json_path(o, "acting_on")), 3);
        json_object_put(o);

        assert_int_equal(kill(d.pid, SIGTERM), 0);
        assert_true(agent_daemon_wait(&d, 5000) != -1);
        agent_daemon_free(&d);
        for (int i = 0; i < 3; i++)
                free(paths[i]);
        agent_tree_free(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fast_pressure_steps),
        };
        return cmocka_run_group_tests_name("agent-fast", tests, NULL, NULL);
}
