/* SPDX-License-Identifier: MIT */
/* The built memqos-hook against temp trees shaped like /sys/fs/cgroup and
 * /proc, fed states as runc and crun send them. Every test snapshots the
 * whole tree (cgroups, proc, state dir) before and after and asserts exactly
 * which files changed. The kernel's own checks are not here (a fake tree
 * accepts any text): tests/vm/ runs the same hook against a real kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fstree.h"
#include "runbin.h"

#define POD_UID  "0f7e3a52-9c1d-4b7e-8a55-2d4c1b9e6f01"
#define POD_SYSD "0f7e3a52_9c1d_4b7e_8a55_2d4c1b9e6f01"
#define CID      "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
#define PID      "4242"
#define CG_FS    "/kubepods/burstable/pod" POD_UID "/" CID
#define CG_SYSD                                                                                    \
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_SYSD                 \
        ".slice/crio-" CID ".scope"

struct fixture {
        char *root; /* holds cg/, proc/, state/, policy.json */
        char *cg, *proc, *state, *policy;
        struct fstree_snapshot before;
};

static char *path_in(const char *root, const char *rel) {
        char *p;
        if (asprintf(&p, "%s/%s", root, rel) < 0)
                abort();
        return p;
}

/* A container cgroup as the kernel shows one: the knobs at their defaults. */
static void make_cgroup(struct fixture *f, const char *cgpath, const char *memory_max) {
        static const char *const defaults[][2] = {
                {"memory.high", "max\n"},     {"memory.low", "0\n"},
                {"memory.min", "0\n"},        {"memory.oom.group", "0\n"},
                {"memory.swap.max", "max\n"}, {"memory.current", "1048576\n"},
                {"cgroup.procs", PID "\n"},   {"memory.events", "low 0\nhigh 0\nmax 0\n"},
        };
        char rel[1024], val[64];
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
                snprintf(rel, sizeof(rel), "%s/%s", cgpath + 1, defaults[i][0]);
                fstree_write(f->cg, rel, defaults[i][1]);
        }
        snprintf(rel, sizeof(rel), "%s/memory.max", cgpath + 1);
        snprintf(val, sizeof(val), "%s\n", memory_max);
        fstree_write(f->cg, rel, val);
}

static void set_proc_cgroup(struct fixture *f, const char *content) {
        fstree_write(f->proc, PID "/cgroup", content);
}

#define PERMISSIVE_POLICY                                                                          \
        "{\"default\": {\"knobs\": [\"memory-high\", \"memory-low\", \"memory-min\", "             \
        "\"swap-max\", \"oom-group\", \"priority\"]}}\n"

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        f->root = fstree_mkdtemp();
        f->cg = path_in(f->root, "cg");
        f->proc = path_in(f->root, "proc");
        f->state = path_in(f->root, "state");
        f->policy = path_in(f->root, "policy.json");
        /* The grammar tests below ask for every knob, swap-max included; the
         * node policy's own tests (test_policy.c) use the built-in policy
         * and their own files. */
        fstree_write(f->root, "policy.json", PERMISSIVE_POLICY);
        fstree_mkdirs(f->root, "cg");
        fstree_mkdirs(f->root, "proc");
        fstree_mkdirs(f->root, "state");
        fstree_write(f->cg, "cgroup.controllers", "cpu memory pids\n");
        make_cgroup(f, CG_FS, "536870912");
        set_proc_cgroup(f, "0::" CG_FS "\n");
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

/* A state text: containerd-style annotations unless `annotations` is given
 * whole. `extra` is spliced in at the top level (e.g. crun's "root"). */
static char *make_state(const char *status, const char *extra, const char *annotations) {
        char *s;
        if (asprintf(&s,
                     "{\"ociVersion\":\"1.0.2\",\"id\":\"" CID "\",\"status\":\"%s\","
                     "\"pid\":" PID ",\"bundle\":\"/run/containerd/io.containerd.runtime.v2.task/"
                     "k8s.io/" CID "\"%s%s,\"annotations\":{%s}}",
                     status, extra ? "," : "", extra ? extra : "", annotations) < 0)
                abort();
        return s;
}

