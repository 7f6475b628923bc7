/* SPDX-License-Identifier: MIT */
#include "escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the well-formed UTF-8 character at s (at most n bytes), or 0
 * when the bytes there are not one. The table is RFC 3629's: the second
 * byte's range excludes overlong forms (E0, F0), surrogates (ED) and code
 * points past U+10FFFF (F4). */
static size_t utf8_char_len(const unsigned char *s, size_t n) {
        unsigned char c = s[0], lo = 0x80, hi = 0xbf;
        size_t len;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4;
        else
                return 0; /* continuation byte, C0/C1 overlong lead, F5..FF */
        if (c == 0xe0)
                lo = 0xa0;
        else if (c == 0xed)
                hi = 0x9f;
        else if (c == 0xf0)
                lo = 0x90;
        else if (c == 0xf4)
                hi = 0x8f;
        if (n < len || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return len;
}

bool mq_utf8_valid(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *)s;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_char_len(p + i, len - i);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

/* The escape for the byte or character at s into esc; returns how many
 * input bytes it stands for. */
static size_t escape_one(const unsigned char *s, size_t n, char esc[static 12]) {
        unsigned char c = s[0];
        size_t len = utf8_char_len(s, n);
        /* U+0080..U+009F arrive as C2 80..C2 9F: C1 controls (CSI is
         * U+009B), which some terminals obey like ESC [. */
        bool c1 = len == 2 && c == 0xc2 && s[1] <= 0x9f;

        if (c == '\n' || c == '\r' || c == '\t' || c == '\\') {
                esc[0] = '\\';
                esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\';
                esc[2] = '\0';
                return 1;
        }
        if (len == 0 || c < 0x20 || c == 0x7f) {
                (void)snprintf(esc, 12, "\\x%02x", c);
                return 1;
        }
        if (c1) {
                (void)snprintf(esc, 12, "\\x%02x\\x%02x", c, s[1]);
                return 2;
        }
        memcpy(esc, s, len);
        esc[len] = '\0';
        return len;
}

char *mq_escape(const char *s, char *buf, size_t size) {
        const unsigned char *p = (const unsigned char *)(s ? s : "");
        size_t left = strlen((const char *)p), used = 0;

        while (left > 0) {
                char esc[12];
                size_t took = escape_one(p, left, esc);
                size_t n = strlen(esc);
                if (used + n >= size)
                        break; /* never cut an escape or a character in half */
                memcpy(buf + used, esc, n);
                used += n;
                p += took;
                left -= took;
        }
        buf[used] = '\0';
        return buf;
}

char *mq_utf8_replace(const char *s, char *buf, size_t size) {
        const unsigned char *p = (const unsigned char *)(s ? s : "");
        size_t left = strlen((const char *)p), used = 0;

        while (left > 0) {
                size_t took = utf8_char_len(p, left);
                const char *out = took ? (const char *)p : "\xef\xbf\xbd";
                size_t n = took ? took : 3;
                if (used + n >= size)
                        break;
                memcpy(buf + used, out, n);
                used += n;
                p += took ? took : 1;
                left -= took ? took : 1;
        }
        buf[used] = '\0';
        return buf;
}
