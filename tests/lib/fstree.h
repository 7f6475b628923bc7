/* SPDX-License-Identifier: MIT */
/* Temp directory trees for tests: build files, snapshot a whole tree, and
 * compare two snapshots so a test can assert exactly which files changed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Make a fresh temp directory; returns a malloc'd path. Aborts on failure. */
char *fstree_mkdtemp(void);
/* rm -rf */
void fstree_remove(const char *path);
/* mkdir -p root/rel */
void fstree_mkdirs(const char *root, const char *rel);
/* Write root/rel (creating parent dirs) with the given content. */
void fstree_write(const char *root, const char *rel, const char *content);
/* Read root/rel into a malloc'd string; NULL if missing. Trailing newline kept. */
char *fstree_read(const char *root, const char *rel);

struct fstree_entry {
        char *path;    /* relative */
        char type;     /* 'f' file, 'd' dir, 'l' symlink, 'p' fifo */
        char *content; /* file content, or symlink target */
};

struct fstree_snapshot {
        size_t n;
        struct fstree_entry *v;
};

void fstree_snapshot(const char *root, struct fstree_snapshot *ret);
void fstree_snapshot_free(struct fstree_snapshot *s);

/* Compare: returns a malloc'd, newline-separated, sorted list of differences
 * ("changed a/b: 'old' -> 'new'", "added x", "removed y"); "" if none. */
char *fstree_diff(const struct fstree_snapshot *before, const struct fstree_snapshot *after);
