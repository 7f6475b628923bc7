/* SPDX-License-Identifier: MIT */
#include "util.h"

char *mq_escape(const char *s, char *buf, size_t size) {
        size_t used = 0;
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;
                char esc[8];
                if (c == '\n')
                        memcpy(esc, "\\n", 3);
                else if (c == '\r')
                        memcpy(esc, "\\r", 3);
                else if (c < 0x20 || c == 0x7f)
                        (void)snprintf(esc, sizeof(esc), "\\x%02x", c);
                else {
                        esc[0] = (char)c;
                        esc[1] = '\0';
                }
                size_t n = strlen(esc);
                if (used + n >= size)
                        break; /* never cut an escape in half */
                memcpy(buf + used, esc, n);
                used += n;
        }
        buf[used] = '\0';
        return buf;
}
