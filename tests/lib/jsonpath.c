/* SPDX-License-Identifier: MIT */
#include "jsonpath.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "runbin.h"

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

struct json_object *json_run(char *const argv[]) {
        struct run_result res;
        runbin(argv, NULL, "", 0, &res);
        assert_true(WIFEXITED(res.status));
        if (WEXITSTATUS(res.status) != 0)
                fail_msg("%s %s failed: %s", argv[0], argv[1] ? argv[1] : "", res.err);
        struct json_object *o = json_tokener_parse(res.out);
        assert_non_null(o);
        run_result_free(&res);
        return o;
}
