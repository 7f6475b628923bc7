/* SPDX-License-Identifier: MIT */
/* /proc/pressure/memory and a cgroup's memory.pressure (policy/psi.c). */
#include "fuzz.h"
#include "psi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        struct mq_psi psi;
        (void)parse_psi_buf(s, &psi);
        free(s);
        return 0;
}
