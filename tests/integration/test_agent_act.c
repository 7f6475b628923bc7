/* SPDX-License-Identifier: MIT */
/* What memqos-agent writes on a fake tree: the cgroup.kill fallback
 * (SIGKILL of every pid in cgroup.procs), a missing memory.reclaim, drift
 * reconcile, protection propagation, and memory.events waking the loop. */
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

#define UID_BE "11111111-2222-3333-4444-555555555555"
#define UID_BU "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define CID    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MIB    (1024ULL * 1024)
#define BE_DIR                                                                                     \
        "kubepods.slice/kubepods-besteffort.slice/"                                                \
        "kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice"
#define BU_DIR                                                                                     \
        "kubepods.slice/kubepods-burstable.slice/"                                                 \
        "kubepods-burstable-podaaaaaaaa_bbbb_cccc_dddd_eeeeeeeeeeee.slice"

static struct json_object *once_act(const struct agent_tree *t, struct run_result *res) {
        char *bin = runbin_path("memqos-agent");
        char cg[600], proc[600], st[600];
        snprintf(cg, sizeof(cg), "--cgroup-root=%s", t->cg);
        snprintf(proc, sizeof(proc), "--proc-root=%s", t->proc);
        snprintf(st, sizeof(st), "--state-dir=%s", t->state);
        char *argv[] = {bin, "once", "--act", cg, proc, st, NULL};
        runbin(argv, NULL, "", 0, res);
        free(bin);
        assert_int_equal(WEXITSTATUS(res->status), 0);
        struct json_object *o = json_tokener_parse(res->out);
        assert_non_null(o);
        return o;
}

static void one_besteffort_pod(struct agent_tree *t, uint64_t avail_kb) {
        agent_tree_new(t, AGENT_TREE_SYSTEMD);
        agent_tree_node(t, 4194304, avail_kb, 25.0);
        struct agent_tree_pod be = {
                UID_BE, "besteffort", 600 * MIB, 500 * MIB, 100 * MIB, 80 * MIB, 0, 0, NULL};
        free(agent_tree_pod(t, AGENT_TREE_SYSTEMD, &be));
}

/* Kernel < 5.14: no cgroup.kill. The agent kills every pid listed in the
 * pod's cgroup.procs (here: one child of this test) and says so. */
static void test_kill_fallback(void **state) {
        (void)state;
        struct agent_tree t;
        one_besteffort_pod(&t, 40000); /* ~1 %: below the kill watermark */
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                for (;;)
                        pause();
        }
        char pids[32];
        snprintf(pids, sizeof(pids), "%d\n", (int)child);
        fstree_write(t.cg, BE_DIR "/cgroup.procs", pids);
        char *kill_path;
        assert_true(asprintf(&kill_path, "%s/" BE_DIR "/cgroup.kill", t.cg) > 0);
        assert_int_equal(unlink(kill_path), 0);
        free(kill_path);

        struct run_result res;
        struct json_object *doc = once_act(&t, &res);
        struct json_object *acts = json_path(doc, "actions");
        assert_int_equal(json_object_array_length(acts), 1);
        struct json_object *a0 = json_object_array_get_idx(acts, 0);
        assert_string_equal(json_object_get_string(json_path(a0, "action")), "kill");
        assert_non_null(strstr(json_object_get_string(json_path(a0, "result")),
                               "fallback: no cgroup.kill"));
        assert_non_null(strstr(json_object_get_string(json_path(a0, "result")), "1 processes"));
        assert_non_null(strstr(res.err, "cgroup.kill is missing"));

        int status;
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        json_object_put(doc);
        run_result_free(&res);
        agent_tree_free(&t);
}

/* Kernel < 5.19: no memory.reclaim. The step is reported as unsupported
 * and a warning names the kernel version; nothing fails. */
static void test_reclaim_missing(void **state) {
        (void)state;
        struct agent_tree t;
        one_besteffort_pod(&t, 300000); /* ~7 %: below the reclaim watermark */
        char *p;
        assert_true(asprintf(&p, "%s/" BE_DIR "/memory.reclaim", t.cg) > 0);
        assert_int_equal(unlink(p), 0);
        free(p);

        struct run_result res;
        struct json_object *doc = once_act(&t, &res);
        struct json_object *a0 = json_object_array_get_idx(json_path(doc, "actions"), 0);
        assert_string_equal(json_object_get_string(json_path(a0, "action")), "reclaim");
        assert_string_equal(json_object_get_string(json_path(a0, "result")),
                            "unsupported: no memory.reclaim (kernel < 5.19)");
        assert_non_null(strstr(res.err, "memory.reclaim is missing (kernel < 5.19)"));
        json_object_put(doc);
        run_result_free(&res);
        agent_tree_free(&t);
}

struct daemon {
        struct agent_daemon d;
        char cg[600], proc[600], st[600], sock[600];
};

