/* SPDX-License-Identifier: MIT */
#include "fstree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
        fprintf(stderr, "fstree: %s %s: %s\n", what, path, strerror(errno));
        abort();
}

static char *join(const char *root, const char *rel) {
        char *p;
        if (asprintf(&p, "%s/%s", root, rel) < 0)
                abort();
        return p;
}

char *fstree_mkdtemp(void) {
        const char *tmp = getenv("TMPDIR");
        char *p;
        if (asprintf(&p, "%s/memqos-test.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
                abort();
        if (!mkdtemp(p))
                die("mkdtemp", p);
        return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

void fstree_remove(const char *path) {
        (void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fstree_mkdirs(const char *root, const char *rel) {
        char *p = join(root, rel);
        for (char *s = p + strlen(root) + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        die("mkdir", p);
                *s = '/';
        }
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                die("mkdir", p);
        free(p);
}

static void make_parent(const char *root, const char *rel);

void fstree_write(const char *root, const char *rel, const char *content) {
        make_parent(root, rel);
        char *p = join(root, rel);
        FILE *f = fopen(p, "w");
        if (!f || fputs(content, f) < 0 || fclose(f) != 0)
                die("write", p);
        free(p);
}

/* Never follows a symlink or blocks on a FIFO: what a test reads back is
 * the file itself. NULL when there is no such regular file. */
static char *read_path(const char *p) {
        int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        for (;;) {
                if (!buf)
                        abort();
                if (len + 1 >= cap)
                        buf = realloc(buf, cap *= 2);
                if (!buf)
                        abort();
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0)
                        die("read", p);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        (void)close(fd);
        buf[len] = '\0';
        return buf;
}

char *fstree_read(const char *root, const char *rel) {
        char *p = join(root, rel);
        char *s = read_path(p);
        free(p);
        return s;
}

int fstree_open(const char *root) {
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                die("open", root);
        return fd;
}

static void make_parent(const char *root, const char *rel) {
        const char *slash = strrchr(rel, '/');
        if (slash) {
                char *dir = strndup(rel, (size_t)(slash - rel));
                fstree_mkdirs(root, dir);
                free(dir);
        }
}

void fstree_symlink(const char *root, const char *target, const char *rel) {
        make_parent(root, rel);
        char *p = join(root, rel);
        if (symlink(target, p) < 0)
                die("symlink", p);
        free(p);
}

void fstree_mkfifo(const char *root, const char *rel) {
        make_parent(root, rel);
        char *p = join(root, rel);
        if (mkfifo(p, 0644) < 0)
                die("mkfifo", p);
        free(p);
}

bool fstree_exists(const char *root, const char *rel) {
        struct stat st;
        char *p = join(root, rel);
        bool yes = lstat(p, &st) == 0;
        free(p);
        return yes;
}

int fstree_count(const char *root, const char *rel) {
        char *p = join(root, rel);
        DIR *d = opendir(p);
        if (!d)
                die("opendir", p);
        int n = 0;
        for (struct dirent *e; (e = readdir(d));)
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                        n++;
        (void)closedir(d);
        free(p);
        return n;
}

static void add_entry(struct fstree_snapshot *s, const char *rel, char type, char *content) {
        s->v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
        if (!s->v)
                abort();
        s->v[s->n++] = (struct fstree_entry){strdup(rel), type, content};
}

static void walk(const char *root, const char *rel, struct fstree_snapshot *s) {
        char *dir = rel[0] ? join(root, rel) : strdup(root);
        DIR *d = opendir(dir);
        struct dirent *de;
        if (!d)
                die("opendir", dir);
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                char *r, *full, target[4096];
                struct stat st;
                if (asprintf(&r, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) < 0)
                        abort();
                full = join(root, r);
                if (lstat(full, &st) < 0)
                        die("lstat", full);
                if (S_ISDIR(st.st_mode)) {
                        add_entry(s, r, 'd', NULL);
                        walk(root, r, s);
                } else if (S_ISLNK(st.st_mode)) {
                        ssize_t n = readlink(full, target, sizeof(target) - 1);
                        target[n < 0 ? 0 : n] = '\0';
                        add_entry(s, r, 'l', strdup(target));
                } else if (S_ISFIFO(st.st_mode)) {
                        add_entry(s, r, 'p', NULL);
                } else {
                        add_entry(s, r, 'f', read_path(full));
                }
                free(full);
                free(r);
        }
        closedir(d);
        free(dir);
}

static int cmp_entry(const void *a, const void *b) {
        return strcmp(((const struct fstree_entry *)a)->path,
                      ((const struct fstree_entry *)b)->path);
}

void fstree_snapshot(const char *root, struct fstree_snapshot *ret) {
        *ret = (struct fstree_snapshot){0};
        walk(root, "", ret);
        if (ret->n > 0)
                qsort(ret->v, ret->n, sizeof(*ret->v), cmp_entry);
}

void fstree_snapshot_free(struct fstree_snapshot *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].path);
                free(s->v[i].content);
        }
        free(s->v);
        *s = (struct fstree_snapshot){0};
}

static void appendf(char **out, size_t *len, const char *fmt, ...) {
        va_list ap;
        char *line;
        va_start(ap, fmt);
        int n = vasprintf(&line, fmt, ap);
        va_end(ap);
        if (n < 0 || !(*out = realloc(*out, *len + (size_t)n + 1)))
                abort();
        memcpy(*out + *len, line, (size_t)n + 1);
        *len += (size_t)n;
        free(line);
}

static int same(const struct fstree_entry *a, const struct fstree_entry *b) {
        if (a->type != b->type)
                return 0;
        if (!a->content || !b->content)
                return a->content == b->content;
        return strcmp(a->content, b->content) == 0;
}

char *fstree_diff(const struct fstree_snapshot *before, const struct fstree_snapshot *after) {
        char *out = strdup("");
        size_t len = 0, i = 0, j = 0;
        while (i < before->n || j < after->n) {
                int c = i == before->n  ? 1
                        : j == after->n ? -1
                                        : strcmp(before->v[i].path, after->v[j].path);
                if (c < 0) {
                        appendf(&out, &len, "removed %s\n", before->v[i++].path);
                } else if (c > 0) {
                        appendf(&out, &len, "added %s\n", after->v[j++].path);
                } else {
                        if (!same(&before->v[i], &after->v[j]))
                                appendf(&out, &len, "changed %s: '%s' -> '%s'\n", before->v[i].path,
                                        before->v[i].content ? before->v[i].content : "",
                                        after->v[j].content ? after->v[j].content : "");
                        i++;
                        j++;
                }
        }
        return out;
}
