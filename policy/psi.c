/* SPDX-License-Identifier: MIT */
#include "psi.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "util.h"

/* psi.rst: "The window size must be between 500ms and 10s." */
#define PSI_WINDOW_MIN_US 500000ULL
#define PSI_WINDOW_MAX_US 10000000ULL

struct psi_line {
        double avg10, avg60, avg300;
        uint64_t total;
};

/* Copy an n-byte numeric token into tmp (NUL-terminated); it must start
 * with a digit, so strtod/strtoull never see a sign, space or "inf". */
static int token_copy(const char *s, size_t n, char *tmp, size_t size) {
        if (n == 0 || n >= size || !(s[0] >= '0' && s[0] <= '9'))
                return -EINVAL;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        return 0;
}

static int parse_double(const char *s, size_t n, double *ret) {
        char tmp[32];
        if (token_copy(s, n, tmp, sizeof(tmp)) < 0)
                return -EINVAL;
        char *end;
        errno = 0;
        double v = strtod(tmp, &end);
        if (errno != 0 || *end != '\0' || !isfinite(v))
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *ret) {
        char tmp[24];
        if (token_copy(s, n, tmp, sizeof(tmp)) < 0)
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(tmp, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        *ret = (uint64_t)v;
        return 0;
}

/* Parse the key=value fields after "some"/"full" up to the end of the line. */
static int parse_fields(const char *p, size_t len, struct psi_line *ret) {
        struct psi_line l = {0};
        unsigned seen = 0;
        const char *end = p + len;

        while (p < end) {
                while (p < end && *p == ' ')
                        p++;
                if (p == end)
                        break;
                const char *tok = p;
                while (p < end && *p != ' ')
                        p++;
                const char *eq = memchr(tok, '=', (size_t)(p - tok));
                if (!eq)
                        return -EINVAL;
                size_t klen = (size_t)(eq - tok), vlen = (size_t)(p - eq - 1);
                int r = 0;
                if (klen == 5 && startswith(tok, "avg10")) {
                        r = parse_double(eq + 1, vlen, &l.avg10);
                        seen |= 1;
                } else if (klen == 5 && startswith(tok, "avg60")) {
                        r = parse_double(eq + 1, vlen, &l.avg60);
                        seen |= 2;
                } else if (klen == 6 && startswith(tok, "avg300")) {
                        r = parse_double(eq + 1, vlen, &l.avg300);
                        seen |= 4;
                } else if (klen == 5 && startswith(tok, "total")) {
                        r = parse_u64(eq + 1, vlen, &l.total);
                        seen |= 8;
                }
                if (r < 0)
                        return r;
        }
        if (seen != 15)
                return -EINVAL;
        *ret = l;
        return 0;
}

int parse_psi_buf(const char *buf, struct mq_psi *ret) {
        struct psi_line some = {0}, full = {0};
        bool have_some = false, have_full = false;

        if (!buf)
                return -EINVAL;
        for (const char *p = buf; *p;) {
                size_t len = strcspn(p, "\n");
                int r;
                if (len == 0) {
                        p++;
                        continue;
                }
                if (len > 5 && startswith(p, "some ")) {
                        if (have_some)
                                return -EINVAL;
                        r = parse_fields(p + 5, len - 5, &some);
                        have_some = true;
                } else if (len > 5 && startswith(p, "full ")) {
                        if (have_full)
                                return -EINVAL;
                        r = parse_fields(p + 5, len - 5, &full);
                        have_full = true;
                } else
                        r = -EINVAL;
                if (r < 0)
                        return r;
                p += len;
        }
        if (!have_some)
                return -EINVAL;

        *ret = (struct mq_psi){
                .some_avg10 = some.avg10,
                .some_avg60 = some.avg60,
                .some_avg300 = some.avg300,
                .some_total_us = some.total,
                .full_avg10 = full.avg10,
                .full_avg60 = full.avg60,
                .full_avg300 = full.avg300,
                .full_total_us = full.total,
        };
        return 0;
}

int psi_trigger_format(uint64_t stall_us, uint64_t window_us, char *buf, size_t size) {
        if (window_us < PSI_WINDOW_MIN_US || window_us > PSI_WINDOW_MAX_US)
                return -EINVAL;
        if (stall_us == 0 || stall_us > window_us)
                return -EINVAL;
        int n = snprintf(buf, size, "some %" PRIu64 " %" PRIu64, stall_us, window_us);
        if (n < 0 || (size_t)n >= size)
                return -ENOBUFS;
        return 0;
}
