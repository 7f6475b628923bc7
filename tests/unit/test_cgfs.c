/* SPDX-License-Identifier: MIT */
/* cgroup file I/O beneath a root fd: path validation, component-wise open
 * without following symlinks or "..", reads and writes that refuse
 * symlinks, FIFOs and missing files without blocking or creating anything. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgfs.h"
#include "fstree.h"
#include "types.h"

#define N(a)  (sizeof(a) / sizeof((a)[0]))
#define CGDIR "kubepods/burstable/pod1/abc"

/* ---- cgroup_path_validate ---- */

struct path_case {
        const char *path;
        int r;
        const char *msg;
};

static const struct path_case path_cases[] = {
        {"/", 0, NULL},
        {"/kubepods/burstable/pod1/abc", 0, NULL},
        {"/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope", 0, NULL},
        {"//kubepods//pod1/", 0, NULL},
        {"/a/.../b", 0, NULL},
        {"/a/..b/.c/b..", 0, NULL},
        {"/a/../b", -EINVAL, "cgroup path \"/a/../b\" has a \".\" or \"..\" component"},
        {"/..", -EINVAL, "cgroup path \"/..\" has a \".\" or \"..\" component"},
        {"/a/..", -EINVAL, "cgroup path \"/a/..\" has a \".\" or \"..\" component"},
        {"/a/../", -EINVAL, "cgroup path \"/a/../\" has a \".\" or \"..\" component"},
        {"/a/./b", -EINVAL, "cgroup path \"/a/./b\" has a \".\" or \"..\" component"},
        {"/.", -EINVAL, "cgroup path \"/.\" has a \".\" or \"..\" component"},
        {"a/b", -EINVAL, "cgroup path \"a/b\" is not absolute"},
        {"../x", -EINVAL, "cgroup path \"../x\" is not absolute"},
        {"", -EINVAL, "cgroup path \"\" is not absolute"},
};

static void test_path_validate(void **state) {
        (void)state;
        for (size_t i = 0; i < N(path_cases); i++) {
                const struct path_case *c = &path_cases[i];
                struct mq_error err = {{0}};
                int r = cgroup_path_validate(c->path, &err);
                if (r != c->r || (c->msg && strcmp(err.msg, c->msg) != 0))
                        fail_msg("\"%s\": r=%d \"%s\", expected %d \"%s\"", c->path, r, err.msg,
                                 c->r, c->msg ? c->msg : "");
        }
}

static void test_path_validate_length(void **state) {
        (void)state;
        static char path[MQ_CGROUP_PATH_MAX + 1];
        struct mq_error err = {{0}};
        /* "/aaa...": MQ_CGROUP_PATH_MAX - 1 bytes is the longest accepted */
        memset(path, 'a', sizeof(path) - 1);
        path[0] = '/';
        path[MQ_CGROUP_PATH_MAX - 1] = '\0';
        assert_int_equal(cgroup_path_validate(path, &err), 0);
        path[MQ_CGROUP_PATH_MAX - 1] = 'a';
        path[MQ_CGROUP_PATH_MAX] = '\0';
        assert_int_equal(cgroup_path_validate(path, &err), -ENAMETOOLONG);
        assert_string_equal(err.msg, "cgroup path is longer than 4095 bytes");
}

/* ---- a fake cgroup tree ---- */

struct tree {
        char *root;    /* the fake cgroup root */
        char *outside; /* a sibling directory that must never be touched */
        int fd;
};

