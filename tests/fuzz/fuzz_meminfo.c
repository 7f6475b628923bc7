/* SPDX-License-Identifier: MIT */
/* /proc/meminfo (policy/meminfo.c). */
#include "fuzz.h"
#include "meminfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        struct mq_meminfo mi;
        (void)parse_meminfo_buf(s, &mi);
        free(s);
        return 0;
}
