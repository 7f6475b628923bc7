/* SPDX-License-Identifier: MIT */
/* memqos-agent run on a fake tree, no memory pressure: between full scans
 * the agent keeps its pods current from inotify alone. A pod's
 * memory.events is read again only after an event on it (the others count
 * in events_unchanged); a pod created or removed joins or leaves the
 * snapshot without a full scan. tmpfs sends IN_MODIFY on a write as
 * cgroupfs does on a counter change; the pods are moved in and out with
 * rename(2), which cgroup v2 refuses but which makes them appear whole. */
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

static const char *const uids[4] = {
        "aaaaaaaa-2222-3333-4444-555555555555", "bbbbbbbb-2222-3333-4444-555555555555",
        "cccccccc-2222-3333-4444-555555555555", "dddddddd-2222-3333-4444-555555555555"};

struct daemon {
        struct agent_daemon d;
        char cg[600], proc[600], st[600], sock[600];
};

/* config: a --config=FILE option, or NULL. */
static void start_cfg(const struct agent_tree *t, struct daemon *dm, const char *config) {
        snprintf(dm->cg, sizeof(dm->cg), "--cgroup-root=%s", t->cg);
        snprintf(dm->proc, sizeof(dm->proc), "--proc-root=%s", t->proc);
        snprintf(dm->st, sizeof(dm->st), "--state-dir=%s", t->state);
        snprintf(dm->sock, sizeof(dm->sock), "%s/agent.sock", t->state);
        const char *argv[] = {"memqos-agent", "run",       dm->cg, dm->proc,
                              dm->st,         "--dry-run", config, NULL};
        agent_daemon_start(t, argv, &dm->d);
        assert_true(agent_wait_exists(dm->sock, 5000));
}

static void start(const struct agent_tree *t, struct daemon *dm) {
        start_cfg(t, dm, NULL);
}

static void stop(struct daemon *dm) {
        assert_int_equal(kill(dm->d.pid, SIGTERM), 0);
        int st = agent_daemon_wait(&dm->d, 5000);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        agent_daemon_free(&dm->d);
}

static struct json_object *ask(struct daemon *dm, const char *cmd, const char *arg) {
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, (char *)cmd, "--json", dm->st, (char *)arg, NULL};
        struct json_object *o = json_run(argv);
        free(bin);
        return o;
}

static int64_t status_int(struct daemon *dm, const char *path) {
        struct json_object *o = ask(dm, "status", NULL);
        int64_t v = json_object_get_int64(json_path(o, path));
        json_object_put(o);
        return v;
}

/* memory.events "high" of a pod as the agent last read it; -1: not known. */
static int64_t events_high(struct daemon *dm, const char *uid) {
        struct json_object *o = ask(dm, "explain", uid);
        struct json_object *v = json_path(o, "pod.events.high");
        int64_t r = v ? json_object_get_int64(v) : -1;
        json_object_put(o);
        return r;
}

static bool wait_high(struct daemon *dm, const char *uid, int64_t want) {
        for (int i = 0; i < 150; i++) {
                if (events_high(dm, uid) == want)
                        return true;
                usleep(20000);
        }
        return false;
}

static bool wait_pods(struct daemon *dm, int64_t want) {
        for (int i = 0; i < 150; i++) {
                if (status_int(dm, "pods") == want)
                        return true;
                usleep(20000);
        }
        return false;
}

static void set_high(const struct agent_tree *t, const char *pod, int n) {
        char *f, body[128];
        assert_true(asprintf(&f, "%s/memory.events", pod + 1) > 0);
        snprintf(body, sizeof(body), "low 0\nhigh %d\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
                 n);
        fstree_write(t->cg, f, body);
        free(f);
}

static char *pod(const struct agent_tree *t, int i) {
        struct agent_tree_pod p = {uids[i], "besteffort", 64 * MIB, 32 * MIB, 32 * MIB, 16 * MIB, 0,
                                   0,       NULL};
        return agent_tree_pod(t, AGENT_TREE_SYSTEMD, &p);
}

/* Three pods: after an event on one, that one is read again and the other
 * two are not (their files had no event); no full scan after the first. */
