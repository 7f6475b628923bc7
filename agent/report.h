/* SPDX-License-Identifier: MIT */
/* JSON documents: `once` output, `status` and `explain` replies. */
#pragma once

#include <json-c/json.h>

#include "agent.h"

/* A JSON string of s (NULL: ""); bytes that are not UTF-8 become U+FFFD. */
struct json_object *report_text(const char *s);
struct json_object *report_u64(uint64_t v); /* "max" for MQ_UNLIMITED */
struct json_object *report_psi(const struct mq_psi *psi);
/* MemAvailable, the protected page cache, the headroom and its level
 * (policy/headroom.h) as fields of o. */
void report_headroom_fields(struct json_object *o, const struct mq_headroom *h);
struct json_object *report_node(const struct mq_config *cfg, const struct mq_snapshot *snap);

/* `once`: node, pods ranked lowest first, actions (with results if
 * results is non-NULL, one per action). */
struct json_object *report_once(const struct agent *a, const struct mq_snapshot *snap,
                                const struct mq_actions *acts, char (*results)[160]);

struct json_object *report_status(const struct agent *a);

/* A pod by UID or by the id of one of its containers; NULL with a message
 * in err when neither the last scan nor the records know it. */
struct json_object *report_explain(const struct agent *a, const char *key, struct mq_error *err);
