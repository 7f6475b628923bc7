/* SPDX-License-Identifier: MIT */
/* JSON helpers for tests. json_path: the member at a dotted path
 * ("counters.kills") of a JSON object; fails the running cmocka test, naming
 * the path, when a member is missing. */
#pragma once

#include <json-c/json.h>

struct json_object *json_path(struct json_object *o, const char *path);

/* Run argv (NULL-terminated, argv[0] a path) and parse its stdout as JSON;
 * fails the running test, with the program's stderr, unless it exits 0 with
 * valid JSON. */
struct json_object *json_run(char *const argv[]);
