/* SPDX-License-Identifier: MIT */
#include "meminfo.h"

#include <stdbool.h>

#include "util.h"

/* "   16318412 kB" -> bytes. The kernel prints these in kibibytes. */
static int parse_kb(const char *p, size_t len, uint64_t *ret) {
        const char *end = p + len;
        while (p < end && *p == ' ')
                p++;
        if (p == end || *p < '0' || *p > '9')
                return -EINVAL;
        uint64_t v = 0;
        while (p < end && *p >= '0' && *p <= '9') {
                uint64_t d = (uint64_t)(*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
                p++;
        }
        if ((size_t)(end - p) != 3 || !startswith(p, " kB"))
                return -EINVAL;
        if (v > UINT64_MAX / 1024)
                return -ERANGE;
        *ret = v * 1024;
        return 0;
}

int parse_meminfo_buf(const char *buf, struct mq_meminfo *ret) {
        static const char *const keys[] = {"MemTotal:", "MemFree:", "MemAvailable:"};
        uint64_t vals[3] = {0};
        bool seen[3] = {false};

        if (!buf)
                return -EINVAL;
        for (const char *p = buf; *p;) {
                size_t len = strcspn(p, "\n");
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        size_t kl = strlen(keys[i]);
                        if (len < kl || strncmp(p, keys[i], kl) != 0)
                                continue;
                        if (seen[i])
                                return -EINVAL;
                        int r = parse_kb(p + kl, len - kl, &vals[i]);
                        if (r < 0)
                                return r;
                        seen[i] = true;
                }
                p += len;
                if (*p == '\n')
                        p++;
        }
        if (!seen[0] || !seen[2])
                return -EINVAL;
        *ret = (struct mq_meminfo){
                .mem_total = vals[0],
                .mem_free = vals[1],
                .mem_available = vals[2],
        };
        return 0;
}
