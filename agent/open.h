/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "core/agent.h"

/* Config, node policy, root fds, records: what both `run` and `once`
 * start from. Checks the host (cgroup2 with memory). create_state: make
 * the state directory (`run`). Errors are printed; whatever the result,
 * agent_close() releases what was opened. */
int agent_open(struct agent *a, const struct agent_opts *opts, bool create_state);
void agent_close(struct agent *a);
