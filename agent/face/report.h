/* SPDX-License-Identifier: MIT */
/* JSON documents: `once` output, `status` and `explain` replies. */
#pragma once

#include <json-c/json.h>

#include "core/agent.h"

/* `once`: node, pods ranked lowest first, actions (with results if
 * results is non-NULL, one per action). */
struct json_object *report_once(const struct agent *a, const struct mq_snapshot *snap,
                                const struct mq_actions *acts, char (*results)[AGENT_RESULT_MAX]);

struct json_object *report_status(const struct agent *a);

/* A pod by UID or by the id of one of its containers; NULL with a message
 * in err when neither the last scan nor the records know it. */
struct json_object *report_explain(const struct agent *a, const char *key, struct mq_error *err);
