/* SPDX-License-Identifier: MIT */
/* Strict Prometheus text exposition format 0.0.4 parser: see expfmt.h. */
#include "expfmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

struct fam_meta {
        size_t line;      /* first line of the family */
        size_t help_line; /* 0: no HELP yet */
        size_t type_line; /* 0: no TYPE yet */
        size_t cap;       /* of the family's samples */
};

struct parser {
        unsigned flags;
        struct expfmt_doc doc;
        struct fam_meta *meta;
        size_t cap;
        size_t cur; /* the family whose lines are being read, or NONE */
        size_t line;
        char *err;
        size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail_at(struct parser *p, size_t line,
                                                         const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (p->err && p->errlen)
                (void)snprintf(p->err, p->errlen, "line %zu: %s", line, msg);
        return -EINVAL;
}

#define fail(p, ...) fail_at((p), (p)->line, __VA_ARGS__)

static int nomem(struct parser *p) {
        if (p->err && p->errlen)
                (void)snprintf(p->err, p->errlen, "line %zu: out of memory", p->line);
        return -ENOMEM;
}

static int is_blank(char c) {
        return c == ' ' || c == '\t';
}

static int name_start(char c, int colon) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int name_char(char c, int colon) {
        return name_start(c, colon) || (c >= '0' && c <= '9');
}

static const char *skip_blank(const char *s, const char *e) {
        while (s < e && is_blank(*s))
                s++;
        return s;
}

/* A character for an error message: itself if printable, else \xNN. */
static const char *chr(char c, char buf[8]) {
        unsigned char u = (unsigned char)c;
        if (u > 0x20 && u < 0x7f)
                (void)snprintf(buf, 8, "'%c'", c);
        else
                (void)snprintf(buf, 8, "\\x%02x", u);
        return buf;
}

static int utf8_valid(const char *str, size_t n) {
        const unsigned char *s = (const unsigned char *)str;
        size_t i = 0;
        while (i < n) {
                unsigned c = s[i], cp, min;
                size_t len;
                if (c < 0x80) {
                        i++;
                        continue;
                }
                if ((c & 0xe0u) == 0xc0u) {
                        len = 2, cp = c & 0x1fu, min = 0x80;
                } else if ((c & 0xf0u) == 0xe0u) {
                        len = 3, cp = c & 0x0fu, min = 0x800;
                } else if ((c & 0xf8u) == 0xf0u) {
                        len = 4, cp = c & 0x07u, min = 0x10000;
                } else {
                        return 0;
                }
                if (n - i < len)
                        return 0;
                for (size_t k = 1; k < len; k++) {
                        unsigned cc = s[i + k];
                        if ((cc & 0xc0u) != 0x80u)
                                return 0;
                        cp = (cp << 6) | (cc & 0x3fu);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return 0;
                i += len;
        }
        return 1;
}

/* A sample value or an le/quantile label: a decimal float, NaN, +Inf or -Inf
 * (not Go's other spellings: inf, nan, hex floats, underscores). */
static int parse_float(const char *s, size_t n, double *v) {
        char buf[128];
        size_t i = 0, d1 = 0, d2 = 0;
        if (n == 3 && !memcmp(s, "NaN", 3)) {
                *v = NAN;
                return 0;
        }
        if (n == 4 && (!memcmp(s, "+Inf", 4) || !memcmp(s, "-Inf", 4))) {
                *v = s[0] == '-' ? -INFINITY : INFINITY;
                return 0;
        }
        if (i < n && (s[i] == '+' || s[i] == '-'))
                i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
                i++, d1++;
        if (i < n && s[i] == '.') {
                i++;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                        i++, d2++;
        }
        if (d1 + d2 == 0)
                return -1;
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                size_t d3 = 0;
                i++;
                if (i < n && (s[i] == '+' || s[i] == '-'))
                        i++;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                        i++, d3++;
                if (!d3)
                        return -1;
        }
        if (i != n || n >= sizeof(buf))
                return -1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        *v = strtod(buf, NULL);
        return isinf(*v) ? -1 : 0; /* overflow */
}

static int parse_int64(const char *s, size_t n, int64_t *v) {
        char buf[32];
        size_t i = 0;
        if (i < n && (s[i] == '+' || s[i] == '-'))
                i++;
        if (i == n || n >= sizeof(buf))
                return -1;
        for (; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return -1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        errno = 0;
        long long ll = strtoll(buf, NULL, 10);
        if (errno)
                return -1;
        *v = (int64_t)ll;
        return 0;
}

static void sample_free(struct expfmt_sample *s) {
        for (size_t i = 0; i < s->n_labels; i++) {
                free(s->label_names[i]);
                free(s->label_values[i]);
        }
        free(s->label_names);
        free(s->label_values);
        free(s->name);
        memset(s, 0, sizeof(*s));
}

void expfmt_doc_free(struct expfmt_doc *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                struct expfmt_family *f = &d->v[i];
                for (size_t j = 0; j < f->n_samples; j++)
                        sample_free(&f->samples[j]);
                free(f->samples);
                free(f->name);
                free(f->help);
        }
        free(d->v);
        d->v = NULL;
        d->n = 0;
}

const char *expfmt_label(const struct expfmt_sample *s, const char *name) {
        for (size_t i = 0; i < s->n_labels; i++)
                if (!strcmp(s->label_names[i], name))
                        return s->label_values[i];
        return NULL;
}

const struct expfmt_family *expfmt_find(const struct expfmt_doc *d, const char *name) {
        for (size_t i = 0; i < d->n; i++)
                if (!strcmp(d->v[i].name, name))
                        return &d->v[i];
        return NULL;
}

const struct expfmt_sample *expfmt_find_sample(const struct expfmt_doc *d, const char *name,
                                               const char *const *kv) {
        for (size_t i = 0; i < d->n; i++) {
                const struct expfmt_family *f = &d->v[i];
                for (size_t j = 0; j < f->n_samples; j++) {
                        const struct expfmt_sample *s = &f->samples[j];
                        int ok = !strcmp(s->name, name);
                        for (size_t k = 0; ok && kv && kv[k] && kv[k + 1]; k += 2) {
                                const char *v = expfmt_label(s, kv[k]);
                                ok = v && !strcmp(v, kv[k + 1]);
                        }
                        if (ok)
                                return s;
                }
        }
        return NULL;
}

/* Equal label sets, ignoring label skip (NULL: none), in any order. */
static int labels_equal(const struct expfmt_sample *a, const struct expfmt_sample *b,
                        const char *skip) {
        size_t na = 0, nb = 0;
        for (size_t i = 0; i < a->n_labels; i++) {
                if (skip && !strcmp(a->label_names[i], skip))
                        continue;
                na++;
                const char *v = expfmt_label(b, a->label_names[i]);
                if (!v || strcmp(v, a->label_values[i]))
                        return 0;
        }
        for (size_t i = 0; i < b->n_labels; i++)
                if (!skip || strcmp(b->label_names[i], skip))
                        nb++;
        return na == nb;
}

static size_t find_family(const struct parser *p, const char *name) {
        for (size_t i = 0; i < p->doc.n; i++)
                if (!strcmp(p->doc.v[i].name, name))
                        return i;
        return NONE;
}

/* 1 if name is base + suffix. */
static int has_suffix(const char *name, const char *base, const char *suffix) {
        size_t n = strlen(base);
        return !strncmp(name, base, n) && !strcmp(name + n, suffix);
}

static int ends_with(const char *name, const char *suffix) {
        size_t n = strlen(name), m = strlen(suffix);
        return n >= m && !strcmp(name + n - m, suffix);
}

/* The histogram or summary whose x_bucket, x_sum or x_count is name, or NONE. */
static size_t suffix_owner(const struct parser *p, const char *name) {
        for (size_t i = 0; i < p->doc.n; i++) {
                const struct expfmt_family *f = &p->doc.v[i];
                int hist = !strcmp(f->type, "histogram");
                if (!hist && strcmp(f->type, "summary"))
                        continue;
                if ((hist && has_suffix(name, f->name, "_bucket")) ||
                    has_suffix(name, f->name, "_sum") || has_suffix(name, f->name, "_count"))
                        return i;
        }
        return NONE;
}

/* Checks of a family once all its lines are read. */
static int close_histogram(struct parser *p, const struct expfmt_family *f) {
        for (size_t i = 0; i < f->n_samples; i++) {
                int seen = 0;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = labels_equal(&f->samples[i], &f->samples[j], "le");
                if (seen)
                        continue;
                /* the label set of sample i, first seen here */
                const struct expfmt_sample *inf = NULL, *sum = NULL, *count = NULL, *prev = NULL;
                double prev_le = 0;
                for (size_t j = i; j < f->n_samples; j++) {
                        const struct expfmt_sample *s = &f->samples[j];
                        if (!labels_equal(&f->samples[i], s, "le"))
                                continue;
                        if (has_suffix(s->name, f->name, "_sum")) {
                                sum = s;
                                continue;
                        }
                        if (has_suffix(s->name, f->name, "_count")) {
                                count = s;
                                continue;
                        }
                        const char *les = expfmt_label(s, "le");
                        double le = 0;
                        (void)parse_float(les, strlen(les), &le); /* checked when read */
                        if (prev && !(le > prev_le))
                                return fail_at(p, s->line,
                                               "%s: le=\"%s\" after le=\"%s\": buckets must be "
                                               "in increasing order of le",
                                               s->name, les, expfmt_label(prev, "le"));
                        if (prev && s->value < prev->value)
                                return fail_at(p, s->line,
                                               "%s{le=\"%s\"} is %g, below %g of le=\"%s\": "
                                               "buckets are cumulative",
                                               s->name, les, s->value, prev->value,
                                               expfmt_label(prev, "le"));
                        if (isinf(le) && le > 0)
                                inf = s;
                        prev = s;
                        prev_le = le;
                }
                size_t line = f->samples[i].line;
                if (!inf)
                        return fail_at(p, line,
                                       "histogram %s: no %s_bucket{le=\"+Inf\"} for the "
                                       "label set of this line",
                                       f->name, f->name);
                if (!count)
                        return fail_at(p, line,
                                       "histogram %s: no %s_count for the label set of "
                                       "this line",
                                       f->name, f->name);
                if (!sum)
                        return fail_at(p, line,
                                       "histogram %s: no %s_sum for the label set of "
                                       "this line",
                                       f->name, f->name);
                if (inf->value != count->value)
                        return fail_at(p, count->line,
                                       "%s is %g but its le=\"+Inf\" bucket (line %zu) is %g: "
                                       "expected them equal",
                                       count->name, count->value, inf->line, inf->value);
        }
        return 0;
}

static int close_summary(struct parser *p, const struct expfmt_family *f) {
        for (size_t i = 0; i < f->n_samples; i++) {
                int seen = 0;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = labels_equal(&f->samples[i], &f->samples[j], "quantile");
                if (seen)
                        continue;
                const struct expfmt_sample *sum = NULL, *count = NULL, *prev = NULL;
                double prev_q = 0;
                for (size_t j = i; j < f->n_samples; j++) {
                        const struct expfmt_sample *s = &f->samples[j];
                        if (!labels_equal(&f->samples[i], s, "quantile"))
                                continue;
                        if (has_suffix(s->name, f->name, "_sum")) {
                                sum = s;
                                continue;
                        }
                        if (has_suffix(s->name, f->name, "_count")) {
                                count = s;
                                continue;
                        }
                        const char *qs = expfmt_label(s, "quantile");
                        double q = 0;
                        (void)parse_float(qs, strlen(qs), &q);
                        if (prev && !(q > prev_q))
                                return fail_at(p, s->line,
                                               "%s: quantile=\"%s\" after quantile=\"%s\": "
                                               "quantiles must be in increasing order",
                                               s->name, qs, expfmt_label(prev, "quantile"));
                        prev = s;
                        prev_q = q;
                }
                size_t line = f->samples[i].line;
                if (!count)
                        return fail_at(p, line,
                                       "summary %s: no %s_count for the label set of "
                                       "this line",
                                       f->name, f->name);
                if (!sum)
                        return fail_at(p, line,
                                       "summary %s: no %s_sum for the label set of this "
                                       "line",
                                       f->name, f->name);
        }
        return 0;
}

static int close_current(struct parser *p) {
        if (p->cur == NONE)
                return 0;
        const struct expfmt_family *f = &p->doc.v[p->cur];
        size_t line = p->meta[p->cur].line;
        p->cur = NONE;
        if (p->flags & EXPFMT_STRICT_NAMES) {
                int counter = !strcmp(f->type, "counter");
                if (counter && !ends_with(f->name, "_total"))
                        return fail_at(p, line, "counter %s: expected a name ending in _total",
                                       f->name);
                if (!counter && ends_with(f->name, "_total"))
                        return fail_at(p, line,
                                       "%s %s: a name ending in _total is kept for counters",
                                       f->type, f->name);
        }
        if (!strcmp(f->type, "histogram"))
                return close_histogram(p, f);
        if (!strcmp(f->type, "summary"))
                return close_summary(p, f);
        return 0;
}

/* Start a new family called name (after closing the current one). */
static int new_family(struct parser *p, const char *name, size_t len) {
        int rc = close_current(p);
        if (rc)
                return rc;
        if (p->doc.n == p->cap) {
                size_t cap = p->cap ? 2 * p->cap : 16;
                struct expfmt_family *v = realloc(p->doc.v, cap * sizeof(*v));
                if (!v)
                        return nomem(p);
                p->doc.v = v;
                struct fam_meta *m = realloc(p->meta, cap * sizeof(*m));
                if (!m)
                        return nomem(p);
                p->meta = m;
                p->cap = cap;
        }
        struct expfmt_family *f = &p->doc.v[p->doc.n];
        memset(f, 0, sizeof(*f));
        f->name = strndup(name, len);
        if (!f->name)
                return nomem(p);
        (void)snprintf(f->type, sizeof(f->type), "untyped");
        p->meta[p->doc.n] = (struct fam_meta){.line = p->line};
        p->cur = p->doc.n++;
        return 0;
}

/* Unescape [s, e) into a new string: \\ and \n, and \" if quoted. quoted: a
 * label value, s just past its opening quote, *end set past the closing one. */
static int unescape(struct parser *p, const char *s, const char *e, int quoted, const char *what,
                    char **out, const char **end) {
        char *r = malloc((size_t)(e - s) + 1), *w = r, buf[8];
        if (!r)
                return nomem(p);
        const char *q = s;
        for (;;) {
                if (q == e) {
                        if (!quoted)
                                break;
                        free(r);
                        return fail(p, "%s: no closing '\"' before the end of the line", what);
                }
                if (quoted && *q == '"') {
                        q++;
                        break;
                }
                if (*q != '\\') {
                        *w++ = *q++;
                        continue;
                }
                if (++q == e) {
                        free(r);
                        return fail(p, "%s: a lone '\\' at the end of the line", what);
                }
                if (*q == 'n') {
                        *w++ = '\n';
                } else if (*q == '\\' || (quoted && *q == '"')) {
                        *w++ = *q;
                } else {
                        free(r);
                        return fail(p, "%s: invalid escape '\\' %s (expected \\\\%s or \\n)", what,
                                    chr(*q, buf), quoted ? ", \\\"" : "");
                }
                q++;
        }
        *w = '\0';
        if (!utf8_valid(r, (size_t)(w - r))) {
                free(r);
                return fail(p, "%s: not valid UTF-8", what);
        }
        *out = r;
        if (end)
                *end = q;
        return 0;
}

static int push_label(struct parser *p, struct expfmt_sample *s, char *name, char *value) {
        char **n = realloc(s->label_names, (s->n_labels + 1) * sizeof(*n));
        if (n)
                s->label_names = n;
        char **v = n ? realloc(s->label_values, (s->n_labels + 1) * sizeof(*v)) : NULL;
        if (!v) {
                free(name);
                free(value);
                return nomem(p);
        }
        s->label_values = v;
        s->label_names[s->n_labels] = name;
        s->label_values[s->n_labels++] = value;
        return 0;
}

static int parse_labels(struct parser *p, struct expfmt_sample *s, const char **qp, const char *e) {
        const char *q = *qp;
        char buf[8], what[128];
        for (;;) {
                q = skip_blank(q, e);
                if (q < e && *q == '}') {
                        q++;
                        break;
                }
                if (q == e || !name_start(*q, 0))
                        return fail(p, "%s: expected a label name or '}', got %s", s->name,
                                    q == e ? "the end of the line" : chr(*q, buf));
                const char *ns = q;
                while (q < e && name_char(*q, 0))
                        q++;
                int len = (int)(q - ns);
                if (len >= 2 && ns[0] == '_' && ns[1] == '_')
                        return fail(p, "%s: label name %.*s is reserved (starts with __)", s->name,
                                    len, ns);
                for (size_t i = 0; i < s->n_labels; i++)
                        if (strlen(s->label_names[i]) == (size_t)len &&
                            !memcmp(s->label_names[i], ns, (size_t)len))
                                return fail(p, "%s: duplicate label name %.*s", s->name, len, ns);
                q = skip_blank(q, e);
                if (q == e || *q != '=')
                        return fail(p, "%s: expected '=' after label name %.*s, got %s", s->name,
                                    len, ns, q == e ? "the end of the line" : chr(*q, buf));
                q = skip_blank(q + 1, e);
                if (q == e || *q != '"')
                        return fail(p, "%s: expected '\"' to open the value of label %.*s, got %s",
                                    s->name, len, ns,
                                    q == e ? "the end of the line" : chr(*q, buf));
                (void)snprintf(what, sizeof(what), "%s: value of label %.*s", s->name, len, ns);
                char *value = NULL, *name = strndup(ns, (size_t)len);
                if (!name)
                        return nomem(p);
                int rc = unescape(p, q + 1, e, 1, what, &value, &q);
                if (rc) {
                        free(name);
                        return rc;
                }
                rc = push_label(p, s, name, value);
                if (rc)
                        return rc;
                q = skip_blank(q, e);
                if (q < e && *q == ',') {
                        q++;
                        continue;
                }
                if (q < e && *q == '}') {
                        q++;
                        break;
                }
                return fail(p, "%s: expected ',' or '}' after the value of label %.*s, got %s",
                            s->name, len, ns, q == e ? "the end of the line" : chr(*q, buf));
        }
        *qp = q;
        return 0;
}

static int check_float_label(struct parser *p, const struct expfmt_sample *s, const char *label,
                             int unit) {
        const char *v = expfmt_label(s, label);
        double d;
        if (!v)
                return fail(p, "%s: expected a %s label", s->name, label);
        if (parse_float(v, strlen(v), &d) || isnan(d))
                return fail(p, "%s: %s=\"%s\": expected a float (decimal, +Inf or -Inf)", s->name,
                            label, v);
        if (unit && !(d >= 0 && d <= 1))
                return fail(p, "%s: quantile=\"%s\": expected a value in [0, 1]", s->name, v);
        return 0;
}

static int check_count(struct parser *p, const struct expfmt_sample *s, const char *what) {
        if (isnan(s->value) || s->value < 0)
                return fail(p, "%s %s is %g: expected a count, neither negative nor NaN", what,
                            s->name, s->value);
        return 0;
}

/* Make p->cur the family sample s belongs to, starting one if needed. */
static int place_sample(struct parser *p, const struct expfmt_sample *s) {
        int found = 0;
        if (p->cur != NONE) {
                const struct expfmt_family *f = &p->doc.v[p->cur];
                if (!strcmp(f->type, "histogram")) {
                        if (has_suffix(s->name, f->name, "_bucket") ||
                            has_suffix(s->name, f->name, "_sum") ||
                            has_suffix(s->name, f->name, "_count"))
                                found = 1;
                        else if (!strcmp(s->name, f->name))
                                return fail(p,
                                            "histogram %s: expected %s_bucket, %s_sum or "
                                            "%s_count, not %s",
                                            f->name, f->name, f->name, f->name, s->name);
                } else if (!strcmp(f->type, "summary")) {
                        if (!strcmp(s->name, f->name) || has_suffix(s->name, f->name, "_sum") ||
                            has_suffix(s->name, f->name, "_count"))
                                found = 1;
                } else if (!strcmp(s->name, f->name)) {
                        found = 1;
                }
        }
        if (!found) {
                size_t other = find_family(p, s->name);
                if (other == NONE)
                        other = suffix_owner(p, s->name);
                if (other != NONE)
                        return fail(p,
                                    "%s belongs to %s %s, whose lines began on line %zu: "
                                    "expected a family's lines together",
                                    s->name, p->doc.v[other].type, p->doc.v[other].name,
                                    p->meta[other].line);
                int rc = new_family(p, s->name, strlen(s->name));
                if (rc)
                        return rc;
                found = 1;
        }
        return 0;
}

/* The checks of s for the type of its family f. */
static int check_sample(struct parser *p, const struct expfmt_family *f,
                        const struct expfmt_sample *s) {
        int rc = 0;
        int hist = !strcmp(f->type, "histogram"), summ = !strcmp(f->type, "summary");
        if (!strcmp(f->type, "counter")) {
                rc = check_count(p, s, "counter");
        } else if (hist && has_suffix(s->name, f->name, "_bucket")) {
                rc = check_float_label(p, s, "le", 0);
                if (!rc)
                        rc = check_count(p, s, "histogram bucket");
        } else if (hist || (summ && strcmp(s->name, f->name))) {
                const char *l = hist ? "le" : "quantile";
                if (expfmt_label(s, l))
                        return fail(p, "%s: unexpected %s label", s->name, l);
                if (has_suffix(s->name, f->name, "_count"))
                        rc = check_count(p, s, f->type);
        } else if (summ) {
                rc = check_float_label(p, s, "quantile", 1);
        }
        if (rc)
                return rc;
        if (p->flags & EXPFMT_STRICT_NAMES) {
                if (!hist && expfmt_label(s, "le"))
                        return fail(p, "%s: an le label outside a histogram", s->name);
                if (!summ && expfmt_label(s, "quantile"))
                        return fail(p, "%s: a quantile label outside a summary", s->name);
        }
        for (size_t i = 0; i < f->n_samples; i++)
                if (!strcmp(f->samples[i].name, s->name) && labels_equal(&f->samples[i], s, NULL))
                        return fail(p, "%s: duplicate series (same name and labels as line %zu)",
                                    s->name, f->samples[i].line);
        return 0;
}

static int add_sample(struct parser *p, struct expfmt_sample *s) {
        int rc = place_sample(p, s);
        if (rc < 0)
                return rc;
        struct expfmt_family *f = &p->doc.v[p->cur];
        struct fam_meta *m = &p->meta[p->cur];
        rc = check_sample(p, f, s);
        if (rc)
                return rc;
        if (f->n_samples == m->cap) {
                size_t cap = m->cap ? 2 * m->cap : 8;
                struct expfmt_sample *v = realloc(f->samples, cap * sizeof(*v));
                if (!v)
                        return nomem(p);
                f->samples = v;
                m->cap = cap;
        }
        f->samples[f->n_samples++] = *s;
        memset(s, 0, sizeof(*s));
        return 0;
}

static int parse_sample(struct parser *p, const char *q, const char *e) {
        struct expfmt_sample s = {.line = p->line};
        char buf[8];
        int rc;
        if (!name_start(*q, 1))
                return fail(p, "expected a metric name or '#', got %s", chr(*q, buf));
        const char *ns = q;
        while (q < e && name_char(*q, 1))
                q++;
        const char *name_end = q;
        s.name = strndup(ns, (size_t)(q - ns));
        if (!s.name)
                return nomem(p);
        q = skip_blank(q, e);
        if (q < e && *q == '{') {
                q++;
                rc = parse_labels(p, &s, &q, e);
                if (rc)
                        goto out;
                q = skip_blank(q, e);
        } else if (q == name_end && q < e) {
                rc = fail(p, "invalid character %s in metric name %s", chr(*q, buf), s.name);
                goto out;
        }
        if (q == e) {
                rc = fail(p, "%s: expected a value", s.name);
                goto out;
        }
        const char *vs = q;
        while (q < e && !is_blank(*q))
                q++;
        if (parse_float(vs, (size_t)(q - vs), &s.value)) {
                rc = fail(p, "%s: value \"%.*s\": expected a float (decimal, NaN, +Inf or -Inf)",
                          s.name, (int)(q - vs), vs);
                goto out;
        }
        if (q < e) { /* as Go's parser: no trailing blanks on a sample line */
                q = skip_blank(q, e);
                if (q == e) {
                        rc = fail(p, "%s: trailing blanks after the value", s.name);
                        goto out;
                }
                const char *ts = q;
                while (q < e && !is_blank(*q))
                        q++;
                if (parse_int64(ts, (size_t)(q - ts), &s.timestamp_ms)) {
                        rc = fail(p,
                                  "%s: timestamp \"%.*s\": expected an integer (ms since the "
                                  "epoch)",
                                  s.name, (int)(q - ts), ts);
                        goto out;
                }
                s.has_timestamp = 1;
                if (q < e) {
                        rc = fail(p, "%s: unexpected \"%.*s\" after the timestamp", s.name,
                                  (int)(e - q), q);
                        goto out;
                }
        }
        rc = add_sample(p, &s);
out:
        sample_free(&s);
        return rc;
}

static int parse_comment(struct parser *p, const char *q, const char *e) {
        char buf[8], what[272];
        q = skip_blank(q + 1, e);
        const char *ks = q;
        while (q < e && !is_blank(*q))
                q++;
        size_t klen = (size_t)(q - ks);
        int help = klen == 4 && !memcmp(ks, "HELP", 4);
        if (!help && !(klen == 4 && !memcmp(ks, "TYPE", 4)))
                return 0; /* a comment */
        const char *kw = help ? "HELP" : "TYPE";
        q = skip_blank(q, e);
        if (q == e || !name_start(*q, 1))
                return fail(p, "# %s: expected a metric name, got %s", kw,
                            q == e ? "the end of the line" : chr(*q, buf));
        const char *ns = q;
        while (q < e && name_char(*q, 1))
                q++;
        int len = (int)(q - ns);
        if (q < e && !is_blank(*q))
                return fail(p, "# %s: invalid character %s in metric name %.*s", kw, chr(*q, buf),
                            len, ns);
        q = skip_blank(q, e);

        char name[256];
        if (len >= (int)sizeof(name))
                return fail(p, "# %s: metric name too long", kw);
        memcpy(name, ns, (size_t)len);
        name[len] = '\0';
        char type[16] = "";
        if (!help) {
                const char *ts = q;
                while (q < e && !is_blank(*q))
                        q++;
                int tlen = (int)(q - ts);
                static const char *const types[] = {"counter", "gauge", "histogram", "summary",
                                                    "untyped"};
                for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                        if (strlen(types[i]) == (size_t)tlen && !memcmp(types[i], ts, (size_t)tlen))
                                (void)snprintf(type, sizeof(type), "%s", types[i]);
                if (!type[0])
                        return fail(p,
                                    "# TYPE %s: type \"%.*s\": expected counter, gauge, "
                                    "histogram, summary or untyped",
                                    name, tlen, ts);
                if (q < e) /* as Go's parser: not even blanks */
                        return fail(p, "# TYPE %s %s: unexpected \"%.*s\" after the type", name,
                                    type, (int)(e - q), q);
        }

        size_t fi = find_family(p, name);
        if (fi != NONE && fi != p->cur)
                return fail(p,
                            "# %s %s: the family's lines began on line %zu: expected a "
                            "family's lines together",
                            kw, name, p->meta[fi].line);
        size_t owner = suffix_owner(p, name);
        if (owner != NONE)
                return fail(p, "# %s %s: the name of a sample of %s %s (line %zu)", kw, name,
                            p->doc.v[owner].type, p->doc.v[owner].name, p->meta[owner].line);
        if (fi == NONE) {
                int rc = new_family(p, name, (size_t)len);
                if (rc)
                        return rc;
        }
        struct expfmt_family *f = &p->doc.v[p->cur];
        struct fam_meta *m = &p->meta[p->cur];
        if (help) {
                if (m->help_line)
                        return fail(p, "second HELP line for %s (first on line %zu)", name,
                                    m->help_line);
                (void)snprintf(what, sizeof(what), "# HELP %s", name);
                int rc = unescape(p, q, e, 0, what, &f->help, NULL);
                if (rc)
                        return rc;
                m->help_line = p->line;
                return 0;
        }
        if (m->type_line)
                return fail(p, "second TYPE line for %s (first on line %zu)", name, m->type_line);
        if (f->n_samples)
                return fail(p, "TYPE line for %s after its samples (first on line %zu)", name,
                            f->samples[0].line);
        if (!strcmp(type, "histogram") || !strcmp(type, "summary")) {
                static const char *const sfx[] = {"_bucket", "_sum", "_count"};
                for (size_t i = !strcmp(type, "summary"); i < 3; i++) {
                        char n2[300];
                        (void)snprintf(n2, sizeof(n2), "%s%s", name, sfx[i]);
                        size_t o = find_family(p, n2);
                        if (o != NONE)
                                return fail(p, "# TYPE %s %s: %s is already a family (line %zu)",
                                            name, type, n2, p->meta[o].line);
                }
        }
        (void)snprintf(f->type, sizeof(f->type), "%s", type);
        m->type_line = p->line;
        return 0;
}

int expfmt_parse(const char *text, unsigned flags, struct expfmt_doc *ret, char *err,
                 size_t errlen) {
        struct parser p = {.flags = flags, .cur = NONE, .err = err, .errlen = errlen};
        int rc = 0;
        if (ret)
                *ret = (struct expfmt_doc){0};
        if (err && errlen)
                err[0] = '\0';
        if (!text || !ret)
                return -EINVAL;
        for (const char *s = text; *s && !rc;) {
                p.line++;
                const char *e = strchr(s, '\n');
                if (!e) {
                        rc = fail(&p, "expected \\n at the end of the last line");
                        break;
                }
                if (e > s && e[-1] == '\r') {
                        rc = fail(&p, "the line ends in \\r\\n: expected \\n alone");
                        break;
                }
                const char *q = skip_blank(s, e);
                if (q < e)
                        rc = *q == '#' ? parse_comment(&p, q, e) : parse_sample(&p, q, e);
                s = e + 1;
        }
        if (!rc)
                rc = close_current(&p);
        free(p.meta);
        if (rc) {
                expfmt_doc_free(&p.doc);
                return rc;
        }
        *ret = p.doc;
        return 0;
}
