/* SPDX-License-Identifier: MIT */
/* Temp directory trees for tests: build files, snapshot a whole tree, and
 * compare two snapshots so a test can assert exactly which files changed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Make a fresh temp directory; returns a malloc'd path. Aborts on failure. */
char *fstree_mkdtemp(void);
/* rm -rf (does not free path) */
void fstree_remove(const char *path);
/* mkdir -p root/rel */
void fstree_mkdirs(const char *root, const char *rel);
/* Write root/rel (creating parent dirs) with the given content. */
void fstree_write(const char *root, const char *rel, const char *content);
/* Read root/rel into a malloc'd string, exactly; NULL if it is missing, a
 * symlink or a FIFO (never followed, never blocks). */
char *fstree_read(const char *root, const char *rel);
/* symlink(target, root/rel), mkfifo(root/rel); parents created. */
void fstree_symlink(const char *root, const char *target, const char *rel);
void fstree_mkfifo(const char *root, const char *rel);
/* open(root, O_DIRECTORY) */
int fstree_open(const char *root);
/* Does root/rel exist (lstat)? */
bool fstree_exists(const char *root, const char *rel);
/* Entries in directory root/rel, without . and .. */
int fstree_count(const char *root, const char *rel);

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
