/* SPDX-License-Identifier: MIT */
/* expfmt-check [--strict-names] [--require NAME]... < exposition
 * Validates a Prometheus text exposition (format 0.0.4) on stdin with
 * tests/lib/expfmt: exit 0 if valid and every --require family is present,
 * else print "expfmt-check: line N: <what>" (or "expfmt-check: no family
 * NAME") on stderr and exit 1; exit 2 on a usage or read error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expfmt.h"

static int usage(void) {
        (void)fputs("usage: expfmt-check [--strict-names] [--require NAME]... < exposition\n",
                    stderr);
        return 2;
}

int main(int argc, char **argv) {
        unsigned flags = 0;
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--strict-names"))
                        flags |= EXPFMT_STRICT_NAMES;
                else if (!strcmp(argv[i], "--require") && i + 1 < argc)
                        i++;
                else
                        return usage();
        }

        size_t len = 0, cap = 1 << 16;
        char *buf = malloc(cap);
        for (size_t n; buf; len += n) {
                if (cap - len < 2) {
                        char *b = realloc(buf, cap *= 2);
                        if (!b)
                                free(buf);
                        buf = b;
                        if (!buf)
                                break;
                }
                n = fread(buf + len, 1, cap - len - 1, stdin);
                if (!n)
                        break;
        }
        if (!buf || ferror(stdin)) {
                (void)fprintf(stderr, "expfmt-check: reading stdin: %s\n",
                              buf ? "read error" : strerror(ENOMEM));
                free(buf);
                return 2;
        }
        buf[len] = '\0';
        char *nul = memchr(buf, '\0', len);
        if (nul) {
                size_t line = 1;
                for (const char *c = buf; c < nul; c++)
                        line += *c == '\n';
                (void)fprintf(stderr, "expfmt-check: line %zu: a NUL byte\n", line);
                free(buf);
                return 1;
        }

        struct expfmt_doc doc;
        char err[600];
        int rc = expfmt_parse(buf, flags, &doc, err, sizeof(err));
        free(buf);
        if (rc) {
                (void)fprintf(stderr, "expfmt-check: %s\n", err);
                return 1;
        }
        int ret = 0;
        for (int i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--require") && !expfmt_find(&doc, argv[++i])) {
                        (void)fprintf(stderr, "expfmt-check: no family %s\n", argv[i]);
                        ret = 1;
                }
        expfmt_doc_free(&doc);
        return ret;
}
