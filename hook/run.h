/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "hook.h"

/* Everything between reading the state and exiting. Returns 0 for exit 0
 * (applied, or nothing to do), negative errno for exit 1 (already logged). */
int hook_run(const struct hook_opts *opts, FILE *in);
