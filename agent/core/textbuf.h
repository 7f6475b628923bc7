/* SPDX-License-Identifier: MIT */
/* A growable text buffer in its own anonymous mapping, for replies that can
 * reach megabytes (the metrics of 1,000 pods): the agent keeps freed heap
 * memory for its wakeups (confine.c), so a reply built on the heap would
 * stay resident after it is sent; a mapping goes back to the kernel with
 * munmap(). */
#pragma once

#include <stddef.h>
#include <stdio.h>

struct textbuf {
        char *p; /* NUL-terminated; NULL until the first byte */
        size_t len, cap;
};

/* Append n bytes; -ENOMEM with b unchanged. */
int textbuf_append(struct textbuf *b, const void *s, size_t n);
/* A stdio stream appending to b (fopencookie); NULL on failure. fclose()
 * it before reading b. */
FILE *textbuf_open(struct textbuf *b);
void textbuf_free(struct textbuf *b);
