/* SPDX-License-Identifier: MIT */
#include "jsonpath.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct json_object *json_path(struct json_object *o, const char *path) {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", path);
        for (char *save, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
                struct json_object *v = NULL;
                if (!json_object_object_get_ex(o, k, &v))
                        fail_msg("no %s in the JSON output", path);
                o = v;
        }
        return o;
}
