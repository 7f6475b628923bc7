/* SPDX-License-Identifier: MIT */
#include "apply.h"

#include <stdio.h>

#include "cgfs.h"

/* Restore the values read before writing, with the newline the kernel
 * printed: every one of these files strips whitespace on write
 * (strstrip() in mm/memcontrol.c), and a test tree gets its bytes back. */
static void roll_back(int cg_fd, const struct apply_result *res, char old[][64], size_t upto) {
        for (size_t i = upto; i-- > 0;) {
                enum mq_knob k = mq_plan_write_order[i];
                char line[72];
                if (!res->written[k])
                        continue;
                (void)snprintf(line, sizeof(line), "%s\n", old[k]);
                (void)cgroup_write_file(cg_fd, mq_knob_file(k), line);
        }
}

int apply_plan(int cg_fd, const struct mq_plan *plan, struct apply_result *ret,
               struct mq_error *err) {
        struct apply_result res = {0};
        char old[_MQ_KNOB_MAX][64];

        for (size_t i = 0; i < ELEMENTSOF(mq_plan_write_order); i++) {
                enum mq_knob k = mq_plan_write_order[i];
                const char *file = mq_knob_file(k);
                if (!plan->set[k])
                        continue;
                int r = cgroup_read_file(cg_fd, file, old[k], sizeof(old[k]));
                if (r == -ENOENT) {
                        res.missing[k] = true;
                        continue;
                }
                if (r >= 0)
                        r = cgroup_write_file(cg_fd, file, plan->text[k]);
                if (r < 0) {
                        roll_back(cg_fd, &res, old, i);
                        return mq_error_set(err, -r, "cannot write %s=%s: %s", file, plan->text[k],
                                            r == -EBADFD  ? "not a regular file"
                                            : r == -ELOOP ? "it is a symlink"
                                                          : strerror(-r));
                }
                res.written[k] = true;
        }
        *ret = res;
        return 0;
}

int container_cgroup_path(const char *proc_path, char **ret) {
        static const char sub[] = "/container";
        size_t len = strlen(proc_path), ls = strlen(sub), lscope = strlen(".scope");
        char *path;

        if (len > ls + lscope && streq(proc_path + len - ls, sub) &&
            strncmp(proc_path + len - ls - lscope, ".scope", lscope) == 0)
                path = strndup(proc_path, len - ls);
        else
                path = strdup(proc_path);
        if (!path)
                return -ENOMEM;
        *ret = path;
        return 0;
}
