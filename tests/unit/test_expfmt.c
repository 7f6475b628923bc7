/* SPDX-License-Identifier: MIT */
/* tests/lib/expfmt: good expositions parse to exact values; bad ones fail
 * naming the line and what was expected. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "expfmt.h"

static struct expfmt_doc parse_ok(const char *text, unsigned flags) {
        struct expfmt_doc d;
        char err[512];
        int rc = expfmt_parse(text, flags, &d, err, sizeof(err));
        if (rc)
                fail_msg("rejected (%d): %s\n--- document:\n%s---", rc, err, text);
        return d;
}

static const struct expfmt_sample *sample(const struct expfmt_doc *d, const char *name,
                                          const char *const *kv) {
        const struct expfmt_sample *s = expfmt_find_sample(d, name, kv);
        if (!s)
                fail_msg("no sample %s", name);
        return s;
}

/* What memqos-agent serves: counters, gauges, labels. */
static void test_agent_like(void **state) {
        (void)state;
        struct expfmt_doc d = parse_ok(
                "# HELP memqos_actions_total Actions decided, by kind (dry-run included).\n"
                "# TYPE memqos_actions_total counter\n"
                "memqos_actions_total{kind=\"reclaim\"} 3\n"
                "memqos_actions_total{kind=\"kill\"} 0\n"
                "# HELP memqos_headroom_bytes Node memory headroom.\n"
                "# TYPE memqos_headroom_bytes gauge\n"
                "memqos_headroom_bytes 1.2345678901234567e+09\n",
                EXPFMT_STRICT_NAMES);
        assert_int_equal(d.n, 2);
        const struct expfmt_family *f = expfmt_find(&d, "memqos_actions_total");
        assert_non_null(f);
        assert_string_equal(f->type, "counter");
        assert_string_equal(f->help, "Actions decided, by kind (dry-run included).");
        assert_int_equal(f->n_samples, 2);
        assert_string_equal(f->samples[1].name, "memqos_actions_total");
        assert_int_equal(f->samples[1].n_labels, 1);
        assert_string_equal(f->samples[1].label_names[0], "kind");
        assert_string_equal(f->samples[1].label_values[0], "kill");
        assert_int_equal(f->samples[1].line, 4);
        assert_false(f->samples[1].has_timestamp);
        const char *const reclaim[] = {"kind", "reclaim", NULL};
        assert_float_equal(sample(&d, "memqos_actions_total", reclaim)->value, 3, 0);
        const char *const none[] = {"kind", "none", NULL};
        assert_null(expfmt_find_sample(&d, "memqos_actions_total", none));
        assert_float_equal(sample(&d, "memqos_headroom_bytes", NULL)->value, 1234567890.1234567,
                           1e-6);
        assert_null(expfmt_find(&d, "memqos_nothing"));
        expfmt_doc_free(&d);
}

static void test_histogram(void **state) {
        (void)state;
        struct expfmt_doc d =
                parse_ok("# HELP rpc_seconds RPC latency.\n"
                         "# TYPE rpc_seconds histogram\n"
                         "rpc_seconds_bucket{op=\"get\",le=\"0.05\"} 1 1700000000000\n"
                         "rpc_seconds_bucket{op=\"get\",le=\"0.5\"} 4 1700000000000\n"
                         "rpc_seconds_bucket{op=\"get\",le=\"+Inf\"} 5 1700000000000\n"
                         "rpc_seconds_sum{op=\"get\"} 1.75 1700000000000\n"
                         "rpc_seconds_count{op=\"get\"} 5 1700000000000\n"
                         "rpc_seconds_bucket{le=\"1e-3\",op=\"put\"} 0\n"
                         "rpc_seconds_bucket{le=\"+Inf\",op=\"put\"} 0\n"
                         "rpc_seconds_count{op=\"put\"} 0\n"
                         "rpc_seconds_sum{op=\"put\"} 0\n"
                         "# TYPE up gauge\n"
                         "up 1\n",
                         0);
        const struct expfmt_family *f = expfmt_find(&d, "rpc_seconds");
        assert_non_null(f);
        assert_string_equal(f->type, "histogram");
        assert_int_equal(f->n_samples, 9);
        const char *const q[] = {"op", "get", "le", "0.5", NULL};
        const struct expfmt_sample *s = sample(&d, "rpc_seconds_bucket", q);
        assert_float_equal(s->value, 4, 0);
        assert_true(s->has_timestamp);
        assert_true(s->timestamp_ms == 1700000000000LL);
        assert_int_equal(s->line, 4);
        const char *const put[] = {"op", "put", NULL};
        assert_float_equal(sample(&d, "rpc_seconds_sum", put)->value, 0, 0);
        assert_string_equal(expfmt_label(sample(&d, "rpc_seconds_bucket", put), "le"), "1e-3");
        const char *const get[] = {"op", "get", NULL};
        assert_float_equal(sample(&d, "rpc_seconds_sum", get)->value, 1.75, 0);
        assert_null(expfmt_label(sample(&d, "rpc_seconds_sum", get), "le"));
        assert_float_equal(sample(&d, "up", NULL)->value, 1, 0);
        expfmt_doc_free(&d);
}

