/* SPDX-License-Identifier: MIT */
/* The hook's options, from its command line (main.c) to its one pass (run.c). */
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