static int setup(void **state) {
        struct tree *t = calloc(1, sizeof(*t));
        assert_non_null(t);
        t->root = fstree_mkdtemp();
        t->outside = fstree_mkdtemp();
        fstree_write(t->outside, "memory.high", "max\n");
        fstree_mkdirs(t->outside, "pod1");

        fstree_write(t->root, CGDIR "/memory.max", "max\n");
        fstree_write(t->root, CGDIR "/memory.high", "max\n");
        fstree_write(t->root, CGDIR "/memory.low", "0\n");
        fstree_write(t->root, CGDIR "/memory.min", "1073741824\n");
        fstree_write(t->root, CGDIR "/memory.current", "123456789");
        fstree_write(t->root, CGDIR "/memory.events", "low 0\nhigh 0\n\n");
        fstree_write(t->root, CGDIR "/memory.bad", "12ab\n");
        fstree_write(t->root, CGDIR "/memory.neg", "-1\n");
        fstree_write(t->root, CGDIR "/memory.huge", "18446744073709551616\n");
        fstree_write(t->root, CGDIR "/memory.empty", "");
        fstree_mkfifo(t->root, CGDIR "/memory.fifo");
        fstree_mkdirs(t->root, CGDIR "/memory.dir");
        /* symlinks planted in the tree */
        char target[PATH_MAX];
        (void)snprintf(target, sizeof(target), "%s/memory.high", t->outside);
        fstree_symlink(t->root, target, CGDIR "/memory.swap.max");
        fstree_symlink(t->root, "memory.low", CGDIR "/memory.link");
        fstree_symlink(t->root, t->outside, "kubepods/escape");
        fstree_symlink(t->root, "burstable", "kubepods/alias");
        t->fd = fstree_open(t->root);
        *state = t;
        return 0;
}

static int teardown(void **state) {
        struct tree *t = *state;
        (void)close(t->fd);
        fstree_remove(t->root);
        free(t->root);
        fstree_remove(t->outside);
        free(t->outside);
        free(t);
        return 0;
}

static int open_cg(struct tree *t) {
        int fd = -1;
        struct mq_error err = {{0}};
        if (cgroup_open_beneath(t->fd, "/" CGDIR, &fd, &err) < 0)
                fail_msg("open /" CGDIR ": %s", err.msg);
        return fd;
}