static void test_summary(void **state) {
        (void)state;
        struct expfmt_doc d = parse_ok("# TYPE rpc_duration_seconds summary\n"
                                       "rpc_duration_seconds{quantile=\"0.5\"} 0.012\n"
                                       "rpc_duration_seconds{quantile=\"0.99\"} NaN\n"
                                       "rpc_duration_seconds_sum 17.5\n"
                                       "rpc_duration_seconds_count 1002\n",
                                       0);
        const struct expfmt_family *f = expfmt_find(&d, "rpc_duration_seconds");
        assert_string_equal(f->type, "summary");
        assert_null(f->help);
        assert_int_equal(f->n_samples, 4);
        const char *const q99[] = {"quantile", "0.99", NULL};
        assert_true(isnan(sample(&d, "rpc_duration_seconds", q99)->value));
        assert_float_equal(sample(&d, "rpc_duration_seconds_count", NULL)->value, 1002, 0);
        expfmt_doc_free(&d);
}

static void test_escapes(void **state) {
        (void)state;
        struct expfmt_doc d = parse_ok(
                "# HELP msg A \\\\ backslash,\\na newline, \"quotes\" and caf\xc3\xa9.\n"
                "msg{path=\"C:\\\\dir\",q=\"say \\\"hi\\\"\",nl=\"a\\nb\",u=\"\xe2\x82\xac\"} 1\n"
                "msg{path=\"\"} 2\n",
                0);
        const struct expfmt_family *f = expfmt_find(&d, "msg");
        assert_string_equal(f->help, "A \\ backslash,\na newline, \"quotes\" and caf\xc3\xa9.");
        assert_string_equal(f->type, "untyped");
        const struct expfmt_sample *s = &f->samples[0];
        assert_int_equal(s->n_labels, 4);
        assert_string_equal(expfmt_label(s, "path"), "C:\\dir");
        assert_string_equal(expfmt_label(s, "q"), "say \"hi\"");
        assert_string_equal(expfmt_label(s, "nl"), "a\nb");
        assert_string_equal(expfmt_label(s, "u"), "\xe2\x82\xac");
        assert_string_equal(expfmt_label(&f->samples[1], "path"), "");
        expfmt_doc_free(&d);
}

static void test_special_values(void **state) {
        (void)state;
        struct expfmt_doc d = parse_ok("# TYPE g gauge\n"
                                       "g{v=\"nan\"} NaN\n"
                                       "g{v=\"pinf\"} +Inf\n"
                                       "g{v=\"ninf\"} -Inf 0\n"
                                       "g{v=\"exp\"} -1.5e-3 -1000\n"
                                       "g{v=\"dot\"} .5 +42\n"
                                       "g{v=\"big\"} 18446744073709551615\n"
                                       "# TYPE c_total counter\n"
                                       "c_total +Inf\n",
                                       0);
        const char *const nan_[] = {"v", "nan", NULL}, *const pinf[] = {"v", "pinf", NULL},
                          *const ninf[] = {"v", "ninf", NULL}, *const exp_[] = {"v", "exp", NULL},
                          *const dot[] = {"v", "dot", NULL}, *const big[] = {"v", "big", NULL};
        assert_true(isnan(sample(&d, "g", nan_)->value));
        assert_true(isinf(sample(&d, "g", pinf)->value) && sample(&d, "g", pinf)->value > 0);
        const struct expfmt_sample *s = sample(&d, "g", ninf);
        assert_true(isinf(s->value) && s->value < 0);
        assert_true(s->has_timestamp && s->timestamp_ms == 0);
        s = sample(&d, "g", exp_);
        assert_float_equal(s->value, -0.0015, 1e-15);
        assert_true(s->timestamp_ms == -1000);
        s = sample(&d, "g", dot);
        assert_float_equal(s->value, 0.5, 0);
        assert_true(s->timestamp_ms == 42);
        assert_float_equal(sample(&d, "g", big)->value, 18446744073709551615.0, 0);
        assert_true(isinf(sample(&d, "c_total", NULL)->value));
        expfmt_doc_free(&d);
}