static void daemon_start(const struct agent_tree *t, struct daemon *dm, bool dry_run) {
        snprintf(dm->cg, sizeof(dm->cg), "--cgroup-root=%s", t->cg);
        snprintf(dm->proc, sizeof(dm->proc), "--proc-root=%s", t->proc);
        snprintf(dm->st, sizeof(dm->st), "--state-dir=%s", t->state);
        snprintf(dm->sock, sizeof(dm->sock), "%s/agent.sock", t->state);
        const char *argv[] = {"memqos-agent",
                              "run",
                              dm->cg,
                              dm->proc,
                              dm->st,
                              dry_run ? "--dry-run" : NULL,
                              NULL};
        agent_daemon_start(t, argv, &dm->d);
        assert_true(agent_wait_exists(dm->sock, 5000));
        assert_true(agent_wait_text(dm->d.err, "running:", 5000));
}

static void daemon_stop(struct daemon *dm) {
        assert_int_equal(kill(dm->d.pid, SIGTERM), 0);
        int status = agent_daemon_wait(&dm->d, 5000);
        assert_true(status != -1 && WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        agent_daemon_free(&dm->d);
}

static int64_t status_int(struct daemon *dm, const char *path) {
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "status", "--json", dm->st, NULL};
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        free(bin);
        assert_int_equal(WEXITSTATUS(res.status), 0);
        struct json_object *o = json_tokener_parse(res.out);
        assert_non_null(o);
        int64_t v = json_object_get_int64(json_path(o, path));
        json_object_put(o);
        run_result_free(&res);
        return v;
}

/* A Burstable pod with one container whose memory.min is 100 MiB. */
static void protected_pod(struct agent_tree *t, char **ret_pod, char **ret_container) {
        struct agent_tree_pod bu = {UID_BU,   "burstable", 300 * MIB, 200 * MIB, 100 * MIB,
                                    50 * MIB, 0,           0,         NULL};
        char *p = agent_tree_pod(t, AGENT_TREE_SYSTEMD, &bu);
        char *c = agent_tree_container(t, AGENT_TREE_SYSTEMD, p, CID, "500000000");
        char *rel;
        assert_true(asprintf(&rel, "%s/memory.min", c + 1) > 0);
        fstree_write(t->cg, rel, "104857600\n");
        free(rel);
        *ret_pod = p;
        *ret_container = c;
}

/* A runtime update rewrote the container's memory.high: the first
 * reconcile puts the record's value back and counts it. The container's
 * memory.min is carried up to the pod, QoS and kubepods levels. */
static void test_reconcile_and_propagate(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD); /* plenty of memory: no ladder */
        char *p, *c;
        protected_pod(&t, &p, &c);
        agent_tree_record(&t, CID, c, UID_BU, "web", "shop", "normal",
                          "\"memory.high\": \"400000000\", \"memory.min\": \"104857600\"");

        struct daemon dm;
        daemon_start(&t, &dm, false);
        assert_int_equal(status_int(&dm, "counters.reconciles"), 1);

        char *highrel;
        assert_true(asprintf(&highrel, "%s/memory.high", c + 1) > 0);
        char *v = fstree_read(t.cg, highrel);
        assert_non_null(v);
        assert_int_equal(strncmp(v, "400000000", 9), 0);
        free(v);
        static const char *const levels[] = {BU_DIR, "kubepods.slice/kubepods-burstable.slice",
                                             "kubepods.slice"};
        for (size_t i = 0; i < 3; i++) {
                char *rel;
                assert_true(asprintf(&rel, "%s/memory.min", levels[i]) > 0);
                v = fstree_read(t.cg, rel);
                assert_non_null(v);
                assert_int_equal(strncmp(v, "104857600", 9), 0);
                free(v);
                free(rel);
        }
        assert_int_equal(status_int(&dm, "counters.propagations"), 3);
        assert_true(agent_wait_text(dm.d.out, "\"action\":\"reconcile\"", 1000));
        assert_true(agent_wait_text(dm.d.out, "\"action\":\"propagate\"", 1000));
        daemon_stop(&dm);
        free(highrel);
        free(p);
        free(c);
        agent_tree_free(&t);
}

/* A pod cgroup the kubelet has not removed yet (cgroup.events "populated
 * 0") keeps its memory.min, but has nothing to protect: propagation carries
 * up the live pod's protection only, and leaves the leftover's own value. */