#define CONTAINERD_META                                                                            \
        "\"io.kubernetes.cri.container-type\":\"container\","                                      \
        "\"io.kubernetes.cri.container-name\":\"app\","                                            \
        "\"io.kubernetes.cri.sandbox-name\":\"web-0\","                                            \
        "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","                                        \
        "\"io.kubernetes.cri.sandbox-uid\":\"" POD_UID "\""

#define FULL_SET                                                                                   \
        "\"memqos.io/memory-high\":\"90%\",\"memqos.io/memory-low\":\"128Mi\","                    \
        "\"memqos.io/memory-min\":\"64Mi\",\"memqos.io/oom-group\":\"false\","                     \
        "\"memqos.io/swap-max\":\"0\",\"memqos.io/priority\":\"low\""

/* 90% of 536870912 = 483183820.8 -> floor 483183820 -> page-aligned 483180544 */
#define HIGH_90 "483180544"

static struct run_result run_hook(struct fixture *f, const char *state_text, size_t len,
                                  const char *extra_arg) {
        char *bin = runbin_path("memqos-hook");
        char *argv[] = {bin,      "--cgroup-root",   f->cg,     "--proc-root",
                        f->proc,  "--policy",        f->policy, "--state-dir",
                        f->state, (char *)extra_arg, NULL};
        struct run_result r;
        fstree_snapshot(f->root, &f->before);
        runbin(argv, NULL, state_text, len, &r);
        free(bin);
        /* Whatever the input, the hook exits; it never dies by a signal. */
        assert_true(WIFEXITED(r.status));
        return r;
}

static int exit_code(const struct run_result *r) {
        return WEXITSTATUS(r->status);
}

/* The differences since run_hook's snapshot, ignoring the record file
 * (checked separately) when skip_record is set. */
static char *changes(struct fixture *f, int skip_record) {
        struct fstree_snapshot after;
        fstree_snapshot(f->root, &after);
        if (skip_record)
                for (size_t i = 0; i < after.n; i++)
                        if (strstr(after.v[i].path, "state/containers"))
                                after.v[i].type = 'x';
        for (size_t i = 0; skip_record && i < after.n;) {
                if (after.v[i].type == 'x') {
                        free(after.v[i].path);
                        free(after.v[i].content);
                        memmove(&after.v[i], &after.v[i + 1],
                                (after.n - i - 1) * sizeof(after.v[0]));
                        after.n--;
                } else
                        i++;
        }
        char *d = fstree_diff(&f->before, &after);
        fstree_snapshot_free(&after);
        fstree_snapshot_free(&f->before);
        return d;
}

#define CHANGED(cg, file, from, to) "changed cg" cg "/" file ": '" from "' -> '" to "'\n"

static const char *const full_set_changes = CHANGED(CG_FS, "memory.high", "max\n", HIGH_90)
        CHANGED(CG_FS, "memory.low", "0\n", "134217728")
                CHANGED(CG_FS, "memory.min", "0\n", "67108864")
                        CHANGED(CG_FS, "memory.oom.group", "0\n", "0")
                                CHANGED(CG_FS, "memory.swap.max", "max\n", "0");

#include <json-c/json.h>

static const char *jstr(struct json_object *o, const char *path) {
        /* "a.b" one level of nesting is enough for the record */
        char key[64];
        const char *dot = strchr(path, '.');
        struct json_object *v;
        if (dot) {
                snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
                if (!json_object_object_get_ex(o, key, &o))
                        return NULL;
                path = dot + 1;
        }
        if (!json_object_object_get_ex(o, path, &v))
                return NULL;
        return json_object_get_string(v);
}

static struct json_object *load_record(struct fixture *f) {
        char *text = fstree_read(f->state, "containers/" CID ".json");
        assert_non_null(text);
        struct json_object *o = json_tokener_parse(text);
        free(text);
        assert_non_null(o);
        return o;
}

static void assert_no_record(struct fixture *f) {
        char *text = fstree_read(f->state, "containers/" CID ".json");
        assert_null(text);
}

