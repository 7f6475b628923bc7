/* SPDX-License-Identifier: MIT */
#include "tmptree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static void join(char *buf, size_t size, const char *root, const char *rel) {
        int n = snprintf(buf, size, "%s/%s", root, rel);
        if (n < 0 || (size_t)n >= size)
                fail_msg("path too long: %s/%s", root, rel);
}

char *tmptree_new(void) {
        const char *tmp = getenv("TMPDIR");
        char buf[PATH_MAX];
        (void)snprintf(buf, sizeof(buf), "%s/memqos-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(buf))
                fail_msg("mkdtemp %s: %s", buf, strerror(errno));
        char *p = strdup(buf);
        assert_non_null(p);
        return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void)st;
        (void)ftw;
        if (flag == FTW_DP)
                return rmdir(path);
        return unlink(path);
}

void tmptree_remove(char *root) {
        if (!root)
                return;
        if (nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
                fail_msg("cannot remove %s: %s", root, strerror(errno));
        free(root);
}

int tmptree_open(const char *root) {
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                fail_msg("open %s: %s", root, strerror(errno));
        return fd;
}

void tmptree_mkdir(const char *root, const char *rel) {
        char buf[PATH_MAX];
        join(buf, sizeof(buf), root, rel);
        for (char *p = buf + strlen(root) + 1;; p++) {
                if (*p != '/' && *p != '\0')
                        continue;
                char c = *p;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        fail_msg("mkdir %s: %s", buf, strerror(errno));
                *p = c;
                if (c == '\0')
                        break;
        }
}

static void make_parent(const char *root, const char *rel) {
        const char *slash = strrchr(rel, '/');
        if (!slash)
                return;
        char parent[PATH_MAX];
        (void)snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
        tmptree_mkdir(root, parent);
}

void tmptree_write(const char *root, const char *rel, const char *content) {
        char buf[PATH_MAX];
        join(buf, sizeof(buf), root, rel);
        make_parent(root, rel);
        FILE *f = fopen(buf, "w");
        if (!f)
                fail_msg("create %s: %s", buf, strerror(errno));
        size_t n = strlen(content);
        if (fwrite(content, 1, n, f) != n || fclose(f) != 0)
                fail_msg("write %s: %s", buf, strerror(errno));
}

void tmptree_symlink(const char *root, const char *target, const char *rel) {
        char buf[PATH_MAX];
        join(buf, sizeof(buf), root, rel);
        make_parent(root, rel);
        if (symlink(target, buf) < 0)
                fail_msg("symlink %s: %s", buf, strerror(errno));
}

void tmptree_mkfifo(const char *root, const char *rel) {
        char buf[PATH_MAX];
        join(buf, sizeof(buf), root, rel);
        make_parent(root, rel);
        if (mkfifo(buf, 0644) < 0)
                fail_msg("mkfifo %s: %s", buf, strerror(errno));
}

char *tmptree_read(const char *root, const char *rel) {
        char buf[PATH_MAX];
        join(buf, sizeof(buf), root, rel);
        int fd = open(buf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        size_t cap = 4096, len = 0;
        char *data = malloc(cap);
        assert_non_null(data);
        for (;;) {
                if (len + 1 >= cap) {
                        cap *= 2;
                        data = realloc(data, cap);
                        assert_non_null(data);
                }
                ssize_t n = read(fd, data + len, cap - len - 1);
                if (n < 0)
                        fail_msg("read %s: %s", buf, strerror(errno));
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        (void)close(fd);
        data[len] = '\0';
        return data;
}

bool tmptree_exists(const char *root, const char *rel) {
        char buf[PATH_MAX];
        struct stat st;
        join(buf, sizeof(buf), root, rel);
        return lstat(buf, &st) == 0;
}

int tmptree_count(const char *root, const char *rel) {
        char buf[PATH_MAX];
        join(buf, sizeof(buf), root, rel);
        DIR *d = opendir(buf);
        if (!d)
                fail_msg("opendir %s: %s", buf, strerror(errno));
        int n = 0;
        for (struct dirent *e; (e = readdir(d));)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        n++;
        (void)closedir(d);
        return n;
}
