/* SPDX-License-Identifier: MIT */
/* Writing the Prometheus text format (version 0.0.4). */
#include "metrics-text.h"

#include <inttypes.h>
#include <math.h>

#include "escape.h"
#include "util.h"

void metrics_family(FILE *f, const char *name, const char *type, const char *help) {
        (void)fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_u64(FILE *f, const char *name, const char *labels, uint64_t v) {
        (void)fprintf(f, "%s%s%s%s %" PRIu64 "\n", name, *labels ? "{" : "", labels,
                      *labels ? "}" : "", v);
}

void metrics_real(FILE *f, const char *name, const char *labels, double v) {
        if (isinf(v))
                (void)fprintf(f, "%s%s%s%s %s\n", name, *labels ? "{" : "", labels,
                              *labels ? "}" : "", v > 0 ? "+Inf" : "-Inf");
        else
                (void)fprintf(f, "%s%s%s%s %.17g\n", name, *labels ? "{" : "", labels,
                              *labels ? "}" : "", v);
}

void metrics_bytes(FILE *f, const char *name, const char *labels, uint64_t v) {
        if (v == MQ_UNLIMITED)
                metrics_real(f, name, labels, INFINITY);
        else
                metrics_u64(f, name, labels, v);
}

void metrics_counter(FILE *f, const char *name, const char *help, uint64_t v) {
        metrics_family(f, name, "counter", help);
        metrics_u64(f, name, "", v);
}

void metrics_gauge(FILE *f, const char *name, const char *help, double v) {
        metrics_family(f, name, "gauge", help);
        metrics_real(f, name, "", v);
}

/* Most label values (UIDs, QoS and priority names, most pod names) are
 * ASCII: a scrape writes ~13 labelled series per pod, so the full UTF-8
 * check runs only for the others. */
static bool ascii(const char *s) {
        for (; *s; s++)
                if ((unsigned char)*s >= 0x80)
                        return false;
        return true;
}

/* Bytes in the UTF-8 character that starts with lead (value is valid
 * UTF-8 here): a label cut short never splits one. */
static size_t utf8_len(unsigned char lead) {
        return lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

void metrics_label(char *buf, size_t size, const char *name, const char *value) {
        /* The format is UTF-8 (a scraper rejects the whole page for one bad
         * label): bytes that are not become U+FFFD, as in JSON (escape.h). */
        char fixed[METRICS_LABEL_VALUE_MAX];
        if (!ascii(value) && !mq_utf8_valid(value, strlen(value)))
                value = mq_utf8_replace(value, fixed, sizeof(fixed));
        size_t used = strlen(buf);
        int n = snprintf(buf + used, size - used, "%s%s=\"", used ? "," : "", name);
        if (n < 0 || (size_t)n >= size - used) {
                buf[used] = '\0';
                return;
        }
        used += (size_t)n;
        for (const char *p = value; *p;) {
                const char *esc = *p == '\\'   ? "\\\\"
                                  : *p == '"'  ? "\\\""
                                  : *p == '\n' ? "\\n"
                                               : NULL;
                size_t in = esc ? 1 : utf8_len((unsigned char)*p);
                if (in > 1 && strnlen(p, in) < in)
                        in = 1;
                size_t out = esc ? 2 : in;
                if (used + out + 2 > size) /* the piece, the quote, the NUL */
                        break;
                if (esc)
                        memcpy(buf + used, esc, 2);
                else if (in == 1)
                        buf[used] = *p;
                else
                        memcpy(buf + used, p, in);
                used += out;
                p += in;
        }
        buf[used++] = '"';
        buf[used] = '\0';
}