static void test_runc_containerd_full_set(void **state) {
        struct fixture *f = *state;
        char *st = make_state("creating", NULL, CONTAINERD_META "," FULL_SET);
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        assert_string_equal(r.err, "");
        char *d = changes(f, 1);
        assert_string_equal(d, full_set_changes);

        struct json_object *rec = load_record(f);
        assert_string_equal(jstr(rec, "id"), CID);
        assert_string_equal(jstr(rec, "pid"), PID);
        assert_string_equal(jstr(rec, "cgroup"), CG_FS);
        assert_string_equal(jstr(rec, "pod.uid"), POD_UID);
        assert_string_equal(jstr(rec, "pod.name"), "web-0");
        assert_string_equal(jstr(rec, "pod.namespace"), "shop");
        assert_string_equal(jstr(rec, "container"), "app");
        assert_string_equal(jstr(rec, "qos"), "burstable");
        assert_string_equal(jstr(rec, "priority"), "low");
        assert_string_equal(jstr(rec, "annotations.memqos.io/memory-high"), "90%");
        assert_string_equal(jstr(rec, "applied.memory.high"), HIGH_90);
        assert_string_equal(jstr(rec, "applied.memory.low"), "134217728");
        assert_string_equal(jstr(rec, "applied.memory.min"), "67108864");
        assert_string_equal(jstr(rec, "applied.memory.oom.group"), "0");
        assert_string_equal(jstr(rec, "applied.memory.swap.max"), "0");
        assert_non_null(jstr(rec, "time"));
        json_object_put(rec);
        free(d);
        free(st);
        run_result_free(&r);
}

/* crun on cgroup v2 with systemd cgroups runs the process in a "container"
 * sub-cgroup of the scope; the knobs go on the scope, beside memory.max. */
static void test_crun_systemd_subgroup_crio(void **state) {
        struct fixture *f = *state;
        make_cgroup(f, CG_SYSD, "268435456");
        make_cgroup(f, CG_SYSD "/container", "max");
        set_proc_cgroup(f, "0::" CG_SYSD "/container\n");
        const char *annots = "\"io.kubernetes.cri-o.ContainerType\":\"container\","
                             "\"io.kubernetes.container.name\":\"db\","
                             "\"io.kubernetes.pod.name\":\"db-0\","
                             "\"io.kubernetes.pod.namespace\":\"data\","
                             "\"io.kubernetes.pod.uid\":\"" POD_UID "\","
                             "\"memqos.io/memory-high\":\"50%\","
                             "\"memory-min.memqos.io/db\":\"32Mi\"";
        char *st = make_state("created", "\"root\":\"/run/crun\"", annots);
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        char *d = changes(f, 1);
        assert_string_equal(d, CHANGED(CG_SYSD, "memory.high", "max\n", "134217728")
                                       CHANGED(CG_SYSD, "memory.min", "0\n", "33554432"));
        struct json_object *rec = load_record(f);
        assert_string_equal(jstr(rec, "cgroup"), CG_SYSD);
        assert_string_equal(jstr(rec, "container"), "db");
        assert_string_equal(jstr(rec, "pod.name"), "db-0");
        assert_string_equal(jstr(rec, "qos"), "burstable");
        assert_string_equal(jstr(rec, "priority"), "normal");
        json_object_put(rec);
        free(d);
        free(st);
        run_result_free(&r);
}

/* CRI-O passes every pod annotation, including kubectl's copy of the whole
 * object; the hook must stream past it. */
static void test_crio_huge_last_applied(void **state) {
        struct fixture *f = *state;
        size_t big = 512 * 1024;
        char *filler = malloc(big + 1);
        for (size_t i = 0; i < big; i++)
                filler[i] = (char)('a' + i % 26);
        filler[big] = '\0';
        char *annots;
        assert_true(asprintf(&annots,
                             "\"kubectl.kubernetes.io/last-applied-configuration\":\"%s\","
                             "\"io.kubernetes.container.name\":\"app\","
                             "\"io.kubernetes.pod.uid\":\"" POD_UID "\",%s",
                             filler, FULL_SET) > 0);
        char *st = make_state("creating", NULL, annots);
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        char *d = changes(f, 1);
        assert_string_equal(d, full_set_changes);
        struct json_object *rec = load_record(f);
        assert_null(jstr(rec, "annotations.kubectl.kubernetes.io/last-applied-configuration"));
        json_object_put(rec);
        free(d);
        free(st);
        free(annots);
        free(filler);
        run_result_free(&r);
}

