/* SPDX-License-Identifier: MIT */
/* /proc/meminfo: the node figures the agent needs. MemAvailable (3.14+) is
 * the kernel's own estimate of memory usable without swapping, which is
 * what matters for the watermark (free(1)'s "available"), not MemFree. */
#pragma once

#include <stdint.h>

struct mq_meminfo {
        uint64_t mem_total;     /* bytes */
        uint64_t mem_free;      /* bytes */
        uint64_t mem_available; /* bytes */
};

/* Parse the text of /proc/meminfo ("MemTotal:  16318412 kB" lines).
 * MemTotal and MemAvailable are required, MemFree reads 0 when absent;
 * other lines are skipped. -EINVAL on a malformed line among the ones we
 * need, -ERANGE when a value does not fit in bytes. */
int parse_meminfo_buf(const char *buf, struct mq_meminfo *ret);
