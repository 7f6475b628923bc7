/* SPDX-License-Identifier: MIT */
/* The actuator: carries out mq_decide's actions beneath the cgroup root fd
 * and logs one JSON line per action. */
#pragma once

#include "core/agent.h"

#include "core/log.h"

/* Execute (or, in dry-run, only log) every action. Failures are logged and
 * counted; they do not stop the remaining actions. t: the wakeup's timing
 * (NULL: none), each write's own added to its line. results non-NULL
 * (`once --act`): one result text per action goes there instead of a log
 * line. */
void act_execute_all(struct agent *a, const struct log_timing *t, const struct mq_snapshot *snap,
                     const struct mq_actions *acts, char (*results)[AGENT_RESULT_MAX]);

/* Did the agent itself change memory.high of this cgroup (livelock guard)? */
bool act_overridden(const struct agent *a, const char *cgroup);
