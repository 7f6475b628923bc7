/* SPDX-License-Identifier: MIT */
/* /proc/<pid>/cgroup: the "0::" line of the unified hierarchy
 * (cgroup-v2.rst, "Processes"), on v2-only, hybrid and v1-only hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fstree.h"
#include "procfs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct parse_case {
        const char *name;
        const char *buf;
        int r;
        const char *path;
};

static const struct parse_case parse_cases[] = {
        {"v2 only", "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope\n", 0,
         "/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope"},
        {"v2 with crun's sub-cgroup", "0::/kubepods/burstable/pod1/abc/container\n", 0,
         "/kubepods/burstable/pod1/abc/container"},
        {"root cgroup", "0::/\n", 0, "/"},
        {"no trailing newline", "0::/system.slice/x.service", 0, "/system.slice/x.service"},
        {"hybrid: v1 lines then 0::",
         "12:memory:/kubepods/pod1/abc\n"
         "11:cpu,cpuacct:/kubepods/pod1/abc\n"
         "1:name=systemd:/kubepods/pod1/abc\n"
         "0::/kubepods/pod1/abc\n",
         0, "/kubepods/pod1/abc"},
        {"hybrid: 0:: first", "0::/a\n1:name=systemd:/b\n", 0, "/a"},
        {"a 10:: line is not the 0:: line", "10::/wrong\n0::/right\n", 0, "/right"},
        {"spaces are part of the path", "0::/a b/c\n", 0, "/a b/c"},
        {"v1 only",
         "12:memory:/kubepods/pod1/abc\n11:cpu,cpuacct:/kubepods/pod1/abc\n"
         "1:name=systemd:/kubepods/pod1/abc\n",
         -ENODATA, NULL},
        {"empty", "", -ENODATA, NULL},
        {"only a newline", "\n", -ENODATA, NULL},
        {"empty 0:: path", "0::\n", -EINVAL, NULL},
        {"empty 0:: path at the end", "1:name=systemd:/x\n0::", -EINVAL, NULL},
        {"relative 0:: path", "0::kubepods/pod1\n", -EINVAL, NULL},
        {"0:: followed by a space", "0:: /x\n", -EINVAL, NULL},
};

static void test_parse(void **state) {
        (void)state;
        for (size_t i = 0; i < N(parse_cases); i++) {
                const struct parse_case *c = &parse_cases[i];
                char *path = (char *)"untouched";
                int r = parse_proc_cgroup_buf(c->buf, &path);
                if (r != c->r)
                        fail_msg("%s: r=%d, expected %d", c->name, r, c->r);
                if (c->path) {
                        assert_string_equal(path, c->path);
                        free(path);
                } else {
                        assert_string_equal(path, "untouched");
                }
        }
}

/* A path of MQ_CGROUP_PATH_MAX bytes or more is refused. */
static void test_parse_overlong(void **state) {
        (void)state;
        static char buf[4 + 8192];
        char *path = NULL;
        memcpy(buf, "0::/", 4);
        memset(buf + 4, 'a', 8000);
        assert_int_equal(parse_proc_cgroup_buf(buf, &path), -EINVAL);
        assert_null(path);
}

struct proc_fixture {
        char *root;
        int fd;
};

static int setup(void **state) {
        struct proc_fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->root = fstree_mkdtemp();
        fstree_write(f->root, "1234/cgroup", "0::/kubepods/burstable/pod1/abc\n");
        fstree_write(f->root, "77/cgroup", "12:memory:/x\n1:name=systemd:/x\n");
        fstree_write(f->root, "78/cgroup", "0::relative\n");
        fstree_write(f->root, "79/cgroup", "");
        fstree_write(f->root, "real/cgroup", "0::/escaped\n");
        fstree_mkdirs(f->root, "81");
        fstree_symlink(f->root, "../real/cgroup", "81/cgroup");
        f->fd = fstree_open(f->root);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct proc_fixture *f = *state;
        (void)close(f->fd);
        fstree_remove(f->root);
        free(f->root);
        free(f);
        return 0;
}

static void test_read(void **state) {
        struct proc_fixture *f = *state;
        char *path = NULL;
        struct mq_error err = {{0}};
        assert_int_equal(proc_read_cgroup(f->fd, 1234, &path, &err), 0);
        assert_string_equal(path, "/kubepods/burstable/pod1/abc");
        free(path);
}

struct read_error_case {
        int pid;
        int r;
        const char *msg;
};

static const struct read_error_case read_errors[] = {
        {999, -ENOENT, "cannot read /proc/999/cgroup: No such file or directory"},
        {77, -ENODATA, "/proc/77/cgroup has no cgroup v2 (\"0::\") line"},
        {79, -ENODATA, "/proc/79/cgroup has no cgroup v2 (\"0::\") line"},
        {78, -EINVAL, "/proc/78/cgroup has a malformed \"0::\" line"},
        {0, -EINVAL, "pid 0 is not a process id"},
        {-5, -EINVAL, "pid -5 is not a process id"},
};

static void test_read_errors(void **state) {
        struct proc_fixture *f = *state;
        for (size_t i = 0; i < N(read_errors); i++) {
                char *path = (char *)"untouched";
                struct mq_error err = {{0}};
                int r = proc_read_cgroup(f->fd, read_errors[i].pid, &path, &err);
                if (r != read_errors[i].r || strcmp(err.msg, read_errors[i].msg) != 0)
                        fail_msg("pid %d: r=%d \"%s\", expected %d \"%s\"", read_errors[i].pid, r,
                                 err.msg, read_errors[i].r, read_errors[i].msg);
                assert_string_equal(path, "untouched");
        }
}

/* The file itself is opened without following a symlink. (The pid
 * directory may be a symlink, as /proc/self is.) */
static void test_read_symlinked_file(void **state) {
        struct proc_fixture *f = *state;
        char *path = NULL;
        struct mq_error err = {{0}};
        assert_int_equal(proc_read_cgroup(f->fd, 81, &path, &err), -ELOOP);
        assert_null(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_overlong),
                cmocka_unit_test_setup_teardown(test_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_symlinked_file, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
