/* SPDX-License-Identifier: MIT */
#include "quantity.h"

#include <stdbool.h>

/* Kubernetes keeps arbitrary precision (inf.Dec), so "1.000…001" with any
 * number of digits rounds up to 2 bytes. The digits go into a small fixed
 * bignum: exact at any length the input cap allows. */
#define QUANTITY_MAX_CHARS 512    /* characters */
#define MAX_EXPONENT       100000 /* |e| saturates here: see parse_exponent() */
#define BIG_LIMBS          64     /* 2048 bits > 512 digits (1701 bits) shifted by 2^60 */

struct big {
        uint32_t limb[BIG_LIMBS]; /* little-endian base 2^32 */
        size_t n;                 /* limbs in use; 0 means zero */
};

struct number {
        struct big mantissa; /* every digit, the decimal point dropped */
        int scale10;         /* value = mantissa * 10^scale10 * 2^scale2 */
        int scale2;
};

static const char *const expected =
        "expected a non-negative number with an optional suffix (Ki Mi Gi Ti Pi Ei, k M G T P E, "
        "or an exponent such as e6)";

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* a = a * mul + add; -ERANGE past BIG_LIMBS (cannot happen under QUANTITY_MAX_CHARS). */
static int big_mul_add(struct big *a, uint32_t mul, uint32_t add) {
        uint64_t carry = add;
        for (size_t i = 0; i < a->n; i++) {
                uint64_t v = (uint64_t)a->limb[i] * mul + carry;
                a->limb[i] = (uint32_t)v;
                carry = v >> 32;
        }
        if (carry) {
                if (a->n == BIG_LIMBS)
                        return -ERANGE;
                a->limb[a->n++] = (uint32_t)carry;
        }
        return 0;
}

/* a = a / div; returns the remainder. */
static uint32_t big_divmod(struct big *a, uint32_t div) {
        uint64_t rem = 0;
        for (size_t i = a->n; i-- > 0;) {
                uint64_t v = (rem << 32) | a->limb[i];
                a->limb[i] = (uint32_t)(v / div);
                rem = v % div;
        }
        while (a->n > 0 && a->limb[a->n - 1] == 0)
                a->n--;
        return (uint32_t)rem;
}

static bool big_above_max(const struct big *a) {
        return a->n > 2 || (a->n == 2 && a->limb[1] > (uint32_t)(MQ_QUANTITY_MAX >> 32));
}

static uint64_t big_to_u64(const struct big *a) {
        return (a->n > 0 ? a->limb[0] : 0) | (uint64_t)(a->n > 1 ? a->limb[1] : 0) << 32;
}

/* Digits with at most one '.', at least one digit. */
static int parse_number(const char **p, struct number *n) {
        const char *s = *p;
        bool seen_digit = false, seen_dot = false;
        int frac = 0;

        for (;; s++) {
                if (*s == '.' && !seen_dot) {
                        seen_dot = true;
                        continue;
                }
                if (!is_digit(*s))
                        break;
                seen_digit = true;
                frac += seen_dot;
                if (big_mul_add(&n->mantissa, 10, (uint32_t)(*s - '0')) < 0)
                        return -ERANGE;
        }
        if (!seen_digit)
                return -EINVAL;
        n->scale10 = -frac;
        *p = s;
        return 0;
}
/* A decimal exponent of any length. It saturates at MAX_EXPONENT instead of
 * failing: past 10^19 any non-zero mantissa is over MQ_QUANTITY_MAX and below
 * 10^-QUANTITY_MAX_CHARS it is under one byte, so a larger |e| changes nothing, and
 * "0e1001" is 0 and "1e-1001" rounds up to 1 byte like any other fraction.
 * number_to_bytes() stops scaling once the value is 0 or too large. */
static int parse_exponent(const char *s, int *ret) {
        bool negative = false;
        long v = 0;

        if (*s == '+' || *s == '-')
                negative = *s++ == '-';
        if (!is_digit(*s))
                return -EINVAL;
        for (; is_digit(*s); s++)
                v = v >= MAX_EXPONENT ? MAX_EXPONENT : v * 10 + (*s - '0');
        if (*s != '\0')
                return -EINVAL;
        if (v > MAX_EXPONENT)
                v = MAX_EXPONENT;
        *ret = (int)(negative ? -v : v);
        return 0;
}

static int parse_suffix(const char *s, struct number *n) {
        static const struct {
                const char *name;
                int scale10, scale2;
        } suffixes[] = {
                {"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},
                {"k", 3, 0},   {"M", 6, 0},   {"G", 9, 0},   {"T", 12, 0},
                {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
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

/* ceil(mantissa * 10^scale10 * 2^scale2), or -ERANGE past MQ_QUANTITY_MAX. */
static int number_to_bytes(struct number *n, uint64_t *ret) {
        struct big *v = &n->mantissa;
        bool inexact = false;

        for (int b = n->scale2; b > 0; b -= 30)
                if (big_mul_add(v, 1u << (b < 30 ? b : 30), 0) < 0)
                        return -ERANGE;
        for (int i = 0; i < n->scale10 && v->n > 0; i++)
                if (big_mul_add(v, 10, 0) < 0 || big_above_max(v))
                        return -ERANGE;
        /* floor(floor(x / 10) / 10) = floor(x / 100): divide digit by digit
         * and remember whether anything was cut off, for the rounding up. */
        for (int i = 0; i > n->scale10 && v->n > 0; i--)
                inexact |= big_divmod(v, 10) != 0;
        if (big_above_max(v))
                return -ERANGE;
        uint64_t bytes = big_to_u64(v) + inexact;
        if (bytes > MQ_QUANTITY_MAX)
                return -ERANGE;
        *ret = bytes;
        return 0;
}

int quantity_parse(const char *s, uint64_t *ret_bytes, struct mq_error *err) {
        struct number n = {{{0}, 0}, 0, 0};
        const char *p = s;
        uint64_t bytes;
        int r;

        if (!s || !*s)
                return mq_error_set(err, EINVAL, "empty quantity: %s", expected);
        if (strlen(s) > QUANTITY_MAX_CHARS)
                return mq_error_set(err, EINVAL,
                                    "quantity \"%.32s...\" is longer than %d characters", s,
                                    QUANTITY_MAX_CHARS);
        if (*p == '-')
                return mq_error_set(err, EINVAL, "invalid quantity \"%s\": must not be negative",
                                    s);
        if (*p == '+')
                p++;
        r = parse_number(&p, &n);
        if (r == 0)
                r = parse_suffix(p, &n);
        if (r == -ERANGE)
                return mq_error_set(err, ERANGE,
                                    "quantity \"%s\" is too large: the limit is 2^63-1 bytes", s);
        if (r < 0)
                return mq_error_set(err, -r, "invalid quantity \"%s\": %s", s, expected);
        if (number_to_bytes(&n, &bytes) < 0)
                return mq_error_set(err, ERANGE,
                                    "quantity \"%s\" is too large: the limit is 2^63-1 bytes", s);
        *ret_bytes = bytes;
        return 0;
}