static void test_legacy_bundle_path(void **state) {
        struct fixture *f = *state;
        const char *st = "{\"ociVersion\":\"1.0.0\",\"id\":\"" CID "\",\"status\":\"created\","
                         "\"pid\":" PID ",\"bundlePath\":\"/b\",\"annotations\":{"
                         "\"memqos.io/memory-high\":\"256Mi\"}}";
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        char *d = changes(f, 1);
        assert_string_equal(d, CHANGED(CG_FS, "memory.high", "max\n", "268435456"));
        free(d);
        run_result_free(&r);
}

static void test_per_container_override(void **state) {
        struct fixture *f = *state;
        char *st = make_state("creating", NULL,
                              CONTAINERD_META ",\"memory-high.memqos.io/app\":\"200Mi\","
                                              "\"memqos.io/memory-high\":\"300Mi\","
                                              "\"memory-high.memqos.io/sidecar\":\"10Mi\"");
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        char *d = changes(f, 1);
        assert_string_equal(d, CHANGED(CG_FS, "memory.high", "max\n", "209715200"));
        free(d);
        free(st);
        run_result_free(&r);
}

static void assert_noop(struct fixture *f, const char *st, const char *expect_err) {
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        if (expect_err)
                assert_non_null(strstr(r.err, expect_err));
        else
                assert_string_equal(r.err, "");
        char *d = changes(f, 0);
        assert_string_equal(d, "");
        free(d);
        run_result_free(&r);
}

static void test_sandbox_containerd(void **state) {
        char *st = make_state("creating", NULL,
                              "\"io.kubernetes.cri.container-type\":\"sandbox\"," FULL_SET);
        assert_noop(*state, st, NULL);
        free(st);
}

static void test_sandbox_crio(void **state) {
        char *st = make_state("creating", NULL,
                              "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\"," FULL_SET);
        assert_noop(*state, st, NULL);
        free(st);
}

static void test_no_memqos_annotations(void **state) {
        char *st = make_state("creating", NULL, CONTAINERD_META ",\"foo.io/memory-high\":\"1\"");
        assert_noop(*state, st, NULL);
        free(st);
}

static void test_only_other_containers(void **state) {
        char *st = make_state("creating", NULL,
                              CONTAINERD_META ",\"memory-high.memqos.io/other\":\"100Mi\"");
        assert_noop(*state, st, NULL);
        assert_no_record(*state);
        free(st);
}

static void test_cgroup_v1_host(void **state) {
        struct fixture *f = *state;
        set_proc_cgroup(f, "12:memory:/kubepods/x\n1:name=systemd:/kubepods/x\n");
        char *st = make_state("creating", NULL, CONTAINERD_META "," FULL_SET);
        assert_noop(f, st, "warning: /proc/" PID "/cgroup has no cgroup v2");
        free(st);
}

/* A hybrid host: a "0::" line, but no memory controller on that hierarchy. */
static void test_no_memory_controller(void **state) {
        struct fixture *f = *state;
        fstree_mkdirs(f->cg, "hybrid/c1");
        set_proc_cgroup(f, "0::/hybrid/c1\n");
        char *st = make_state("creating", NULL, CONTAINERD_META "," FULL_SET);
        assert_noop(f, st, "has no memory.max: the memory controller is not enabled");
        free(st);
}

static void test_missing_swap_knob(void **state) {
        struct fixture *f = *state;
        char *p = path_in(f->cg, CG_FS "/memory.swap.max");
        assert_int_equal(unlink(p), 0);
        free(p);
        char *st = make_state("creating", NULL, CONTAINERD_META "," FULL_SET);
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        assert_non_null(strstr(r.err, "warning: the kernel has no memory.swap.max"));
        char *d = changes(f, 1);
        assert_string_equal(d, CHANGED(CG_FS, "memory.high", "max\n",
                                       HIGH_90) CHANGED(CG_FS, "memory.low", "0\n", "134217728")
                                       CHANGED(CG_FS, "memory.min", "0\n", "67108864")
                                               CHANGED(CG_FS, "memory.oom.group", "0\n", "0"));
        struct json_object *rec = load_record(f);
        assert_null(jstr(rec, "applied.memory.swap.max"));
        json_object_put(rec);
        free(d);
        free(st);
        run_result_free(&r);
}

