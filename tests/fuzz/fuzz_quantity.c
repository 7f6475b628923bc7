/* SPDX-License-Identifier: MIT */
/* Kubernetes quantities (policy/quantity.c), with one property: zeros added
 * to the end of a fraction do not change the value ("1.5Gi" = "1.50Gi"). */
#include <ctype.h>

#include "fuzz.h"
#include "quantity.h"

/* s with a '0' inserted after the digits that follow its '.', or NULL
 * when s has no '.'. */
static char *with_trailing_zero(const char *s) {
        const char *dot = strchr(s, '.');
        if (!dot)
                return NULL;
        size_t at = (size_t)(dot - s) + 1;
        while (isdigit((unsigned char)s[at]))
                at++;
        size_t len = strlen(s);
        char *t = malloc(len + 2);
        if (!t)
                abort();
        memcpy(t, s, at);
        t[at] = '0';
        memcpy(t + at + 1, s + at, len - at + 1);
        return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        struct mq_error err = {{0}};
        uint64_t bytes;

        if (quantity_parse(s, &bytes, &err) >= 0) {
                FUZZ_ASSERT(bytes <= MQ_QUANTITY_MAX, "\"%s\" gave %llu", s,
                            (unsigned long long)bytes);
                char *t = with_trailing_zero(s);
                /* The input cap (512 characters) is the one reason the longer
                 * text may be refused. */
                if (t && strlen(t) <= 512) {
                        uint64_t again;
                        int r = quantity_parse(t, &again, &err);
                        FUZZ_ASSERT(r >= 0 && again == bytes, "\"%s\" = %llu but \"%s\": %d %s", s,
                                    (unsigned long long)bytes, t, r, r < 0 ? err.msg : "");
                }
                free(t);
        } else
                FUZZ_ASSERT(err.msg[0] != '\0', "\"%s\" refused without a message", s);
        free(s);
        return 0;
}
