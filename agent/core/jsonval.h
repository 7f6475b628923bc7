/* SPDX-License-Identifier: MIT */
/* JSON values every document of the agent is built from: the log lines,
 * `once`, `status`, `explain` and the OOM notes. */
#pragma once

#include <json-c/json.h>

#include "config.h"
#include "decide.h"
#include "headroom.h"

/* A JSON string of s (NULL: ""); bytes that are not UTF-8 become U+FFFD. */
struct json_object *jsonval_text(const char *s);
struct json_object *jsonval_u64(uint64_t v); /* "max" for MQ_UNLIMITED */
struct json_object *jsonval_psi(const struct mq_psi *psi);
/* MemAvailable, the protected page cache, the headroom and its level
 * (policy/headroom.h) as fields of o. */
void jsonval_headroom_fields(struct json_object *o, const struct mq_headroom *h);
struct json_object *jsonval_node(const struct mq_config *cfg, const struct mq_snapshot *snap);
