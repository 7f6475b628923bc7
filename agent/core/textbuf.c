/* SPDX-License-Identifier: MIT */
#include "textbuf.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE (size_t)4096

int textbuf_append(struct textbuf *b, const void *s, size_t n) {
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 16 * PAGE;
                while (cap < b->len + n + 1)
                        cap *= 2;
                void *p = b->p ? mremap(b->p, b->cap, cap, MREMAP_MAYMOVE)
                               : mmap(NULL, cap, PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED)
                        return -ENOMEM;
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
        return 0;
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size) {
        /* stdio takes a short count as an error: all or nothing. */
        return textbuf_append(cookie, buf, size) < 0 ? -1 : (ssize_t)size;
}

FILE *textbuf_open(struct textbuf *b) {
        cookie_io_functions_t io = {.write = cookie_write};
        return fopencookie(b, "w", io);
}

void textbuf_free(struct textbuf *b) {
        if (b->p)
                (void)munmap(b->p, b->cap);
        *b = (struct textbuf){0};
}