/* Comments, blank lines, blanks and tabs between tokens, a trailing comma,
 * an empty label set, families without samples. */
static void test_layout(void **state) {
        (void)state;
        struct expfmt_doc d = parse_ok("# a comment\n"
                                       "\n"
                                       "#HELP x  leading blanks dropped, trailing kept \n"
                                       "  # TYPE x\tgauge\n"
                                       "#\n"
                                       "# HELPER is a comment\n"
                                       "x { a = \"1\" ,\tb=\"2\", } 7\n"
                                       "x{} 8\n"
                                       "   \t \n"
                                       "x{a=\"2\"}9\n"
                                       "# TYPE nothing_yet counter\n"
                                       "# HELP only_help\n"
                                       "plain 1\n",
                                       0);
        assert_int_equal(d.n, 4);
        const struct expfmt_family *x = expfmt_find(&d, "x");
        assert_string_equal(x->help, "leading blanks dropped, trailing kept ");
        assert_string_equal(x->type, "gauge");
        assert_int_equal(x->n_samples, 3);
        assert_int_equal(x->samples[0].n_labels, 2);
        assert_string_equal(expfmt_label(&x->samples[0], "b"), "2");
        assert_int_equal(x->samples[1].n_labels, 0);
        assert_float_equal(x->samples[2].value, 9, 0);
        assert_int_equal(expfmt_find(&d, "nothing_yet")->n_samples, 0);
        assert_string_equal(expfmt_find(&d, "only_help")->help, "");
        assert_int_equal(expfmt_find(&d, "plain")->n_samples, 1);
        expfmt_doc_free(&d);

        d = parse_ok("", 0);
        assert_int_equal(d.n, 0);
        expfmt_doc_free(&d);
}

struct bad {
        unsigned flags;
        const char *text;
        unsigned line;
        const char *msg;
};

#define HIST_HEAD "# TYPE h histogram\n"
#define HIST_OK                                                                                    \
        "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n" /* lines 2-5 */