static void test_env_configuration(void **state) {
        struct fixture *f = *state;
        char *bin = runbin_path("memqos-hook");
        char *argv[] = {bin, NULL};
        char *e1, *e2, *e3, *e4;
        assert_true(asprintf(&e1, "MEMQOS_CGROUP_ROOT=%s", f->cg) > 0);
        assert_true(asprintf(&e2, "MEMQOS_PROC_ROOT=%s", f->proc) > 0);
        assert_true(asprintf(&e3, "MEMQOS_STATE_DIR=%s", f->state) > 0);
        assert_true(asprintf(&e4, "MEMQOS_POLICY=%s", f->policy) > 0);
        char *env[] = {e1, e2, e3, e4, NULL};
        const char *st = "{\"id\":\"" CID "\",\"pid\":" PID ",\"annotations\":{"
                         "\"memqos.io/memory-min\":\"1Mi\"}}";
        struct run_result r;
        fstree_snapshot(f->root, &f->before);
        runbin(argv, env, st, strlen(st), &r);
        assert_true(WIFEXITED(r.status));
        assert_int_equal(WEXITSTATUS(r.status), 0);
        char *d = changes(f, 1);
        assert_string_equal(d, CHANGED(CG_FS, "memory.min", "0\n", "1048576"));
        free(d);
        run_result_free(&r);
        free(bin);
        free(e1);
        free(e2);
        free(e3);
        free(e4);
}

static void test_fail_open(void **state) {
        struct fixture *f = *state;
        char *st = make_state("creating", NULL,
                              CONTAINERD_META ",\"memqos.io/memory-high\":\"900Mb\"");
        struct run_result r = run_hook(f, st, strlen(st), "--fail-open");
        assert_int_equal(exit_code(&r), 0);
        assert_non_null(strstr(r.err, "warning: annotation memqos.io/memory-high: invalid "
                                      "quantity \"900Mb\""));
        char *d = changes(f, 0);
        assert_string_equal(d, "");
        free(d);
        free(st);
        run_result_free(&r);
}

/* ---- bad input: exit 1, one line on stderr naming the problem, nothing written ---- */

static void assert_rejected(struct fixture *f, const char *st, size_t len, const char *id,
                            const char *expect) {
        struct run_result r = run_hook(f, st, len, NULL);
        assert_int_equal(exit_code(&r), 1);
        char prefix[300];
        snprintf(prefix, sizeof(prefix), "memqos-hook: %s: ", id);
        if (strncmp(r.err, prefix, strlen(prefix)) != 0 || !strstr(r.err, expect))
                fail_msg("stderr \"%s\" lacks \"%s\" ... \"%s\"", r.err, prefix, expect);
        /* exactly one line */
        assert_non_null(strchr(r.err, '\n'));
        assert_string_equal(strchr(r.err, '\n'), "\n");
        char *d = changes(f, 0);
        assert_string_equal(d, "");
        free(d);
        run_result_free(&r);
}

static void reject_annotation(struct fixture *f, const char *annots, const char *expect) {
        char *st = make_state("creating", NULL, annots);
        assert_rejected(f, st, strlen(st), CID, expect);
        free(st);
}

/* `n` keys for other containers of the pod, then `tail` (comma-led). */
static char *many_annotations(int n, const char *tail) {
        size_t cap = (size_t)n * 48 + strlen(tail) + 512;
        char *a = malloc(cap);
        assert_non_null(a);
        size_t used = (size_t)snprintf(a, cap, "%s", CONTAINERD_META);
        for (int i = 0; i < n; i++)
                used += (size_t)snprintf(a + used, cap - used,
                                         ",\"memory-high.memqos.io/side%d\":\"100Mi\"", i);
        (void)snprintf(a + used, cap - used, "%s", tail);
        return a;
}

