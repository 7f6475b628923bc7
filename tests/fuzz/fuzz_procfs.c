/* SPDX-License-Identifier: MIT */
/* /proc/<pid>/cgroup (policy/procfs.c): the path found is one the agent and
 * the hook go on to open beneath the cgroup root. */
#include "fuzz.h"
#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        char *path = NULL;
        if (parse_proc_cgroup_buf(s, &path) >= 0) {
                FUZZ_ASSERT(path != NULL, "success without a path");
                FUZZ_ASSERT(strchr(path, '\n') == NULL, "path \"%s\" spans lines", path);
                free(path);
        }
        free(s);
        return 0;
}
