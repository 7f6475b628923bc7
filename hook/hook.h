/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "nodepolicy.h"
#include "util.h"

struct hook_opts {
        const char *cgroup_root;
        const char *proc_root;
        const char *state_dir;
        const char *policy_path; /* node policy (nodepolicy.h) */
        bool fail_open;
};

/* Everything between reading the state and exiting. Returns 0 for exit 0
 * (applied, or nothing to do), negative errno for exit 1 (already logged). */
int hook_run(const struct hook_opts *opts, FILE *in);

/* The node policy at opts->policy_path: no file, or a bad one (with a
 * warning), is the built-in policy. -ENOMEM only. */
int hook_policy_load(const struct hook_opts *opts, const char *id, struct mq_nodepolicy *ret);

/* Confine the process to the system calls the hook needs. */
int hook_seccomp(void);
