/* SPDX-License-Identifier: MIT */
#include "quantity.h"

#include <stdbool.h>

/* 20 significant digits (< 10^20 < 2^67) times the largest binary suffix
 * (2^60) stays below 2^127, so every step fits in unsigned __int128. */
#define MAX_SIGNIFICANT_DIGITS 20
#define MAX_EXPONENT           1000

typedef unsigned __int128 u128;

struct number {
        u128 mantissa; /* the significant digits as an integer */
        int scale10;   /* value = mantissa * 10^scale10 * 2^scale2 */
        int scale2;
};

static const char *const expected =
        "expected a non-negative number with an optional suffix (Ki Mi Gi Ti Pi Ei, k M G T P E, "
        "or an exponent such as e6)";

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Digits with at most one '.', at least one digit. Leading zeros do not
 * count as significant; trailing fraction zeros are dropped. */
static int parse_number(const char **p, struct number *n) {
        const char *s = *p;
        bool seen_digit = false, seen_dot = false;
        int digits = 0, frac = 0, pending_zeros = 0;

        n->mantissa = 0;
        for (;; s++) {
                if (*s == '.' && !seen_dot) {
                        seen_dot = true;
                        continue;
                }
                if (!is_digit(*s))
                        break;
                seen_digit = true;
                if (seen_dot)
                        frac++;
                if (*s == '0' && seen_dot) {
                        /* a fraction zero matters only if a non-zero digit follows */
                        pending_zeros++;
                        continue;
                }
                for (; pending_zeros > 0; pending_zeros--) {
                        if (n->mantissa != 0 && ++digits > MAX_SIGNIFICANT_DIGITS)
                                return -ERANGE;
                        n->mantissa *= 10;
                }
                if (n->mantissa != 0 || *s != '0')
                        if (++digits > MAX_SIGNIFICANT_DIGITS)
                                return -ERANGE;
                n->mantissa = n->mantissa * 10 + (unsigned)(*s - '0');
        }
        if (!seen_digit)
                return -EINVAL;
        n->scale10 = -(frac - pending_zeros);
        *p = s;
        return 0;
}

static int parse_exponent(const char *s, int *ret) {
        bool negative = false;
        long v = 0;

        if (*s == '+' || *s == '-')
                negative = *s++ == '-';
        if (!is_digit(*s))
                return -EINVAL;
        for (; is_digit(*s); s++) {
                v = v * 10 + (*s - '0');
                if (v > MAX_EXPONENT)
                        return -ERANGE;
        }
        if (*s != '\0')
                return -EINVAL;
        *ret = (int)(negative ? -v : v);
        return 0;
}

static int parse_suffix(const char *s, struct number *n) {
        static const struct {
                const char *name;
                int scale10, scale2;
        } suffixes[] = {
                {"", 0, 0},    {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},   {"G", 9, 0},
                {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
                {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
        };
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (streq(s, suffixes[i].name)) {
                        n->scale10 += suffixes[i].scale10;
                        n->scale2 = suffixes[i].scale2;
                        return 0;
                }
        if (s[0] == 'e' || s[0] == 'E') {
                int e, r = parse_exponent(s + 1, &e);
                if (r < 0)
                        return r;
                n->scale10 += e;
                n->scale2 = 0;
                return 0;
        }
        return -EINVAL;
}

static u128 pow10_u128(int k) {
        u128 v = 1;
        while (k-- > 0)
                v *= 10;
        return v;
}

/* ceil(mantissa * 10^scale10 * 2^scale2), or -ERANGE past MQ_QUANTITY_MAX. */
static int number_to_bytes(const struct number *n, uint64_t *ret) {
        u128 v = n->mantissa << n->scale2; /* < 2^127 by MAX_SIGNIFICANT_DIGITS */

        if (v == 0) {
                *ret = 0;
                return 0;
        }
        if (n->scale10 >= 0) {
                for (int i = 0; i < n->scale10; i++) {
                        v *= 10;
                        if (v > MQ_QUANTITY_MAX)
                                return -ERANGE;
                }
        } else if (n->scale10 < -38) {
                v = 1; /* 0 < value < 2^127 / 10^39 < 1: rounds up to one byte */
        } else {
                u128 d = pow10_u128(-n->scale10);
                v = v / d + (v % d != 0);
        }
        if (v > MQ_QUANTITY_MAX)
                return -ERANGE;
        *ret = (uint64_t)v;
        return 0;
}

int quantity_parse(const char *s, uint64_t *ret_bytes, struct mq_error *err) {
        struct number n = {0};
        const char *p = s;
        uint64_t bytes;
        int r;

        if (!s || !*s)
                return mq_error_set(err, EINVAL, "empty quantity: %s", expected);
        if (*p == '-')
                return mq_error_set(err, EINVAL, "invalid quantity \"%s\": must not be negative",
                                    s);
        if (*p == '+')
                p++;
        r = parse_number(&p, &n);
        if (r == -ERANGE)
                return mq_error_set(
                        err, ERANGE,
                        "quantity \"%s\" is too large or has more than %d significant digits", s,
                        MAX_SIGNIFICANT_DIGITS);
        if (r == 0)
                r = parse_suffix(p, &n);
        if (r < 0)
                return mq_error_set(err, -r, "invalid quantity \"%s\": %s", s, expected);
        if (number_to_bytes(&n, &bytes) < 0)
                return mq_error_set(err, ERANGE,
                                    "quantity \"%s\" is too large: the limit is 2^63-1 bytes", s);
        *ret_bytes = bytes;
        return 0;
}
