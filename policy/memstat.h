/* SPDX-License-Identifier: MIT */
/* memory.stat and memory.events of a cgroup (cgroup-v2.rst): flat keyed
 * files, one "<key> <value>" per line, values in bytes (memory.stat) or
 * counts (memory.events). */
#pragma once

#include <stdint.h>

#include "decide.h"

struct mq_memory_stat {
        uint64_t anon, file, active_file, inactive_file, shmem; /* bytes */
};

/* Parse memory.stat. anon, file, active_file, inactive_file and shmem are
 * required (present in every cgroup v2 kernel); other keys are skipped.
 * -EINVAL on a malformed line or a missing key. */
int parse_memory_stat_buf(const char *buf, struct mq_memory_stat *ret);

/* Parse memory.events (or memory.events.local). low, high, max, oom and
 * oom_kill are required; oom_group_kill (5.17+) reads 0 when absent. */
int parse_memory_events_buf(const char *buf, struct mq_memory_events *ret);
