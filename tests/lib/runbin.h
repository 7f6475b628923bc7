/* SPDX-License-Identifier: MIT */
/* Run a built binary the way a runtime does: argv, extra environment, a
 * stdin text; collect its stdout, stderr and wait status. */
#pragma once

#include <stddef.h>

struct run_result {
        int status;   /* raw wait status */
        char *out;    /* stdout text */
        char *err;    /* stderr text */
};

/* Path of a built binary: $MEMQOS_BUILD/<name>, or build/<name>. malloc'd. */
char *runbin_path(const char *name);

/* A temp dir is no cgroup2 mount: the binaries are told the fake cgroup root
 * is one (MEMQOS_ASSUME_CGROUP2=1, policy/cgroot.h) unless the environment
 * already says otherwise. runbin() does it in the child; other launchers
 * call it before exec. */
void runbin_assume_cgroup2(void);

/* argv is NULL-terminated (argv[0] is the program path); env is a
 * NULL-terminated list of "K=V" added to the environment (after
 * runbin_assume_cgroup2(), so "MEMQOS_ASSUME_CGROUP2=0" undoes it), or NULL. stdin_len
 * bytes of stdin_text are fed through a temp file, so large states don't
 * depend on pipe buffering. Aborts if the program cannot be started. */
void runbin(char *const argv[], char *const env[], const char *stdin_text, size_t stdin_len,
            struct run_result *ret);
void run_result_free(struct run_result *r);