static void test_only_changed_events_reread(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        agent_tree_node(&t, 4194304, 3000000, 0.0);
        char *p[3];
        for (int i = 0; i < 3; i++)
                p[i] = pod(&t, i);
        struct daemon dm;
        start(&t, &dm);
        assert_int_equal(status_int(&dm, "counters.full_scans"), 1);

        /* Watched after the first scan: every pod counts as changed once. */
        set_high(&t, p[1], 7);
        assert_true(wait_high(&dm, uids[1], 7));
        int64_t unchanged = status_int(&dm, "counters.events_unchanged");

        set_high(&t, p[0], 3);
        assert_true(wait_high(&dm, uids[0], 3));
        assert_int_equal(events_high(&dm, uids[1]), 7);
        assert_int_equal(events_high(&dm, uids[2]), 0);
        /* Pods 1 and 2 had no event since they were read. */
        assert_true(status_int(&dm, "counters.events_unchanged") >= unchanged + 2);

        /* Pod 2's file changes behind inotify's back (a new inode renamed
         * over it; a second link keeps the watched one, so no event): the
         * next wakeup does not read it, which shows unchanged pods are not
         * read. A full scan (every SCAN_FULL_MS) would. */
        char *ev, *keep, *fresh;
        assert_true(asprintf(&ev, "%s%s/memory.events", t.cg, p[2]) > 0);
        assert_true(asprintf(&keep, "%s.keep", ev) > 0);
        assert_true(asprintf(&fresh, "%s%s/memory.events.new", p[2] + 1, "") > 0);
        assert_int_equal(link(ev, keep), 0);
        fstree_write(t.cg, fresh, "low 0\nhigh 5\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        free(fresh);
        assert_true(asprintf(&fresh, "%s%s/memory.events.new", t.cg, p[2]) > 0);
        assert_int_equal(rename(fresh, ev), 0);
        set_high(&t, p[1], 9);
        assert_true(wait_high(&dm, uids[1], 9));
        assert_int_equal(events_high(&dm, uids[2]), 0);
        assert_int_equal(status_int(&dm, "counters.full_scans"), 1);
        assert_true(status_int(&dm, "counters.partial_scans") >= 3);
        stop(&dm);
        free(ev);
        free(keep);
        free(fresh);
        for (int i = 0; i < 3; i++)
                free(p[i]);
        agent_tree_free(&t);
}

/* A pod moved into the QoS directory joins the snapshot, one moved out
 * leaves it; its memory.events is then watched like the others'. */
static void test_pods_come_and_go(void **state) {
        (void)state;
        struct agent_tree t, stage;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        agent_tree_new(&stage, AGENT_TREE_SYSTEMD);
        agent_tree_node(&t, 4194304, 3000000, 0.0);
        char *p0 = pod(&t, 0), *p1 = pod(&t, 1);
        char *p3 = pod(&stage, 3); /* same relative path, other tree */
        struct daemon dm;
        start(&t, &dm);
        assert_int_equal(status_int(&dm, "pods"), 2);

        char *from, *to;
        assert_true(asprintf(&from, "%s%s", stage.cg, p3) > 0);
        assert_true(asprintf(&to, "%s%s", t.cg, p3) > 0);
        assert_int_equal(rename(from, to), 0);
        assert_true(wait_pods(&dm, 3));
        assert_true(events_high(&dm, uids[3]) == 0);
        set_high(&t, p3, 4);
        assert_true(wait_high(&dm, uids[3], 4));

        assert_int_equal(rename(to, from), 0);
        assert_true(wait_pods(&dm, 2));
        char *bin = runbin_path("memqos-agent");
        char *argv[] = {bin, "explain", dm.st, (char *)uids[3], NULL};
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        assert_int_not_equal(WEXITSTATUS(res.status), 0);
        assert_non_null(strstr(res.err, "in the last scan (2 pods)"));
        run_result_free(&res);
        free(bin);
        assert_int_equal(status_int(&dm, "counters.full_scans"), 1);
        stop(&dm);
        free(from);
        free(to);
        free(p0);
        free(p1);
        free(p3);
        agent_tree_free(&stage);
        agent_tree_free(&t);
}

static const char *const others[5] = {
        "e0000000-2222-3333-4444-555555555555", "e1000000-2222-3333-4444-555555555555",
        "e2000000-2222-3333-4444-555555555555", "e3000000-2222-3333-4444-555555555555",
        "e4000000-2222-3333-4444-555555555555"};

/* No kill on old usage: pod 0 grows past five others without any event,
 * then MemAvailable falls below the kill watermark. By the last figures the
 * five are larger and fill the refresh's candidates, so pod 0 is not read
 * with them; the agent reads usage again before the kill and kills pod 0. */
static void test_kill_reads_usage_first(void **state) {
        (void)state;
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        agent_tree_node(&t, 4194304, 3000000, 0.0);
        struct agent_tree_pod small = {
                uids[0], "besteffort", 100 * MIB, 80 * MIB, 20 * MIB, 10 * MIB, 0, 0, NULL};
        char *p0 = agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &small);
        for (int i = 0; i < 5; i++) {
                struct agent_tree_pod big = {others[i], "besteffort", 600 * MIB, 500 * MIB,
                                             100 * MIB, 80 * MIB,     0,         0,
                                             NULL};
                free(agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &big));
        }
        struct daemon dm;
        start(&t, &dm);

        char *f;
        agent_tree_set_current(&t, p0, 2147483648ULL);
        assert_true(asprintf(&f, "%s/memory.stat", p0 + 1) > 0);
        fstree_write(t.cg, f,
                     "anon 2040109465\nfile 107374182\nactive_file 0\n"
                     "inactive_file 0\nshmem 0\n");
        free(f);
        agent_tree_node(&t, 4194304, 100000, 0.0); /* 2.4 %: below the 4 % kill line */
        assert_true(agent_wait_text(dm.d.out, "\"action\":\"kill\"", 5000));
        char *out = agent_slurp(dm.d.out);
        char *kill_line = strstr(out, "\"action\":\"kill\"");
        while (kill_line > out && kill_line[-1] != '\n')
                kill_line--;
        char *eol = strchr(kill_line, '\n');
        if (eol)
                *eol = '\0';
        assert_non_null(strstr(kill_line, uids[0]));
        free(out);
        assert_int_equal(status_int(&dm, "counters.full_scans"), 1);
        stop(&dm);
        free(p0);
        agent_tree_free(&t);
}

