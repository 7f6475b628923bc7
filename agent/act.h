/* SPDX-License-Identifier: MIT */
/* The actuator: carries out mq_decide's actions beneath the cgroup root fd
 * and logs one JSON line per action. */
#pragma once

#include "agent.h"

/* Execute (or, in dry-run, only log) every action. Failures are logged and
 * counted; they do not stop the remaining actions. If results is non-NULL
 * it receives one result text per action. */
void act_execute_all(struct agent *a, const struct mq_snapshot *snap, const struct mq_actions *acts,
                     char (*results)[160]);

/* Did the agent itself change memory.high of this cgroup (livelock guard)? */
bool act_overridden(const struct agent *a, const char *cgroup);
