/* SPDX-License-Identifier: MIT */
#include "memstat.h"

#include <stdbool.h>

#include "util.h"

struct flat_key {
        const char *name;
        uint64_t *dst;
        bool required;
};

/* "<key> <decimal>" -> value; -EINVAL if the line is not of that shape. */
static int parse_line(const char *p, size_t len, const char **ret_key, size_t *ret_klen,
                      uint64_t *ret_value) {
        const char *sp = memchr(p, ' ', len);
        if (!sp || sp == p)
                return -EINVAL;
        const char *v = sp + 1, *end = p + len;
        if (v == end)
                return -EINVAL;
        uint64_t x = 0;
        for (; v < end; v++) {
                if (*v < '0' || *v > '9')
                        return -EINVAL;
                uint64_t d = (uint64_t)(*v - '0');
                if (x > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                x = x * 10 + d;
        }
        *ret_key = p;
        *ret_klen = (size_t)(sp - p);
        *ret_value = x;
        return 0;
}

/* Fill the keys we know from a flat keyed file; skip the others. A line of
 * the wrong shape is an error even for a key we do not use: it means the
 * text is not what we think it is. */
static int parse_flat_keyed(const char *buf, struct flat_key *keys, size_t n) {
        bool seen[16] = {false};

        if (!buf || n > ELEMENTSOF(seen))
                return -EINVAL;
        for (const char *p = buf; *p;) {
                size_t len = strcspn(p, "\n");
                if (len > 0) {
                        const char *k;
                        size_t kl;
                        uint64_t v;
                        int r = parse_line(p, len, &k, &kl, &v);
                        if (r < 0)
                                return r;
                        for (size_t i = 0; i < n; i++)
                                if (strlen(keys[i].name) == kl &&
                                    strncmp(keys[i].name, k, kl) == 0) {
                                        if (seen[i])
                                                return -EINVAL;
                                        seen[i] = true;
                                        *keys[i].dst = v;
                                }
                }
                p += len;
                if (*p == '\n')
                        p++;
        }
        for (size_t i = 0; i < n; i++)
                if (keys[i].required && !seen[i])
                        return -EINVAL;
        return 0;
}

int parse_memory_stat_buf(const char *buf, struct mq_memory_stat *ret) {
        struct mq_memory_stat s = {0};
        struct flat_key keys[] = {
                {"anon", &s.anon, true},
                {"file", &s.file, true},
                {"active_file", &s.active_file, true},
                {"inactive_file", &s.inactive_file, true},
                {"shmem", &s.shmem, true},
        };
        int r = parse_flat_keyed(buf, keys, ELEMENTSOF(keys));
        if (r < 0)
                return r;
        *ret = s;
        return 0;
}

int parse_memory_events_buf(const char *buf, struct mq_memory_events *ret) {
        struct mq_memory_events e = {0};
        struct flat_key keys[] = {
                {"low", &e.low, true},           {"high", &e.high, true},
                {"max", &e.max, true},           {"oom", &e.oom, true},
                {"oom_kill", &e.oom_kill, true}, {"oom_group_kill", &e.oom_group_kill, false},
        };
        int r = parse_flat_keyed(buf, keys, ELEMENTSOF(keys));
        if (r < 0)
                return r;
        *ret = e;
        return 0;
}
