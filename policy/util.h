/* SPDX-License-Identifier: MIT */
/* Resource-cleanup helpers and small utilities shared by every memqos module.
 * One convention everywhere: functions return 0 (or a non-negative count) on
 * success and a negative errno on failure; output parameters named ret_* are
 * written only on success. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) {
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void)close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void)fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                (void)closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership of a pointer or fd out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _tp = (p);                                                           \
                (p) = NULL;                                                                        \
                _tp;                                                                               \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _tf = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _tf;                                                                               \
        })

/* Make room for one more element in a doubling array (*v, *cap, n used):
 * first allocation `first` elements. *v and *cap change only on success. */
static inline int grow_array(void **v, size_t *cap, size_t n, size_t elem, size_t first) {
        if (n < *cap)
                return 0;
        size_t ncap = *cap ? *cap * 2 : first;
        void *nv = reallocarray(*v, ncap, elem);
        if (!nv)
                return -ENOMEM;
        *v = nv;
        *cap = ncap;
        return 0;
}

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

/* The first 8 bytes of s, big-endian and zero-padded: compares like
 * strcmp() as far as they go. */
static inline uint64_t str_prefix8(const char *s) {
        uint64_t v = 0;
        size_t i = 0;
        for (; i < 8 && s[i]; i++)
                v = v << 8 | (unsigned char)s[i];
        return i == 0 ? 0 : i == 8 ? v : v << (8 * (8 - i));
}

/* An environment variable's value, or dflt when it is unset or empty. */
static inline const char *mq_env_or(const char *name, const char *dflt) {
        const char *v = getenv(name);
        return v && *v ? v : dflt;
}

static inline int streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline int startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}
