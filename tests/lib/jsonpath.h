/* SPDX-License-Identifier: MIT */
/* The member at a dotted path ("counters.kills") of a JSON object; fails the
 * running cmocka test, naming the path, when a member is missing. */
#pragma once

#include <json-c/json.h>

struct json_object *json_path(struct json_object *o, const char *path);
