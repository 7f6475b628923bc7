/* SPDX-License-Identifier: MIT */
/* `status` and `explain` printed as tables from the daemon's JSON. */
#pragma once

#include <json-c/json.h>

/* o[key], or NULL. */
struct json_object *ctl_json_get(struct json_object *o, const char *key);
void ctl_print_status(struct json_object *o);
void ctl_print_explain(struct json_object *o);