/* Twenty idle pods (1 MiB each) and a new pod that grows to 1 GiB: the
 * ladder acts on the new pod. Every usage pass reads the new pod first (it
 * was created lately) and bounds the others by what their QoS level has
 * left (20 MiB: none can outrank it), so each pass reads one file, not
 * twenty-one, though the idle pods come first by the last figures. */
static void test_usage_bounded_by_parent(void **state) {
        (void)state;
        struct agent_tree t, stage;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        agent_tree_new(&stage, AGENT_TREE_SYSTEMD);
        agent_tree_node(&t, 4194304, 3000000, 0.0);
        char uid[40];
        for (int i = 0; i < 20; i++) {
                snprintf(uid, sizeof(uid), "0%07d-2222-3333-4444-555555555555", i);
                struct agent_tree_pod idle = {uid, "besteffort", 1 * MIB, 1 * MIB, 0, 0, 0,
                                              0,   NULL};
                free(agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &idle));
        }
        struct agent_tree_pod fresh = {uids[3], "besteffort", 0, 0, 0, 0, 0, 0, NULL};
        char *p3 = agent_tree_pod(&stage, AGENT_TREE_SYSTEMD, &fresh);
        /* No kill line: MemAvailable drops here from 73 % to 7 % between two
         * reads, which the agent rightly reads as a fill of GiB/s and the
         * headroom critical (a kill); this test is about the usage pass. */
        fstree_write(t.root, "agent.json",
                     "{\"ladder\": {\"step_interval_ms\": 5000}, \"watermarks\": {\"kill_pct\": "
                     "0}}\n");
        char cfg[600];
        snprintf(cfg, sizeof(cfg), "--config=%s/agent.json", t.root);
        struct daemon dm;
        start_cfg(&t, &dm, cfg);

        char *from, *to, *stat;
        assert_true(asprintf(&from, "%s%s", stage.cg, p3) > 0);
        assert_true(asprintf(&to, "%s%s", t.cg, p3) > 0);
        assert_int_equal(rename(from, to), 0);
        assert_true(wait_pods(&dm, 21));
        agent_tree_set_current(&t, p3, 1024 * MIB);
        assert_true(asprintf(&stat, "%s/memory.stat", p3 + 1) > 0);
        fstree_write(t.cg, stat,
                     "anon 1073741824\nfile 0\nactive_file 0\ninactive_file 0\nshmem 0\n");
        agent_tree_node(&t, 4194304, 300000, 0.0); /* 7 %: below the reclaim line */
        int64_t passes0 = status_int(&dm, "counters.usage_passes");
        int64_t reads0 = status_int(&dm, "counters.usage_reads");
        assert_true(agent_wait_text(dm.d.out, "\"action\":\"set-high\"", 5000));
        usleep(500000); /* watermark ticks: a usage pass after each decision */
        /* Reads before passes here (passes before reads above): a pass
         * that lands between the two status calls then counts on the passes'
         * side only, never as reads without their pass. */
        int64_t reads = status_int(&dm, "counters.usage_reads") - reads0;
        int64_t passes = status_int(&dm, "counters.usage_passes") - passes0;
        /* The pass before the first step and one after each decision, each
         * reading the new pod only. */
        assert_true(reads >= 1);
        assert_true(reads <= passes + 1);
        char *out = agent_slurp(dm.d.out);
        assert_non_null(strstr(out, uids[3]));
        assert_null(strstr(out, "00000000-2222"));
        free(out);
        stop(&dm);
        free(from);
        free(to);
        free(stat);
        free(p3);
        agent_tree_free(&stage);
        agent_tree_free(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_only_changed_events_reread),
                cmocka_unit_test(test_pods_come_and_go),
                cmocka_unit_test(test_kill_reads_usage_first),
                cmocka_unit_test(test_usage_bounded_by_parent),
        };
        return cmocka_run_group_tests_name("agent-events", tests, NULL, NULL);
}
