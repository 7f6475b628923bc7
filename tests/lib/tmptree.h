/* SPDX-License-Identifier: MIT */
/* Temporary directory trees for tests: a fresh directory under $TMPDIR (or
 * /tmp), files and directories created relative to it, removed at the end.
 * Every helper fails the running cmocka test on an unexpected error. */
#pragma once

#include <stdbool.h>

/* Create a fresh empty directory; returns its malloc'd path. */
char *tmptree_new(void);
/* Remove the tree recursively and free the path. */
void tmptree_remove(char *root);
/* open(root, O_DIRECTORY) */
int tmptree_open(const char *root);

/* mkdir -p root/rel */
void tmptree_mkdir(const char *root, const char *rel);
/* Write root/rel (parents created) with exactly `content`. */
void tmptree_write(const char *root, const char *rel, const char *content);
/* symlink(target, root/rel) */
void tmptree_symlink(const char *root, const char *target, const char *rel);
/* mkfifo(root/rel) */
void tmptree_mkfifo(const char *root, const char *rel);
/* The whole content of root/rel (malloc'd), or NULL when it does not exist. */
char *tmptree_read(const char *root, const char *rel);
/* Does root/rel exist (lstat)? */
bool tmptree_exists(const char *root, const char *rel);
/* Number of entries in directory root/rel, excluding . and .. */
int tmptree_count(const char *root, const char *rel);
