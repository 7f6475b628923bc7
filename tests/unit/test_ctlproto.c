/* SPDX-License-Identifier: MIT */
/* The control protocol without I/O: when a request is whole, what it asks
 * for, the HTTP status it is refused with, the reply head, and listen
 * addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ctlproto.h"
#include "util.h"

struct req_case {
        const char *text;
        bool eof;
        int whole; /* 0: read more, 1: complete */
        enum mq_ctl_form form;
        enum mq_http_method method;
        const char *target;
        int refuse;
};

static void test_requests(void **state) {
        (void)state;
        static const struct req_case cases[] = {
                /* the line protocol */
                {"status\n", false, 1, MQ_CTL_LINE, 0, "status", 0},
                {"status\r\n", false, 1, MQ_CTL_LINE, 0, "status", 0},
                {"stat", false, 0, 0, 0, NULL, 0},
                {"status", true, 1, MQ_CTL_LINE, 0, "status", 0},
                {"explain 0123abc\n", false, 1, MQ_CTL_LINE, 0, "explain 0123abc", 0},
                {"metrics\nGET / HTTP/1.1\r\n", false, 1, MQ_CTL_LINE, 0, "metrics", 0},
                {"", true, 1, MQ_CTL_LINE, 0, "", 0},
                /* HTTP: whole at the blank line, not before */
                {"GET /metrics HTTP/1.1\r\n", false, 0, 0, 0, NULL, 0},
                {"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET,
                 "/metrics", 0},
                {"GET /metrics HTTP/1.0\n\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET, "/metrics", 0},
                {"HEAD /metrics HTTP/1.1\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_HEAD, "/metrics",
                 0},
                {"GET /metrics?name[]=x&y HTTP/1.1\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET,
                 "/metrics", 0},
                {"GET /metrics#frag HTTP/1.1\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET,
                 "/metrics", 0},
                {"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", false, 1, MQ_CTL_HTTP,
                 MQ_HTTP_OTHER, "/metrics", 0},
                {"get /metrics HTTP/1.1\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_OTHER, "/metrics",
                 0},
                /* refused */
                {"GET /metrics\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET, "", 400},
                {"GET /metrics HTTP/2.0\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET, "/metrics",
                 505},
                {"GET /metrics FTP/1.0\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET, "/metrics",
                 400},
                {"GET /metrics HTTP/1.1\r\nHost: a\r\n", true, 1, MQ_CTL_HTTP, MQ_HTTP_GET,
                 "/metrics", 400},
                {"GET * HTTP/1.1\r\n\r\n", false, 1, MQ_CTL_HTTP, MQ_HTTP_GET, "", 400},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct req_case *c = &cases[i];
                struct mq_ctl_request r = {.refuse = -1};
                /* Parsed from a copy with no NUL after it, as read(2) leaves
                 * it: a scan past the length is an ASan error (SANITIZE=1). */
                size_t len = strlen(c->text);
                char *bytes = malloc(len ? len : 1);
                assert_non_null(bytes);
                memcpy(bytes, c->text, len);
                int got = mq_ctl_request_parse(bytes, len, c->eof, &r);
                free(bytes);
                if (got != c->whole)
                        fail_msg("case %zu \"%s\": whole %d, expected %d", i, c->text, got,
                                 c->whole);
                if (!got) {
                        assert_int_equal(r.refuse, -1); /* untouched */
                        continue;
                }
                if (r.form != c->form)
                        fail_msg("case %zu: form %d", i, r.form);
                assert_int_equal(r.refuse, c->refuse);
                /* A refused request's method and target are only as far
                 * as the parse went: asserted where it got that far. */
                if (c->form == MQ_CTL_HTTP && (!c->refuse || c->refuse == 505))
                        assert_int_equal(r.method, c->method);
                if (!c->refuse || c->refuse == 505)
                        assert_string_equal(r.target, c->target);
        }
}

/* 8 KiB without the end of the headers: refused 431 without waiting. */
static void test_too_long(void **state) {
        (void)state;
        char *buf = malloc(MQ_CTL_REQUEST_MAX);
        memcpy(buf, "GET /metrics HTTP/1.1\r\nX: ", 26);
        memset(buf + 26, 'a', MQ_CTL_REQUEST_MAX - 26);
        struct mq_ctl_request r;
        assert_int_equal(mq_ctl_request_parse(buf, MQ_CTL_REQUEST_MAX, false, &r), 1);
        assert_int_equal(r.refuse, 431);
        /* A line that long is cut, not refused: the reply says "unknown". */
        memset(buf, 'x', MQ_CTL_REQUEST_MAX);
        assert_int_equal(mq_ctl_request_parse(buf, MQ_CTL_REQUEST_MAX, false, &r), 1);
        assert_int_equal(r.form, MQ_CTL_LINE);
        assert_int_equal(strlen(r.target), sizeof(r.target) - 1);
        free(buf);
}

static void test_head(void **state) {
        (void)state;
        char buf[256];
        int n = mq_http_head(buf, sizeof(buf), 405, "text/plain", 12, "GET, HEAD");
        assert_string_equal(buf,
                            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\n"
                            "Content-Length: 12\r\nConnection: close\r\nAllow: GET, HEAD\r\n\r\n");
        assert_int_equal(n, (int)strlen(buf));
        n = mq_http_head(buf, sizeof(buf), 200, "text/plain; version=0.0.4", 0, NULL);
        assert_string_equal(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                                 "Content-Length: 0\r\nConnection: close\r\n\r\n");
        assert_int_equal(mq_http_head(buf, 20, 200, "text/plain", 0, NULL), -ENOBUFS);
        assert_string_equal(mq_http_reason(503), "Service Unavailable");
        assert_string_equal(mq_http_reason(431), "Request Header Fields Too Large");
        assert_string_equal(mq_http_reason(299), "Error");
}

static void test_listen_addr(void **state) {
        (void)state;
        static const struct {
                const char *text, *host;
                uint16_t port;
        } good[] = {
                {"0.0.0.0:9713", "0.0.0.0", 9713},
                {"127.0.0.1:1", "127.0.0.1", 1},
                {"[::]:9713", "::", 9713},
                {"[::1]:65535", "::1", 65535},
                {":9713", "", 9713},
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                char host[MQ_LISTEN_HOST_MAX];
                uint16_t port;
                struct mq_error err = {{0}};
                assert_int_equal(mq_listen_addr_parse(good[i].text, host, &port, &err), 0);
                assert_string_equal(host, good[i].host);
                assert_int_equal(port, good[i].port);
        }
        static const struct {
                const char *text, *msg;
        } bad[] = {
                {"9713", "listen address \"9713\": expected ADDR:PORT, e.g. 0.0.0.0:9713, "
                         "[::]:9713 or :9713"},
                {"0.0.0.0:", "listen address \"0.0.0.0:\": expected ADDR:PORT with a port from 1 "
                             "to 65535"},
                {"0.0.0.0:0", "port from 1 to 65535"},
                {"0.0.0.0:65536", "port from 1 to 65535"},
                {"0.0.0.0:+80", "port from 1 to 65535"},
                {"0.0.0.0:080080", "port from 1 to 65535"},
                {"host:80", "\"host\" is not a numeric IPv4 address"},
                {"1.2.3:80", "\"1.2.3\" is not a numeric IPv4 address"},
                {"::1:80", "is not a numeric IPv4 address (IPv6 goes in brackets: [::1]:9713)"},
                {"[1.2.3.4]:80", "\"1.2.3.4\" is not a numeric IPv6 address"},
                {"[]:80", "is not a numeric IPv6 address"},
                /* quoted as given: the printer escapes (escape.h) */
                {"a\nb:80", "listen address \"a\nb:80\""},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char host[MQ_LISTEN_HOST_MAX] = "unchanged";
                uint16_t port = 7;
                struct mq_error err = {{0}};
                assert_int_equal(mq_listen_addr_parse(bad[i].text, host, &port, &err), -EINVAL);
                if (!strstr(err.msg, bad[i].msg))
                        fail_msg("\"%s\": expected \"%s\" in \"%s\"", bad[i].text, bad[i].msg,
                                 err.msg);
                assert_string_equal(host, "unchanged");
                assert_int_equal(port, 7);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_requests),
                cmocka_unit_test(test_too_long),
                cmocka_unit_test(test_head),
                cmocka_unit_test(test_listen_addr),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