static void assert_same_dir(int fd, const char *root, const char *rel) {
        char p[PATH_MAX];
        struct stat a, b;
        (void)snprintf(p, sizeof(p), "%s/%s", root, rel);
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(stat(p, &b), 0);
        assert_true(S_ISDIR(a.st_mode));
        assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/* ---- cgroup_open_beneath ---- */

static void test_open_beneath(void **state) {
        struct tree *t = *state;
        static const struct {
                const char *path, *rel;
        } ok[] = {
                {"/" CGDIR, CGDIR},
                {"//kubepods//burstable/pod1/abc/", CGDIR},
                {"/kubepods", "kubepods"},
                {"/", "."},
        };
        for (size_t i = 0; i < N(ok); i++) {
                int fd = -1;
                struct mq_error err = {{0}};
                if (cgroup_open_beneath(t->fd, ok[i].path, &fd, &err) < 0)
                        fail_msg("%s: %s", ok[i].path, err.msg);
                assert_true(fd >= 0 && fd != t->fd);
                assert_same_dir(fd, t->root, ok[i].rel);
                (void)close(fd);
        }
}

static void test_open_beneath_refused(void **state) {
        struct tree *t = *state;
        static const struct {
                const char *path;
                int r1, r2; /* accepted errnos */
                const char *msg;
        } bad[] = {
                /* a symlink leading out of the root */
                {"/kubepods/escape", -ELOOP, -ENOTDIR, NULL},
                {"/kubepods/escape/pod1", -ELOOP, -ENOTDIR, NULL},
                /* a symlink inside the root is refused as well */
                {"/kubepods/alias/pod1", -ELOOP, -ENOTDIR, NULL},
                /* ".." never reaches openat */
                {"/kubepods/..", -EINVAL, -EINVAL, NULL},
                {"/kubepods/../../outside", -EINVAL, -EINVAL, NULL},
                {"/..", -EINVAL, -EINVAL, NULL},
                {"kubepods", -EINVAL, -EINVAL, NULL},
                /* missing, with the component named */
                {"/kubepods/nope", -ENOENT, -ENOENT,
                 "cannot open cgroup \"/kubepods/nope\" at \"nope\": No such file or directory"},
                {"/kubepods/burstable/pod2/abc", -ENOENT, -ENOENT,
                 "cannot open cgroup \"/kubepods/burstable/pod2/abc\" at \"pod2\": No such file "
                 "or directory"},
                /* a file is not a directory */
                {"/" CGDIR "/memory.max", -ENOTDIR, -ENOTDIR, NULL},
        };
        for (size_t i = 0; i < N(bad); i++) {
                int fd = -42;
                struct mq_error err = {{0}};
                int r = cgroup_open_beneath(t->fd, bad[i].path, &fd, &err);
                if (r != bad[i].r1 && r != bad[i].r2)
                        fail_msg("%s: r=%d (%s), expected %d", bad[i].path, r, err.msg, bad[i].r1);
                assert_int_equal(fd, -42);
                assert_true(err.msg[0] != '\0');
                if (bad[i].msg)
                        assert_string_equal(err.msg, bad[i].msg);
        }
}

static void test_open_beneath_long_component(void **state) {
        struct tree *t = *state;
        char path[300];
        int fd = -42;
        struct mq_error err = {{0}};
        path[0] = '/';
        memset(path + 1, 'a', 256);
        path[257] = '\0';
        assert_int_equal(cgroup_open_beneath(t->fd, path, &fd, &err), -ENAMETOOLONG);
        assert_int_equal(fd, -42);
}

/* ---- reads ---- */

static void test_read_file(void **state) {
        struct tree *t = *state;
        int fd = open_cg(t);
        static const struct {
                const char *name, *text;
        } ok[] = {
                {"memory.max", "max"},
                {"memory.min", "1073741824"},
                {"memory.current", "123456789"},
                {"memory.events", "low 0\nhigh 0\n"}, /* one newline removed */
                {"memory.empty", ""},
        };
        for (size_t i = 0; i < N(ok); i++) {
                char buf[64];
                int r = cgroup_read_file(fd, ok[i].name, buf, sizeof(buf));
                if (r < 0)
                        fail_msg("%s: %d", ok[i].name, r);
                assert_string_equal(buf, ok[i].text);
                assert_int_equal(r, strlen(ok[i].text));
        }
        (void)close(fd);
}

static void on_alarm(int sig) {
        (void)sig;
        static const char m[] = "blocked on a FIFO\n";
        (void)!write(2, m, sizeof(m) - 1);
        _exit(1);
}

static void guard_blocking(void) {
        struct sigaction sa = {.sa_handler = on_alarm};
        (void)sigaction(SIGALRM, &sa, NULL);
        (void)alarm(5);
}

static void test_read_refused(void **state) {
        struct tree *t = *state;
        int fd = open_cg(t);
        char buf[64];
        guard_blocking();
        assert_int_equal(cgroup_read_file(fd, "memory.nope", buf, sizeof(buf)), -ENOENT);
        assert_int_equal(cgroup_read_file(fd, "memory.swap.max", buf, sizeof(buf)), -ELOOP);
        assert_int_equal(cgroup_read_file(fd, "memory.link", buf, sizeof(buf)), -ELOOP);
        assert_true(cgroup_read_file(fd, "memory.fifo", buf, sizeof(buf)) < 0);
        assert_true(cgroup_read_file(fd, "memory.dir", buf, sizeof(buf)) < 0);
        /* a file that does not fit the buffer */
        assert_true(cgroup_read_file(fd, "memory.min", buf, 8) < 0);
        (void)alarm(0);
        (void)close(fd);
}

static void test_read_u64(void **state) {
        struct tree *t = *state;
        int fd = open_cg(t);
        uint64_t v = 7;
        assert_int_equal(cgroup_read_u64(fd, "memory.max", &v), 0);
        assert_true(v == MQ_UNLIMITED);
        assert_int_equal(cgroup_read_u64(fd, "memory.min", &v), 0);
        assert_int_equal(v, 1073741824);
        assert_int_equal(cgroup_read_u64(fd, "memory.low", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(cgroup_read_u64(fd, "memory.current", &v), 0);
        assert_int_equal(v, 123456789);
        v = 7;
        assert_int_equal(cgroup_read_u64(fd, "memory.bad", &v), -EINVAL);
        assert_int_equal(cgroup_read_u64(fd, "memory.neg", &v), -EINVAL);
        assert_true(cgroup_read_u64(fd, "memory.huge", &v) < 0);
        assert_true(cgroup_read_u64(fd, "memory.empty", &v) < 0);
        assert_int_equal(cgroup_read_u64(fd, "memory.nope", &v), -ENOENT);
        assert_int_equal(cgroup_read_u64(fd, "memory.swap.max", &v), -ELOOP);
        assert_int_equal(v, 7);
        (void)close(fd);
}

static void test_parse_format_u64(void **state) {
        (void)state;
        static const struct {
                const char *s;
                int r;
                uint64_t v;
        } c[] = {
                {"max", 0, MQ_UNLIMITED}, {"0", 0, 0},
                {"4096", 0, 4096},        {"9223372036854775807", 0, 9223372036854775807ULL},
                {"", -EINVAL, 0},         {"MAX", -EINVAL, 0},
                {"max ", -EINVAL, 0},     {" 1", -EINVAL, 0},
                {"-1", -EINVAL, 0},       {"+1", -EINVAL, 0},
                {"1k", -EINVAL, 0},       {"0x10", -EINVAL, 0},
        };
        for (size_t i = 0; i < N(c); i++) {
                uint64_t v = 7;
                int r = cgroup_parse_u64(c[i].s, &v);
                if (r != c[i].r)
                        fail_msg("cgroup_parse_u64(\"%s\") = %d, expected %d", c[i].s, r, c[i].r);
                assert_true(v == (r == 0 ? c[i].v : 7));
        }
        assert_true(cgroup_parse_u64("18446744073709551616", &(uint64_t){0}) < 0);

        char buf[24];
        cgroup_format_u64(MQ_UNLIMITED, buf);
        assert_string_equal(buf, "max");
        cgroup_format_u64(0, buf);
        assert_string_equal(buf, "0");
        cgroup_format_u64(9223372036854775807ULL, buf);
        assert_string_equal(buf, "9223372036854775807");
        cgroup_format_u64(UINT64_MAX - 1, buf);
        assert_string_equal(buf, "18446744073709551614");
}

/* ---- writes ---- */

static void assert_file(const char *root, const char *rel, const char *want) {
        char *s = fstree_read(root, rel);
        if (!s)
                fail_msg("%s is missing", rel);
        if (strcmp(s, want) != 0)
                fail_msg("%s = \"%s\", expected \"%s\"", rel, s, want);
        free(s);
}

static void test_write_file(void **state) {
        struct tree *t = *state;
        int fd = open_cg(t);
        /* a shorter value replaces a longer one completely */
        assert_int_equal(cgroup_write_file(fd, "memory.min", "4096"), 0);
        assert_file(t->root, CGDIR "/memory.min", "4096");
        assert_int_equal(cgroup_write_file(fd, "memory.high", "966365184"), 0);
        assert_file(t->root, CGDIR "/memory.high", "966365184");
        assert_int_equal(cgroup_write_u64(fd, "memory.high", MQ_UNLIMITED), 0);
        assert_file(t->root, CGDIR "/memory.high", "max");
        assert_int_equal(cgroup_write_u64(fd, "memory.low", 268435456), 0);
        assert_file(t->root, CGDIR "/memory.low", "268435456");
        (void)close(fd);
}

static void test_write_refused(void **state) {
        struct tree *t = *state;
        int fd = open_cg(t);
        int entries = fstree_count(t->root, CGDIR);
        guard_blocking();

        /* a knob the kernel lacks: -ENOENT, and no file is created */
        assert_int_equal(cgroup_write_file(fd, "memory.zswap.max", "0"), -ENOENT);
        assert_false(fstree_exists(t->root, CGDIR "/memory.zswap.max"));
        /* a symlink is not followed: its target keeps its content */
        assert_int_equal(cgroup_write_file(fd, "memory.swap.max", "0"), -ELOOP);
        assert_file(t->outside, "memory.high", "max\n");
        assert_int_equal(cgroup_write_file(fd, "memory.link", "1"), -ELOOP);
        assert_file(t->root, CGDIR "/memory.low", "0\n");
        /* a FIFO with no reader: refused at once, never blocks */
        assert_true(cgroup_write_file(fd, "memory.fifo", "1") < 0);
        /* a directory */
        assert_true(cgroup_write_file(fd, "memory.dir", "1") < 0);
        /* names with a slash or ".." do not leave the directory */
        assert_true(cgroup_write_file(fd, "../memory.high", "1") < 0);
        assert_true(cgroup_write_file(fd, "memory.dir/x", "1") < 0);
        assert_false(fstree_exists(t->root, CGDIR "/memory.dir/x"));
        (void)alarm(0);

        assert_int_equal(fstree_count(t->root, CGDIR), entries);
        assert_int_equal(fstree_count(t->outside, "."), 2);
        (void)close(fd);
}

/* cgroup.events as the kernel writes it (populated, frozen), in either
 * order, and what is not one. */
static void test_parse_populated(void **state) {
        (void)state;
        bool p = false;
        assert_int_equal(cgroup_parse_populated("populated 1\nfrozen 0\n", &p), 0);
        assert_true(p);
        assert_int_equal(cgroup_parse_populated("frozen 0\npopulated 0\n", &p), 0);
        assert_false(p);
        assert_int_equal(cgroup_parse_populated("populated 1", &p), 0);
        assert_true(p);
        static const char *const bad[] = {"",
                                          "frozen 0\n",
                                          "populated 2\n",
                                          "populated 10\n",
                                          "populated\n",
                                          "populated -1\n",
                                          "xpopulated 0\n",
                                          "populated 0x\nfrozen 0\n"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                p = true;
                assert_int_equal(cgroup_parse_populated(bad[i], &p), -EINVAL);
                assert_true(p); /* untouched */
        }
}

/* A directory stream on a duplicate: listing it and closing it leave the
 * caller's fd open and usable; a bad fd or a file is an error. */
static void test_opendir_keeps_fd(void **state) {
        (void)state;
        char *root = fstree_mkdtemp();
        fstree_mkdirs(root, "kubepods/podA");
        fstree_mkdirs(root, "kubepods/podB");
        fstree_write(root, "kubepods/memory.current", "0\n");
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        int kfd = openat(fd, "kubepods", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(kfd >= 0);
        DIR *d = NULL;
        assert_int_equal(cgroup_opendir(kfd, &d), 0);
        assert_non_null(d);
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        assert_int_equal(n, 3);
        assert_int_equal(closedir(d), 0);
        uint64_t v = 1;
        assert_int_equal(cgroup_read_u64(kfd, "memory.current", &v), 0); /* kfd still open */
        assert_int_equal(v, 0);
        DIR *untouched = (DIR *)&n;
        assert_int_equal(cgroup_opendir(-1, &untouched), -EBADF);
        assert_ptr_equal(untouched, (DIR *)&n);
        int file = openat(kfd, "memory.current", O_RDONLY | O_CLOEXEC);
        assert_true(file >= 0);
        assert_int_equal(cgroup_opendir(file, &untouched), -ENOTDIR);
        assert_ptr_equal(untouched, (DIR *)&n);
        (void)close(file);
        (void)close(kfd);
        (void)close(fd);
        fstree_remove(root);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_validate),
                cmocka_unit_test(test_path_validate_length),
                cmocka_unit_test_setup_teardown(test_open_beneath, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_beneath_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_beneath_long_component, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_u64, setup, teardown),
                cmocka_unit_test(test_parse_format_u64),
                cmocka_unit_test(test_opendir_keeps_fd),
                cmocka_unit_test(test_parse_populated),
                cmocka_unit_test_setup_teardown(test_write_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_refused, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
