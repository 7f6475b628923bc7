/* SPDX-License-Identifier: MIT */
/* A cgroup's memory.stat (policy/memstat.c). */
#include "fuzz.h"
#include "memstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        struct mq_memory_stat st;
        (void)parse_memory_stat_buf(s, &st);
        free(s);
        return 0;
}
