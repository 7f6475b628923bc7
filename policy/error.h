/* SPDX-License-Identifier: MIT */
/* The library never logs. A function that can fail for a reason a user must
 * read fills a struct mq_error with one sentence (no trailing newline) and
 * returns a negative errno; the program layer prints it. */
#pragma once

#include <stdarg.h>

#include "util.h"

#define MQ_ERROR_MAX 512

struct mq_error {
        char msg[MQ_ERROR_MAX];
};

/* Format into err (if non-NULL) and return -errnum, so callers can write
 * `return mq_error_set(err, EINVAL, "...", ...);`. */
int mq_error_set(struct mq_error *err, int errnum, const char *fmt, ...) _printf_(3, 4);