static const struct bad bad[] = {
        /* lines */
        {0, "a 1", 1, "expected \\n at the end of the last line"},
        {0, "a 1\nb 2", 2, "expected \\n"},
        {0, "a 1\r\n", 1, "\\r\\n"},
        /* names and labels */
        {0, "1a 2\n", 1, "expected a metric name or '#'"},
        {0, "a-b 1\n", 1, "invalid character '-' in metric name"},
        {0, "a{__x=\"1\"} 1\n", 1, "label name __x is reserved"},
        {0, "a{1x=\"1\"} 1\n", 1, "expected a label name or '}'"},
        {0, "a{x:y=\"1\"} 1\n", 1, "expected '=' after label name x"},
        {0, "a{,} 1\n", 1, "expected a label name or '}'"},
        {0, "a{x=\"1\",x=\"2\"} 1\n", 1, "duplicate label name x"},
        {0, "a{x=1} 1\n", 1, "expected '\"' to open the value of label x"},
        {0, "a{x=\"\\t\"} 1\n", 1, "invalid escape '\\' 't'"},
        {0, "a{x=\"1} 1\n", 1, "no closing '\"'"},
        {0, "a{x=\"1\" y=\"2\"} 1\n", 1, "expected ',' or '}' after the value of label x"},
        {0, "a{x=\"\xff\"} 1\n", 1, "not valid UTF-8"},
        {0, "a{x=\"\xc0\xaf\"} 1\n", 1, "not valid UTF-8"},
        {0, "a{x=\"1\"\n", 1, "expected ',' or '}'"},
        /* values and timestamps */
        {0, "a\n", 1, "a: expected a value"},
        {0, "a 1x\n", 1, "value \"1x\": expected a float"},
        {0, "a nan\n", 1, "value \"nan\""},
        {0, "a Inf\n", 1, "value \"Inf\""},
        {0, "a 0x10\n", 1, "value \"0x10\""},
        {0, "a 1e999\n", 1, "value \"1e999\""},
        {0, "a 1_000\n", 1, "value \"1_000\""},
        {0, "a{x=\"1\"}} 1\n", 1, "value \"}\""},
        {0, "a 1 1.5\n", 1, "timestamp \"1.5\": expected an integer"},
        {0, "a 1 99999999999999999999\n", 1, "timestamp"},
        {0, "a 1 2 3\n", 1, "unexpected \" 3\" after the timestamp"},
        {0, "a 1 \n", 1, "a: trailing blanks after the value"},
        {0, "a 1 2\t\n", 1, "unexpected \"\t\" after the timestamp"},
        /* HELP and TYPE */
        {0, "# HELP a x\n# HELP a y\n", 2, "second HELP line for a (first on line 1)"},
        {0, "# TYPE a gauge\n# TYPE a gauge\n", 2, "second TYPE line for a (first on line 1)"},
        {0, "a 1\n# TYPE a gauge\n", 2, "TYPE line for a after its samples (first on line 1)"},
        {0, "# TYPE a gauges\n", 1, "expected counter, gauge, histogram, summary or untyped"},
        {0, "# TYPE a Gauge\n", 1, "type \"Gauge\""},
        {0, "# TYPE a\n", 1, "type \"\""},
        {0, "# TYPE a gauge extra\n", 1, "unexpected \" extra\" after the type"},
        {0, "# TYPE a gauge \n", 1, "unexpected \" \" after the type"},
        {0, "# HELP a x\\ty\n", 1, "# HELP a: invalid escape '\\' 't' (expected \\\\ or \\n)"},
        {0, "# HELP a x\\\n", 1, "lone '\\'"},
        {0, "# HELP a \xe9t\xe9\n", 1, "# HELP a: not valid UTF-8"},
        {0, "# HELP\n", 1, "# HELP: expected a metric name, got the end of the line"},
        {0, "# TYPE 9a gauge\n", 1, "# TYPE: expected a metric name, got '9'"},
        {0, "# HELP a-b x\n", 1, "invalid character '-' in metric name a"},
        /* families and series */
        {0, "a 1\nb 1\na 2\n", 3, "a belongs to untyped a, whose lines began on line 1"},
        {0, "# TYPE a gauge\n# TYPE b gauge\na 1\n", 3, "expected a family's lines together"},
        {0, "# HELP a x\nb 1\n# TYPE a gauge\n", 3, "the family's lines began on line 1"},
        {0, "a{x=\"1\"} 1\na{x=\"1\"} 2\n", 2, "duplicate series (same name and labels as line 1)"},
        {0, "a{x=\"1\",y=\"2\"} 1\na{x=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n", 3, "duplicate series"},
        {0, "# TYPE c_total counter\nc_total -1\n", 2, "counter c_total is -1"},
        {0, "# TYPE c_total counter\nc_total NaN\n", 2, "neither negative nor NaN"},
        /* histograms */
        {0, HIST_HEAD "h 1\n", 2, "histogram h: expected h_bucket, h_sum or h_count, not h"},
        {0, HIST_HEAD "h_bucket 1\n", 2, "h_bucket: expected a le label"},
        {0, HIST_HEAD "h_bucket{le=\"x\"} 1\n", 2, "le=\"x\": expected a float"},
        {0, HIST_HEAD "h_bucket{le=\"NaN\"} 1\n", 2, "le=\"NaN\": expected a float"},
        {0, HIST_HEAD "h_bucket{le=\"1\"} -1\n", 2, "histogram bucket h_bucket is -1"},
        {0,
         HIST_HEAD "h_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                   "h_sum 1\nh_count 2\n",
         3, "h_bucket{le=\"2\"} is 1, below 2 of le=\"1\": buckets are cumulative"},
        {0,
         HIST_HEAD "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                   "h_sum 1\nh_count 2\n",
         3, "le=\"1\" after le=\"2\": buckets must be in increasing order of le"},
        {0,
         HIST_HEAD "h_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                   "h_sum 1\nh_count 2\n",
         3, "increasing order of le"},
        {0, HIST_HEAD "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", 2,
         "histogram h: no h_bucket{le=\"+Inf\"} for the label set of this line"},
        {0, HIST_HEAD "h_bucket{le=\"+Inf\"} 1\nh_sum 1\n", 2, "histogram h: no h_count"},
        {0, HIST_HEAD "h_bucket{le=\"+Inf\"} 1\nh_count 1\n", 2, "histogram h: no h_sum"},
        {0, HIST_HEAD "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n", 4,
         "h_count is 2 but its le=\"+Inf\" bucket (line 2) is 1: expected them equal"},
        {0, HIST_HEAD HIST_OK "h_bucket{x=\"a\",le=\"+Inf\"} 1\nh_sum{x=\"a\"} 1\n", 6,
         "no h_count for the label set"},
        {0, HIST_HEAD "h_sum{le=\"1\"} 1\n", 2, "h_sum: unexpected le label"},
        {0, HIST_HEAD "h_count -1\n", 2, "histogram h_count is -1"},
        {0, HIST_HEAD HIST_OK "# TYPE h_count gauge\n", 6,
         "# TYPE h_count: the name of a sample of histogram h (line 1)"},
        {0, HIST_HEAD HIST_OK "x 1\nh_bucket{le=\"+Inf\",y=\"1\"} 1\n", 7,
         "h_bucket belongs to histogram h, whose lines began on line 1"},
        {0, "h_count 1\n# TYPE h histogram\n", 2, "h_count is already a family (line 1)"},
        /* summaries */
        {0, "# TYPE s summary\ns 1\ns_sum 1\ns_count 1\n", 2, "s: expected a quantile label"},
        {0, "# TYPE s summary\ns{quantile=\"1.5\"} 1\ns_sum 1\ns_count 1\n", 2,
         "quantile=\"1.5\": expected a value in [0, 1]"},
        {0, "# TYPE s summary\ns{quantile=\"0.9\"} 1\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n",
         3, "quantile=\"0.5\" after quantile=\"0.9\""},
        {0, "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\n", 2, "summary s: no s_count"},
        {0, "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_count 1\n", 2, "summary s: no s_sum"},
        {0, "# TYPE s summary\ns_sum{quantile=\"0.5\"} 1\n", 2, "s_sum: unexpected quantile"},
        /* EXPFMT_STRICT_NAMES */
        {EXPFMT_STRICT_NAMES, "# TYPE c counter\nc 1\n", 1,
         "counter c: expected a name ending in _total"},
        {EXPFMT_STRICT_NAMES, "# TYPE g_total gauge\ng_total 1\n", 1,
         "gauge g_total: a name ending in _total is kept for counters"},
        {EXPFMT_STRICT_NAMES, "u_total 1\n", 1, "untyped u_total: a name ending in _total"},
        {EXPFMT_STRICT_NAMES, "g{le=\"1\"} 1\n", 1, "g: an le label outside a histogram"},
        {EXPFMT_STRICT_NAMES, "g{quantile=\"1\"} 1\n", 1, "a quantile label outside a summary"},
};

