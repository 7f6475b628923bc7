/* SPDX-License-Identifier: MIT */
/* The kind of cgroup host, end to end: on a cgroup v1 host, a hybrid one, or
 * cgroup2 without the memory controller the hook warns once, exits 0 and
 * writes nothing (the container starts), and the agent refuses to start
 * with one line. Fake trees stand in for the mounts (a temp dir is no
 * cgroup2 mount: MEMQOS_ASSUME_CGROUP2 says which one is); the real hybrid
 * hierarchy is the VM scenario hook-hybrid's, and this host's own
 * /sys/fs/cgroup is used when it is hybrid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <linux/magic.h>

#include <cmocka.h>

#include "agent_tree.h"
#include "fstree.h"
#include "runbin.h"

#define POD_UID "6f1d3c2a-9b8e-4f70-a1c2-3d4e5f60718a"
#define CID     "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"

struct node {
        struct agent_tree t;
        char *state_json;
};

static void node_new(struct node *n) {
        agent_tree_new(&n->t, AGENT_TREE_SYSTEMD);
        agent_tree_node(&n->t, 4194304, 2097152, 0.0);
        const struct agent_tree_pod pod = {.uid = POD_UID, .qos = "burstable", .current = 1 << 20};
        char *pod_path = agent_tree_pod(&n->t, AGENT_TREE_SYSTEMD, &pod);
        char *cg = agent_tree_container(&n->t, AGENT_TREE_SYSTEMD, pod_path, CID, NULL);
        char text[1024];
        snprintf(text, sizeof(text), "0::%s\n", cg);
        fstree_write(n->t.proc, "4242/cgroup", text);
        assert_true(asprintf(&n->state_json,
                             "{\"id\":\"" CID "\",\"pid\":4242,\"status\":\"creating\","
                             "\"annotations\":{\"io.kubernetes.cri.container-name\":\"app\","
                             "\"memqos.io/memory-min\":\"64Mi\"}}") > 0);
        free(pod_path);
        free(cg);
}

static void node_free(struct node *n) {
        free(n->state_json);
        agent_tree_free(&n->t);
}

/* The hook on the node with root as its cgroup root: exit 0, exactly one
 * warning line containing `expect`, nothing written anywhere in the tree. */
static void hook_warns_and_writes_nothing(struct node *n, const char *root, const char *assume,
                                          const char *expect) {
        char *bin = runbin_path("memqos-hook");
        char *argv[] = {bin, "--cgroup-root", (char *)root, "--proc-root", n->t.proc,
                        "--state-dir", n->t.state, NULL};
        char *env[] = {(char *)assume, NULL};
        struct fstree_snapshot before, after;
        struct run_result r;
        fstree_snapshot(n->t.root, &before);
        runbin(argv, env, n->state_json, strlen(n->state_json), &r);
        fstree_snapshot(n->t.root, &after);
        assert_true(WIFEXITED(r.status));
        assert_int_equal(WEXITSTATUS(r.status), 0);
        char want[512];
        snprintf(want, sizeof(want), "memqos-hook: " CID ": warning: %s is %s; nothing applied\n",
                 root, expect);
        if (strcmp(r.err, want) != 0)
                fail_msg("stderr \"%s\", want \"%s\"", r.err, want);
        char *d = fstree_diff(&before, &after);
        assert_string_equal(d, "");
        free(d);
        fstree_snapshot_free(&before);
        fstree_snapshot_free(&after);
        run_result_free(&r);
        free(bin);
}

/* `memqos-agent once` with root as its cgroup root: exit 1, one line. */
static void agent_refuses(struct node *n, const char *root, const char *assume,
                          const char *expect) {
        char *bin = runbin_path("memqos-agent");
        char cgopt[600], procopt[600], stateopt[600];
        snprintf(cgopt, sizeof(cgopt), "--cgroup-root=%s", root);
        snprintf(procopt, sizeof(procopt), "--proc-root=%s", n->t.proc);
        snprintf(stateopt, sizeof(stateopt), "--state-dir=%s", n->t.state);
        char *argv[] = {bin, "once", cgopt, procopt, stateopt, NULL};
        char *env[] = {(char *)assume, NULL};
        struct run_result r;
        runbin(argv, env, "", 0, &r);
        assert_true(WIFEXITED(r.status));
        assert_int_equal(WEXITSTATUS(r.status), 1);
        char want[512];
        snprintf(want, sizeof(want),
                 "memqos-agent: %s is %s: memqos needs the unified cgroup v2 hierarchy with the "
                 "memory controller (see README, \"Hosts\")\n",
                 root, expect);
        if (strcmp(r.err, want) != 0)
                fail_msg("stderr \"%s\", want \"%s\"", r.err, want);
        assert_string_equal(r.out, "");
        run_result_free(&r);
        free(bin);
}