/* 64 memqos keys beside containerd's five: within the limit, applied. */
static void test_limit_counts_memqos_keys_only(void **state) {
        struct fixture *f = *state;
        char *annots = many_annotations(58, "," FULL_SET);
        char *st = make_state("creating", NULL, annots);
        struct run_result r = run_hook(f, st, strlen(st), NULL);
        assert_int_equal(exit_code(&r), 0);
        assert_string_equal(r.err, "");
        char *d = changes(f, 1);
        assert_string_equal(d, full_set_changes);
        free(d);
        free(st);
        free(annots);
        run_result_free(&r);
}

/* Over the state's limits: refused naming the container, and --fail-open
 * covers it (the container starts, nothing written). */
static void test_over_limits_fail_open(void **state) {
        struct fixture *f = *state;
        char *long_value = malloc(4200);
        assert_non_null(long_value);
        memset(long_value, '1', 4199);
        long_value[4199] = '\0';
        char tail[4300];
        (void)snprintf(tail, sizeof(tail), ",\"memqos.io/memory-min\":\"%s\"", long_value);
        char *too_many = many_annotations(65, "");
        char *too_long = many_annotations(0, tail);
        const struct {
                char *annots;
                const char *expect;
        } cases[] = {
                {too_many, "more than 64 memqos-related annotations"},
                {too_long, "a memqos annotation value is longer than 4096 bytes"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *st = make_state("creating", NULL, cases[i].annots);
                assert_rejected(f, st, strlen(st), CID, cases[i].expect);
                struct run_result r = run_hook(f, st, strlen(st), "--fail-open");
                assert_int_equal(exit_code(&r), 0);
                char expect[256];
                (void)snprintf(expect, sizeof(expect),
                               "memqos-hook: " CID ": warning: %s (--fail-open: nothing applied)\n",
                               cases[i].expect);
                assert_string_equal(r.err, expect);
                char *d = changes(f, 0);
                assert_string_equal(d, "");
                free(d);
                free(st);
                run_result_free(&r);
        }
        free(too_many);
        free(too_long);
        free(long_value);
}

static void test_bad_values(void **state) {
        static const struct {
                const char *annots, *expect;
        } cases[] = {
                {"\"memqos.io/memory-high\":\"900Mb\"", "invalid quantity \"900Mb\""},
                {"\"memqos.io/memory-high\":\"-1Gi\"", "\"-1Gi\": must not be negative"},
                {"\"memqos.io/memory-low\":\"0x10\"", "invalid quantity \"0x10\""},
                {"\"memqos.io/memory-min\":\"12.5.6M\"", "invalid quantity \"12.5.6M\""},
                {"\"memqos.io/memory-min\":\"\"", "empty quantity"},
                {"\"memqos.io/swap-max\":\"8Ei\"", "\"8Ei\" is too large"},
                {"\"memqos.io/swap-max\":\"50%\"", "a percentage applies only to"},
                {"\"memqos.io/memory-high\":\"101%\"", "expected a percentage from 0% to 100%"},
                {"\"memqos.io/oom-group\":\"yes\"", "expected \"true\" or \"false\""},
                {"\"memqos.io/priority\":\"urgent\"", "expected a priority tier"},
                {"\"memqos.io/memory-hihg\":\"1Gi\"",
                 "unknown annotation \"memqos.io/memory-hihg\""},
                {"\"memroy-high.memqos.io/app\":\"1Gi\"",
                 "unknown annotation \"memroy-high.memqos.io/app\""},
                {"\"memory-high.memqos.io/App\":\"1Gi\"", "\"App\" is not a container name"},
                {"\"memqos.io/memory-min\":\"256Mi\",\"memqos.io/memory-high\":\"128Mi\"",
                 "memqos.io/memory-min=256Mi (268435456) is above memqos.io/memory-high=128Mi "
                 "(134217728)"},
                {"\"memqos.io/memory-low\":\"1Gi\"",
                 "memqos.io/memory-low=1Gi (1073741824) is above the container's memory.max "
                 "(536870912)"},
                {"\"memqos.io/memory-high\":\"0\"", "resolves to 0 bytes"},
                {"\"memqos.io/memory-min\":\"max\"",
                 "memqos.io/memory-min=max is above the container's memory.max (536870912)"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char annots[512];
                snprintf(annots, sizeof(annots), CONTAINERD_META ",%s", cases[i].annots);
                reject_annotation(*state, annots, cases[i].expect);
        }
}

/* A value that tries to forge a second log line or rewrite the terminal:
 * one line on stderr, the value escaped (\n, \r, \x1b; a backslash doubled,
 * UTF-8 kept). */
static void test_message_escaped(void **state) {
        static const struct {
                const char *json_value, *shown;
        } cases[] = {
                {"1Gi\\nmemqos-hook: c1: applied memory.high=1Gi",
                 "invalid quantity \"1Gi\\nmemqos-hook: c1: applied memory.high=1Gi\""},
                {"\\r\\u001b[2K1Gi", "invalid quantity \"\\r\\x1b[2K1Gi\""},
                {"1\\\\nGi", "invalid quantity \"1\\\\nGi\""},
                {"1G\\u00fc\\u009b2K", "invalid quantity \"1G\xc3\xbc\\xc2\\x9b2K\""},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char annots[512];
                snprintf(annots, sizeof(annots), CONTAINERD_META ",\"memqos.io/memory-high\":\"%s\"",
                         cases[i].json_value);
                char *st = make_state("creating", NULL, annots);
                assert_rejected(*state, st, strlen(st), CID, cases[i].shown);
                free(st);
        }
}

static void test_percent_without_limit(void **state) {
        struct fixture *f = *state;
        fstree_write(f->cg, (CG_FS "/memory.max") + 1, "max\n");
        reject_annotation(f, CONTAINERD_META ",\"memqos.io/memory-high\":\"90%\"",
                          "a percentage needs a memory limit, but the container's memory.max is "
                          "\"max\"");
}

static void test_bad_state_json(void **state) {
        static const struct {
                const char *state, *id, *expect;
        } cases[] = {
                {"", "(unknown)", "the state is not valid JSON"},
                {"{\"id\":\"" CID "\",\"pid\":" PID ",\"annotations\":{\"memqos.io/memory-high\"",
                 "(unknown)", "the state is not valid JSON"},
                {"{\"id\":\"" CID "\",,}", "(unknown)", "the state is not valid JSON"},
                {"[1,2]", "(unknown)", "the state is a JSON array, expected an object"},
                {"{\"pid\":" PID "}", "(unknown)", "the state has no \"id\""},
                {"{\"id\":\"" CID "\",\"pid\":\"" PID "\"}", "(unknown)",
                 "\"pid\" is a string, expected an integer"},
                {"{\"id\":\"../../etc\",\"annotations\":{\"memqos.io/memory-high\":\"1Gi\"}}",
                 "(unknown)", "container id \"../../etc\" is not a valid id"},
                {"{\"id\":\"" CID "\",\"annotations\":{\"memqos.io/memory-high\":\"1Gi\"}}", CID,
                 "the state has no \"pid\""},
                {"{\"id\":\"" CID "\",\"pid\":-5,\"annotations\":{\"memqos.io/memory-high\":"
                 "\"1Gi\"}}",
                 CID, "pid -5 is not a process id"},
                {"{\"id\":\"" CID "\",\"pid\":9999,\"annotations\":{\"memqos.io/memory-high\":"
                 "\"1Gi\"}}",
                 CID, "cannot read /proc/9999/cgroup"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_rejected(*state, cases[i].state, strlen(cases[i].state), cases[i].id,
                                cases[i].expect);
}

static void test_state_too_large(void **state) {
        size_t len = 8 * 1024 * 1024 + 64;
        char *st = malloc(len + 1);
        const char *head = "{\"id\":\"" CID "\",\"x\":\"";
        memset(st, 'a', len);
        memcpy(st, head, strlen(head));
        memcpy(st + len - 2, "\"}", 2);
        st[len] = '\0';
        assert_rejected(*state, st, len, "(unknown)", "the state is larger than 8388608 bytes");
        free(st);
}

static void test_symlinked_knob(void **state) {
        struct fixture *f = *state;
        fstree_write(f->root, "outside", "untouched\n");
        char *knob = path_in(f->cg, CG_FS "/memory.high");
        char *target = path_in(f->root, "outside");
        assert_int_equal(unlink(knob), 0);
        assert_int_equal(symlink(target, knob), 0);
        reject_annotation(f, CONTAINERD_META "," FULL_SET,
                          "cannot write memory.high=" HIGH_90 ": it is a symlink");
        char *outside = fstree_read(f->root, "outside");
        assert_string_equal(outside, "untouched\n");
        free(outside);
        free(knob);
        free(target);
}

/* memory.low is not a regular file: the earlier writes (swap, oom.group,
 * high) are rolled back, so the error leaves the cgroup as it was. */
static void test_failed_write_rolls_back(void **state) {
        struct fixture *f = *state;
        char *knob = path_in(f->cg, CG_FS "/memory.low");
        assert_int_equal(unlink(knob), 0);
        assert_int_equal(mkfifo(knob, 0600), 0);
        reject_annotation(f, CONTAINERD_META "," FULL_SET,
                          "cannot write memory.low=134217728: not a regular file");
        free(knob);
}

static void test_dotdot_cgroup_path(void **state) {
        struct fixture *f = *state;
        fstree_mkdirs(f->root, "escape");
        fstree_write(f->root, "escape/memory.max", "max\n");
        fstree_write(f->root, "escape/memory.high", "max\n");
        set_proc_cgroup(f, "0::/kubepods/../../escape\n");
        reject_annotation(f, CONTAINERD_META ",\"memqos.io/memory-high\":\"1Gi\"",
                          "has a \".\" or \"..\" component");
}

static void test_symlinked_cgroup_dir(void **state) {
        struct fixture *f = *state;
        fstree_mkdirs(f->root, "elsewhere");
        fstree_write(f->root, "elsewhere/memory.max", "max\n");
        fstree_write(f->root, "elsewhere/memory.high", "max\n");
        char *link = path_in(f->cg, "kubepods/evil");
        char *target = path_in(f->root, "elsewhere");
        assert_int_equal(symlink(target, link), 0);
        set_proc_cgroup(f, "0::/kubepods/evil\n");
        reject_annotation(f, CONTAINERD_META ",\"memqos.io/memory-high\":\"1Gi\"",
                          "cannot open cgroup \"/kubepods/evil\" at \"evil\"");
        free(link);
        free(target);
}

static void test_help_and_version(void **state) {
        (void)state;
        char *bin = runbin_path("memqos-hook");
        char *help[] = {bin, "--help", NULL}, *version[] = {bin, "--version", NULL},
             *bad[] = {bin, "--bogus", NULL};
        struct run_result r;
        runbin(help, NULL, "", 0, &r);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        assert_non_null(strstr(r.out, "--cgroup-root DIR"));
        run_result_free(&r);
        runbin(version, NULL, "", 0, &r);
        assert_int_equal(WEXITSTATUS(r.status), 0);
        assert_true(strncmp(r.out, "memqos-hook ", 12) == 0);
        run_result_free(&r);
        runbin(bad, NULL, "", 0, &r);
        assert_int_equal(WEXITSTATUS(r.status), 1);
        assert_non_null(strstr(r.err, "try --help"));
        run_result_free(&r);
        free(bin);
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
                T(test_runc_containerd_full_set),
                T(test_crun_systemd_subgroup_crio),
                T(test_crio_huge_last_applied),
                T(test_legacy_bundle_path),
                T(test_per_container_override),
                T(test_sandbox_containerd),
                T(test_sandbox_crio),
                T(test_no_memqos_annotations),
                T(test_only_other_containers),
                T(test_cgroup_v1_host),
                T(test_no_memory_controller),
                T(test_missing_swap_knob),
                T(test_env_configuration),
                T(test_fail_open),
                T(test_bad_values),
                T(test_limit_counts_memqos_keys_only),
                T(test_over_limits_fail_open),
                T(test_message_escaped),
                T(test_percent_without_limit),
                T(test_bad_state_json),
                T(test_state_too_large),
                T(test_symlinked_knob),
                T(test_failed_write_rolls_back),
                T(test_dotdot_cgroup_path),
                T(test_symlinked_cgroup_dir),
                T(test_help_and_version),
#undef T
        };
        return cmocka_run_group_tests_name("memqos-hook integration", tests, NULL, NULL);
}