static void test_bad(void **state) {
        (void)state;
        size_t n = sizeof(bad) / sizeof(bad[0]);
        assert_true(n >= 25);
        for (size_t i = 0; i < n; i++) {
                struct expfmt_doc d = {.n = 99};
                char err[512], prefix[32];
                int rc = expfmt_parse(bad[i].text, bad[i].flags, &d, err, sizeof(err));
                if (rc != -EINVAL)
                        fail_msg("case %zu accepted (%d):\n%s", i, rc, bad[i].text);
                assert_int_equal(d.n, 0);
                assert_null(d.v);
                snprintf(prefix, sizeof(prefix), "line %u: ", bad[i].line);
                if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, bad[i].msg))
                        fail_msg("case %zu: got \"%s\", expected \"%s...%s\"\n%s", i, err, prefix,
                                 bad[i].msg, bad[i].text);
        }
        /* the same documents pass once the flag is off */
        for (size_t i = 0; i < n; i++) {
                if (!bad[i].flags)
                        continue;
                struct expfmt_doc d = parse_ok(bad[i].text, 0);
                expfmt_doc_free(&d);
        }
}

static void test_api_edges(void **state) {
        (void)state;
        struct expfmt_doc d;
        assert_int_equal(expfmt_parse(NULL, 0, &d, NULL, 0), -EINVAL);
        assert_int_equal(expfmt_parse("a\n", 0, &d, NULL, 0), -EINVAL); /* no err buffer */
        char err[12];
        assert_int_equal(expfmt_parse("a\n", 0, &d, err, sizeof(err)), -EINVAL);
        assert_int_equal(strlen(err), sizeof(err) - 1); /* truncated, terminated */
        expfmt_doc_free(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_agent_like),
                cmocka_unit_test(test_histogram),
                cmocka_unit_test(test_summary),
                cmocka_unit_test(test_escapes),
                cmocka_unit_test(test_special_values),
                cmocka_unit_test(test_layout),
                cmocka_unit_test(test_bad),
                cmocka_unit_test(test_api_edges),
        };
        return cmocka_run_group_tests_name("expfmt", tests, NULL, NULL);
}