static void test_propagate_skips_leftover(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        char *p, *c, *rel;
        protected_pod(&t, &p, &c);
        assert_true(asprintf(&rel, "%s/cgroup.events", p + 1) > 0);
        fstree_write(t.cg, rel, "populated 1\nfrozen 0\n");
        free(rel);
        struct agent_tree_pod gone = {"0d0d0d0d-1111-4222-8333-444444444444",
                                      "burstable",
                                      8 * MIB,
                                      0,
                                      8 * MIB,
                                      8 * MIB,
                                      300 * MIB,
                                      0,
                                      NULL};
        char *g = agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &gone);
        assert_true(asprintf(&rel, "%s/cgroup.events", g + 1) > 0);
        fstree_write(t.cg, rel, "populated 0\nfrozen 0\n");
        free(rel);
        agent_tree_record(&t, CID, c, UID_BU, "web", "shop", "normal",
                          "\"memory.min\": \"104857600\"");

        struct daemon dm;
        daemon_start(&t, &dm, false);
        static const char *const levels[] = {"kubepods.slice/kubepods-burstable.slice",
                                             "kubepods.slice"};
        for (size_t i = 0; i < 2; i++) {
                assert_true(asprintf(&rel, "%s/memory.min", levels[i]) > 0);
                char *v = fstree_read(t.cg, rel);
                assert_non_null(v);
                if (strtoull(v, NULL, 10) != 100 * MIB)
                        fail_msg("%s: %s (the leftover's 300 MiB counted?)", levels[i], v);
                free(v);
                free(rel);
        }
        assert_true(asprintf(&rel, "%s/memory.min", g + 1) > 0);
        char *v = fstree_read(t.cg, rel);
        assert_non_null(v);
        assert_int_equal(strtoull(v, NULL, 10), 300 * MIB); /* left as it was */
        free(v);
        free(rel);
        assert_int_equal(status_int(&dm, "counters.propagations"), 3);
        daemon_stop(&dm);
        free(p);
        free(c);
        free(g);
        agent_tree_free(&t);
}

/* memory.events changing wakes the loop through inotify. */
static void test_events_wakeup(void **state) {
        (void)state;
        struct agent_tree t;
        one_besteffort_pod(&t, 3000000);
        struct daemon dm;
        daemon_start(&t, &dm, true);
        assert_int_equal(status_int(&dm, "counters.wakeups.events"), 0);
        fstree_write(t.cg, BE_DIR "/memory.events",
                     "low 0\nhigh 5\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        int64_t n = 0;
        for (int i = 0; i < 100 && n == 0; i++) {
                n = status_int(&dm, "counters.wakeups.events");
                if (n == 0)
                        usleep(20000);
        }
        assert_true(n >= 1);
        daemon_stop(&dm);
        agent_tree_free(&t);
}

/* The decision state survives SIGKILL: after an action the agent saved
 * agent-state.json; a restarted agent restores it (same boot_id) and still
 * knows which pod it is acting on. A file from another boot is ignored, and
 * dry-run never writes one. */
static void test_state_survives_restart(void **state) {
        (void)state;
        struct agent_tree t;
        one_besteffort_pod(&t, 300000); /* ~7 %: the ladder starts */
        fstree_write(t.root, "proc/sys/kernel/random/boot_id",
                     "0b8a6c5e-1111-2222-3333-444455556666\n");
        char *path;
        assert_true(asprintf(&path, "%s/agent-state.json", t.state) > 0);

        struct daemon dm;
        daemon_start(&t, &dm, true);
        assert_true(agent_wait_text(dm.d.out, "\"action\":\"reclaim\"", 5000));
        daemon_stop(&dm);
        assert_false(agent_wait_exists(path, 0)); /* dry-run: nothing saved */

        daemon_start(&t, &dm, false);
        assert_true(agent_wait_exists(path, 5000));
        char *saved = agent_slurp(path);
        assert_non_null(strstr(saved, UID_BE));
        assert_non_null(strstr(saved, "0b8a6c5e-1111-2222-3333-444455556666"));
        free(saved);
        assert_int_equal(kill(dm.d.pid, SIGKILL), 0);
        assert_true(agent_daemon_wait(&dm.d, 5000) != -1);
        agent_daemon_free(&dm.d);

        char *sock;
        assert_true(asprintf(&sock, "%s/agent.sock", t.state) > 0);
        (void)unlink(sock); /* left behind by SIGKILL; the agent also copes */
        daemon_start(&t, &dm, false);
        assert_true(agent_wait_text(dm.d.err, "restored the decision state of 1 pods", 1000));
        daemon_stop(&dm);

        /* Another boot: ignored. */
        fstree_write(t.root, "proc/sys/kernel/random/boot_id",
                     "99999999-1111-2222-3333-444455556666\n");
        daemon_start(&t, &dm, true);
        assert_true(agent_wait_text(dm.d.err, "from another boot", 1000));
        daemon_stop(&dm);
        free(sock);
        free(path);
        agent_tree_free(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kill_fallback),
                cmocka_unit_test(test_reclaim_missing),
                cmocka_unit_test(test_reconcile_and_propagate),
                cmocka_unit_test(test_propagate_skips_leftover),
                cmocka_unit_test(test_events_wakeup),
                cmocka_unit_test(test_state_survives_restart),
        };
        return cmocka_run_group_tests_name("agent-act", tests, NULL, NULL);
}
