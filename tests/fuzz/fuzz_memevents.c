/* SPDX-License-Identifier: MIT */
/* A cgroup's memory.events and memory.events.local (policy/memstat.c). */
#include "fuzz.h"
#include "memstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        struct mq_memory_events ev;
        (void)parse_memory_events_buf(s, &ev);
        free(s);
        return 0;
}
