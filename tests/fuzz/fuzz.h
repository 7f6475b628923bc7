/* SPDX-License-Identifier: MIT */
/* Shared by the libFuzzer targets (tests/fuzz/fuzz.mk): each target feeds
 * one parser text it could meet on a node. A finding aborts, which libFuzzer
 * reports as a crash with the input that caused it. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string: the parsers read NUL-terminated text, as the
 * readers hand it over. An embedded NUL simply ends the text early. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* A broken property: print what was expected and stop with a crash. */
#define FUZZ_ASSERT(cond, ...)                                                                     \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "fuzz property failed: %s: ", #cond);                      \
                        fprintf(stderr, __VA_ARGS__);                                              \
                        fputc('\n', stderr);                                                       \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)