static const char V1[] = "not a cgroup2 mount (a cgroup v1 host)";
static const char NO_MEMORY[] = "a cgroup2 mount without the memory controller (its "
                                "cgroup.controllers does not list memory)";
static const char HYBRID[] = "a hybrid cgroup host (cgroup v1 controllers, cgroup2 at unified/ "
                             "without them)";

/* A v1 host: the root is no cgroup2 mount (v1 controller directories). */
static void test_v1_host(void **state) {
        (void)state;
        struct node n;
        node_new(&n);
        fstree_mkdirs(n.t.cg, "memory");
        fstree_mkdirs(n.t.cg, "cpu,cpuacct");
        hook_warns_and_writes_nothing(&n, n.t.cg, "MEMQOS_ASSUME_CGROUP2=0", V1);
        agent_refuses(&n, n.t.cg, "MEMQOS_ASSUME_CGROUP2=0", V1);
        node_free(&n);
}

/* cgroup2 whose memory controller is elsewhere (bound to v1, or not
 * enabled): the root's cgroup.controllers does not list it. */
static void test_cgroup2_without_memory(void **state) {
        (void)state;
        struct node n;
        node_new(&n);
        fstree_write(n.t.cg, "cgroup.controllers", "cpuset cpu io pids\n");
        hook_warns_and_writes_nothing(&n, n.t.cg, "MEMQOS_ASSUME_CGROUP2=1", NO_MEMORY);
        agent_refuses(&n, n.t.cg, "MEMQOS_ASSUME_CGROUP2=1", NO_MEMORY);
        /* and with no cgroup.controllers at all */
        char *p = NULL;
        assert_true(asprintf(&p, "%s/cgroup.controllers", n.t.cg) > 0);
        assert_int_equal(unlink(p), 0);
        free(p);
        hook_warns_and_writes_nothing(&n, n.t.cg, "MEMQOS_ASSUME_CGROUP2=1", NO_MEMORY);
        node_free(&n);
}

/* The word "memory" must be a controller's whole name. */
static void test_memory_prefix_is_not_memory(void **state) {
        (void)state;
        struct node n;
        node_new(&n);
        fstree_write(n.t.cg, "cgroup.controllers", "cpu memoryx pids\n");
        hook_warns_and_writes_nothing(&n, n.t.cg, "MEMQOS_ASSUME_CGROUP2=1", NO_MEMORY);
        node_free(&n);
}

static bool is_fs(const char *path, long magic) {
        struct statfs s;
        return statfs(path, &s) == 0 && s.f_type == magic;
}

/* A hybrid host: this machine's own /sys/fs/cgroup when it is one (the VM
 * scenario hook-hybrid lays one out on every run). Read only: the hook and
 * the agent stop before writing anything. */
static void test_hybrid_host(void **state) {
        (void)state;
        if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) ||
            !is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) {
                print_message("this host's /sys/fs/cgroup is not hybrid: covered by the VM "
                              "scenario hook-hybrid only\n");
                skip();
        }
        struct node n;
        node_new(&n);
        hook_warns_and_writes_nothing(&n, "/sys/fs/cgroup", "MEMQOS_ASSUME_CGROUP2=0", HYBRID);
        agent_refuses(&n, "/sys/fs/cgroup", "MEMQOS_ASSUME_CGROUP2=0", HYBRID);
        node_free(&n);
}

/* The cheap path stays cheap: a container without memqos annotations is
 * not looked at, whatever the host. */
static void test_no_annotations_silent(void **state) {
        (void)state;
        struct node n;
        node_new(&n);
        free(n.state_json);
        assert_true(asprintf(&n.state_json, "{\"id\":\"" CID "\",\"pid\":4242,\"annotations\":"
                                            "{\"io.kubernetes.cri.container-name\":\"app\"}}") > 0);
        char *bin = runbin_path("memqos-hook");
        char *argv[] = {bin, "--cgroup-root", n.t.cg, "--proc-root", n.t.proc, "--state-dir",
                        n.t.state, NULL};
        char *env[] = {"MEMQOS_ASSUME_CGROUP2=0", NULL};
        struct run_result r;
        runbin(argv, env, n.state_json, strlen(n.state_json), &r);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        assert_string_equal(r.err, "");
        run_result_free(&r);
        free(bin);
        node_free(&n);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_v1_host),
                cmocka_unit_test(test_cgroup2_without_memory),
                cmocka_unit_test(test_memory_prefix_is_not_memory),
                cmocka_unit_test(test_hybrid_host),
                cmocka_unit_test(test_no_annotations_silent),
        };
        return cmocka_run_group_tests_name("cgroup hosts", tests, NULL, NULL);
}
