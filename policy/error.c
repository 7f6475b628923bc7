/* SPDX-License-Identifier: MIT */
#include "error.h"

#include <stdio.h>

int mq_error_set(struct mq_error *err, int errnum, const char *fmt, ...) {
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
        }
        return errnum > 0 ? -errnum : errnum;
}
