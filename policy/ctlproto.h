/* SPDX-License-Identifier: MIT */
/* The agent's control protocol, without I/O: what a client asked for, the
 * HTTP status line and headers of the reply, and the address a metrics
 * listener binds.
 *
 * Two request forms share one socket. A line ("status", "explain <key>",
 * "metrics") is what `memqos-agent status` sends; an HTTP/1.x request is
 * what curl and Prometheus send. A request is complete at its first newline
 * (line) or at the blank line ending its headers (HTTP); the reply always
 * ends with the connection closed, so no request body is read. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Requests longer than this are refused (431 for HTTP): the longest legal
 * line is "explain " and a 64-hex container id; curl's and Prometheus's
 * headers are a few hundred bytes. */
#define MQ_CTL_REQUEST_MAX 8192

enum mq_ctl_form {
        MQ_CTL_LINE = 0,
        MQ_CTL_HTTP,
};

enum mq_http_method {
        MQ_HTTP_OTHER = 0, /* any other token: 405 */
        MQ_HTTP_GET,
        MQ_HTTP_HEAD,
};

struct mq_ctl_request {
        enum mq_ctl_form form;
        enum mq_http_method method;
        char method_text[16]; /* as sent, cut at 15 bytes (for messages) */
        /* HTTP: the path without query string or fragment; line: the line
         * without its newline. */
        char target[512];
        /* HTTP status to reply with at once, 0 when the request is good:
         * 400 malformed, 431 too long, 505 not HTTP/1.x. */
        int refuse;
};

/* Is buf[0..len) a whole request? 1: yes, *ret filled; 0: read more (only
 * when !eof and len < MQ_CTL_REQUEST_MAX). A request cut by EOF or too long
 * is complete with .refuse set (HTTP) or its text as far as it went (line). */
int mq_ctl_request_parse(const char *buf, size_t len, bool eof, struct mq_ctl_request *ret);

/* "OK", "Not Found", ...; "Error" for a status not listed. */
const char *mq_http_reason(int status);

/* The status line and headers of a reply with Connection: close and the
 * body's length; allow (NULL: none) becomes an Allow header. Returns the
 * length written, or -ENOBUFS when it does not fit. */
int mq_http_head(char *buf, size_t size, int status, const char *content_type,
                 size_t content_length, const char *allow);

/* "ADDR:PORT" for a TCP listener: an IPv4 address ("0.0.0.0:9713"), an
 * IPv6 address in brackets ("[::]:9713"), or ":PORT" for every address.
 * ret_host is "" for ":PORT". Port 1-65535. */
#define MQ_LISTEN_HOST_MAX 64
int mq_listen_addr_parse(const char *text, char ret_host[MQ_LISTEN_HOST_MAX], uint16_t *ret_port,
                         struct mq_error *err);
