/* SPDX-License-Identifier: MIT */
#include "ctlproto.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include "util.h"

/* RFC 9110 5.6.2: a method is a token. */
static bool is_tchar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* An HTTP request line starts with a token and one space, then a target
 * that starts with '/' or is "*": anything else is the line protocol. */
static bool looks_http(const char *buf, size_t len) {
        size_t i = 0;
        while (i < len && i < 16 && is_tchar(buf[i]))
                i++;
        return i > 0 && i < len && buf[i] == ' ' && i + 1 < len &&
               (buf[i + 1] == '/' || buf[i + 1] == '*');
}

/* Where the header block ends (just past "\r\n\r\n" or "\n\n"), or 0. */
static size_t headers_end(const char *buf, size_t len) {
        for (size_t i = 0; i + 1 < len; i++) {
                if (buf[i] != '\n')
                        continue;
                if (buf[i + 1] == '\n')
                        return i + 2;
                if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
                        return i + 3;
        }
        return 0;
}

static void parse_method(const char *m, size_t n, struct mq_ctl_request *r) {
        (void)snprintf(r->method_text, sizeof(r->method_text), "%.*s", (int)n, m);
        if (n == 3 && memcmp(m, "GET", 3) == 0)
                r->method = MQ_HTTP_GET;
        else if (n == 4 && memcmp(m, "HEAD", 4) == 0)
                r->method = MQ_HTTP_HEAD;
        else
                r->method = MQ_HTTP_OTHER;
}

/* "METHOD SP target SP HTTP/1.x" (RFC 9112 3); the target's query and
 * fragment are dropped: nothing served here takes parameters. */
/* The path part of a request target: up to its query or fragment. Bounded by
 * the target's own length (the buffer is not NUL-terminated). */
static size_t path_length(const char *target, size_t len) {
        size_t i = 0;
        while (i < len && target[i] != '?' && target[i] != '#')
                i++;
        return i;
}

static void parse_request_line(const char *buf, size_t len, struct mq_ctl_request *r) {
        const char *end = memchr(buf, '\n', len);
        size_t n = end ? (size_t)(end - buf) : len;
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        const char *sp1 = memchr(buf, ' ', n);
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - buf)) : NULL;
        if (!sp1 || !sp2) {
                r->refuse = 400;
                return;
        }
        parse_method(buf, (size_t)(sp1 - buf), r);
        const char *target = sp1 + 1;
        size_t tlen = path_length(target, (size_t)(sp2 - target));
        if (tlen >= sizeof(r->target) || target[0] != '/') {
                r->refuse = tlen >= sizeof(r->target) ? 431 : 400;
                return;
        }
        (void)snprintf(r->target, sizeof(r->target), "%.*s", (int)tlen, target);
        const char *version = sp2 + 1;
        size_t vlen = n - (size_t)(version - buf);
        if (vlen != 8 || memcmp(version, "HTTP/1.", 7) != 0 ||
            (version[7] != '0' && version[7] != '1'))
                r->refuse = vlen >= 5 && memcmp(version, "HTTP/", 5) == 0 ? 505 : 400;
}

int mq_ctl_request_parse(const char *buf, size_t len, bool eof, struct mq_ctl_request *ret) {
        struct mq_ctl_request r = {0};
        bool full = len >= MQ_CTL_REQUEST_MAX;
        if (looks_http(buf, len)) {
                r.form = MQ_CTL_HTTP;
                size_t end = headers_end(buf, len);
                if (!end && !eof && !full)
                        return 0;
                parse_request_line(buf, len, &r);
                if (!end && !r.refuse)
                        r.refuse = full ? 431 : 400; /* headers cut short */
                *ret = r;
                return 1;
        }
        const char *nl = memchr(buf, '\n', len);
        if (!nl && !eof && !full)
                return 0;
        r.form = MQ_CTL_LINE;
        size_t n = nl ? (size_t)(nl - buf) : len;
        if (n > 0 && buf[n - 1] == '\r')
                n--;
        if (n >= sizeof(r.target))
                n = sizeof(r.target) - 1;
        memcpy(r.target, buf, n);
        r.target[n] = '\0';
        *ret = r;
        return 1;
}

const char *mq_http_reason(int status) {
        switch (status) {
        case 200:
                return "OK";
        case 400:
                return "Bad Request";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 431:
                return "Request Header Fields Too Large";
        case 500:
                return "Internal Server Error";
        case 503:
                return "Service Unavailable";
        case 505:
                return "HTTP Version Not Supported";
        default:
                return "Error";
        }
}

int mq_http_head(char *buf, size_t size, int status, const char *content_type,
                 size_t content_length, const char *allow) {
        int n = snprintf(buf, size,
                         "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n%s%s%s\r\n",
                         status, mq_http_reason(status), content_type, content_length,
                         allow ? "Allow: " : "", allow ? allow : "", allow ? "\r\n" : "");
        if (n < 0 || (size_t)n >= size)
                return -ENOBUFS;
        return n;
}

static int parse_port(const char *s, uint16_t *ret) {
        uint64_t v = 0;
        if (!*s || strlen(s) > 5)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(*p - '0');
        }
        if (v < 1 || v > 65535)
                return -ERANGE;
        *ret = (uint16_t)v;
        return 0;
}

int mq_listen_addr_parse(const char *text, char ret_host[MQ_LISTEN_HOST_MAX], uint16_t *ret_port,
                         struct mq_error *err) {
        char host[MQ_LISTEN_HOST_MAX];
        const char *colon = strrchr(text, ':');
        if (!colon)
                return mq_error_set(err, EINVAL,
                                    "listen address \"%s\": expected ADDR:PORT, e.g. "
                                    "0.0.0.0:9713, [::]:9713 or :9713",
                                    text);
        size_t hlen = (size_t)(colon - text);
        const char *h = text;
        bool v6 = hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']';
        if (v6) {
                h++;
                hlen -= 2;
        }
        uint16_t port;
        if (hlen >= sizeof(host) || parse_port(colon + 1, &port) < 0)
                return mq_error_set(err, EINVAL,
                                    "listen address \"%s\": expected ADDR:PORT with a port from 1 "
                                    "to 65535",
                                    text);
        memcpy(host, h, hlen);
        host[hlen] = '\0';
        unsigned char bin[16];
        bool ok = hlen == 0 ? !v6 : inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) == 1;
        if (!ok)
                return mq_error_set(err, EINVAL,
                                    "listen address \"%s\": \"%s\" is not a numeric %s address "
                                    "(IPv6 goes in brackets: [::1]:9713)",
                                    text, host, v6 ? "IPv6" : "IPv4");
        memcpy(ret_host, host, hlen + 1);
        *ret_port = port;
        return 0;
}
