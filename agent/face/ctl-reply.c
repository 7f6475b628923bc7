/* SPDX-License-Identifier: MIT */
/* What the control server answers: the request routed to status, explain or
 * metrics, built whole before the first byte is written (the server then
 * only copies bytes out as the client takes them). */
#include "ctl-reply.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/jsonval.h"
#include "escape.h"
#include "metrics.h"
#include "report.h"

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define JSON_TYPE    "application/json"
#define TEXT_TYPE    "text/plain; charset=utf-8"
#define ALLOW        "GET, HEAD"

/* The head of an HTTP reply for a body of blen bytes (none for the line
 * protocol); the body is sent unless head_only. */
static int reply_head(bool http, bool head_only, int status, const char *type, const char *allow,
                      size_t blen, struct ctl_reply *ret) {
        int hlen = 0;
        if (http) {
                hlen = mq_http_head(ret->head, sizeof(ret->head), status, type, blen, allow);
                if (hlen < 0)
                        return hlen;
        }
        ret->head_len = (size_t)hlen;
        ret->status = status;
        ret->send_body = !head_only;
        return 0;
}

/* A reply whose body is text (malloc'd, taken in all cases). */
static int reply_of(bool http, bool head_only, int status, const char *type, const char *allow,
                    char *body, struct ctl_reply *ret) {
        if (!body)
                return -ENOMEM;
        struct ctl_reply rep = {0};
        size_t blen = strlen(body);
        int r = reply_head(http, head_only, status, type, allow, blen, &rep);
        if (r == 0 && !head_only && blen)
                r = textbuf_append(&rep.body, body, blen);
        free(body);
        if (r < 0) {
                textbuf_free(&rep.body);
                return r;
        }
        *ret = rep;
        return 0;
}

/* The metrics: written straight into the reply's own mapping. */
static int reply_metrics(const struct agent *a, bool http, bool head_only, struct ctl_reply *ret) {
        struct ctl_reply rep = {0};
        int r = metrics_write(a, &rep.body);
        if (r < 0)
                return r;
        r = reply_head(http, head_only, 200, METRICS_TYPE, NULL, rep.body.len, &rep);
        if (r < 0) {
                textbuf_free(&rep.body);
                return r;
        }
        *ret = rep;
        return 0;
}

void ctl_reply_done(struct ctl_reply *r) {
        textbuf_free(&r->body);
        *r = (struct ctl_reply){0};
}

static char *json_text_of(struct json_object *o) {
        if (!o)
                return NULL;
        char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return s;
}

static struct json_object *error_object(const char *msg) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "error", jsonval_text(msg));
        return o;
}

/* explain: the pod's document, or {"error": ...}; *found says which. */
static char *explain_json(const struct agent *a, const char *key, bool *found) {
        struct mq_error err = {{0}};
        struct json_object *o = report_explain(a, key, &err);
        *found = o != NULL;
        return json_text_of(o ? o : error_object(err.msg));
}

static char *text_printf(const char *fmt, ...) _printf_(1, 2);
static char *text_printf(const char *fmt, ...) {
        char *s = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        return n < 0 ? NULL : s;
}

/* "status", "explain <key>", "metrics": what `memqos-agent status` sends. */
static int reply_line(const struct agent *a, const char *line, struct ctl_reply *ret) {
        if (streq(line, "status"))
                return reply_of(false, false, 200, JSON_TYPE, NULL, json_text_of(report_status(a)),
                                ret);
        if (streq(line, "metrics"))
                return reply_metrics(a, false, false, ret);
        if (startswith(line, "explain ") && line[8]) {
                bool found;
                return reply_of(false, false, 200, JSON_TYPE, NULL,
                                explain_json(a, line + 8, &found), ret);
        }
        return reply_of(false, false, 400, JSON_TYPE, NULL,
                        json_text_of(error_object("unknown request: expected \"status\", "
                                                  "\"explain <pod-uid|container-id>\" or "
                                                  "\"metrics\"")),
                        ret);
}

static int reply_http(const struct agent *a, const struct mq_ctl_request *rq, bool tcp,
                      struct ctl_reply *ret) {
        char esc[160], pesc[160];
        bool head = rq->method == MQ_HTTP_HEAD;
        if (rq->refuse)
                return reply_of(true, false, rq->refuse, TEXT_TYPE, NULL,
                                text_printf("memqos-agent: %s\n", mq_http_reason(rq->refuse)), ret);
        const char *path = rq->target;
        bool known = streq(path, "/metrics") ||
                     (!tcp && (streq(path, "/status") || startswith(path, "/explain/")));
        if (!known)
                return reply_of(
                        true, head, 404, TEXT_TYPE, NULL,
                        text_printf("memqos-agent: no such path \"%s\"; served here: "
                                    "/metrics%s\n",
                                    mq_escape(path, esc, sizeof(esc)),
                                    tcp ? "" : ", /status, /explain/<pod-uid|container-id>"),
                        ret);
        if (rq->method == MQ_HTTP_OTHER)
                return reply_of(true, false, 405, TEXT_TYPE, ALLOW,
                                text_printf("memqos-agent: method \"%s\" not allowed on %s; "
                                            "allowed: " ALLOW "\n",
                                            mq_escape(rq->method_text, esc, sizeof(esc)),
                                            mq_escape(path, pesc, sizeof(pesc))),
                                ret);
        if (streq(path, "/metrics"))
                return reply_metrics(a, true, head, ret);
        if (streq(path, "/status"))
                return reply_of(true, head, 200, JSON_TYPE, NULL, json_text_of(report_status(a)),
                                ret);
        bool found;
        char *body = explain_json(a, path + strlen("/explain/"), &found);
        return reply_of(true, head, found ? 200 : 404, JSON_TYPE, NULL, body, ret);
}

int ctl_reply_build(const struct agent *a, const struct mq_ctl_request *rq, bool tcp,
                    struct ctl_reply *ret) {
        if (rq->form == MQ_CTL_HTTP)
                return reply_http(a, rq, tcp, ret);
        if (tcp) /* the TCP listener speaks HTTP only */
                return reply_of(true, false, 400, TEXT_TYPE, NULL,
                                text_printf("memqos-agent: expected an HTTP request for "
                                            "/metrics\n"),
                                ret);
        return reply_line(a, rq->target, ret);
}

int ctl_reply_busy(unsigned open, struct ctl_reply *ret) {
        return reply_of(true, false, 503, TEXT_TYPE, NULL,
                        text_printf("memqos-agent: too many clients (%u open); try again\n", open),
                        ret);
}
