/* SPDX-License-Identifier: MIT */
/* cgroup file I/O beneath a directory fd. Every function takes the fd of a
 * root (the cgroup mount, or a temp tree in tests) or of a cgroup directory
 * already opened beneath it; nothing here builds an absolute path. */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Largest cgroup path we accept from /proc/<pid>/cgroup or a record. */
#define MQ_CGROUP_PATH_MAX 4096

/* Check a cgroup path as the kernel prints it in /proc/<pid>/cgroup: it must
 * start with '/', and no component may be "." or "..". Empty components
 * ("//") are tolerated and skipped. */
int cgroup_path_validate(const char *path, struct mq_error *err);

/* Open the directory `path` (absolute within the cgroup hierarchy) beneath
 * root_fd one component at a time with O_NOFOLLOW|O_DIRECTORY, so neither a
 * symlink nor ".." can lead outside root_fd. The path "/" opens root_fd itself
 * (dup). */
int cgroup_open_beneath(int root_fd, const char *path, int *ret_fd, struct mq_error *err);

/* cgroup.events (cgroup-v2.rst): "populated 1" while the cgroup or a
 * descendant has a live process. -EINVAL: no populated line with 0 or 1. */
int cgroup_parse_populated(const char *buf, bool *ret_populated);

/* A directory stream over dfd's directory, on a duplicate of dfd, so that
 * closedir() leaves dfd open for the caller's openat()s. */
int cgroup_opendir(int dfd, DIR **ret_dir);

/* Read a small cgroup file (< size bytes) into buf, NUL-terminated, with one
 * trailing newline removed. Returns the length. Refuses symlinks and
 * non-regular files. -ENOENT when the kernel lacks the file. */
int cgroup_read_file(int dir_fd, const char *name, char *buf, size_t size);
/* The same from an open fd, from offset 0: seq_file-backed files (procfs,
 * cgroupfs) generate their text afresh on each read from the start, so one
 * fd serves every read. */
int cgroup_pread_file(int fd, char *buf, size_t size);
/* Open a file beneath dir_fd for cgroup_pread_file(), as cgroup_read_file()
 * does. Returns the fd. */
int cgroup_open_read(int dir_fd, const char *name);

/* Read a memory value: a decimal byte count or "max" (MQ_UNLIMITED). */
int cgroup_read_u64(int dir_fd, const char *name, uint64_t *ret);

/* Write `value` to an existing regular file `name` in dir_fd: O_WRONLY|
 * O_NOFOLLOW|O_NONBLOCK (never blocks on a FIFO planted in a fake tree), no
 * O_CREAT (a knob the kernel lacks is -ENOENT, not a new file). The kernel
 * handles a cgroup write in one write(2); a short write is -EIO. */
int cgroup_write_file(int dir_fd, const char *name, const char *value);

/* Write a memory value: decimal bytes, or "max" for MQ_UNLIMITED. */
int cgroup_write_u64(int dir_fd, const char *name, uint64_t value);

/* Format a memory value as the kernel prints it ("max" or decimal bytes). */
void cgroup_format_u64(uint64_t value, char buf[static 24]);

/* Parse a memory value as the kernel prints it: "max" or decimal bytes. */
int cgroup_parse_u64(const char *s, uint64_t *ret);
