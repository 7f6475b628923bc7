/* SPDX-License-Identifier: MIT */
#include "ctl-client.h"

#include <sys/socket.h>

#include "core/log.h"
#include "ctl-print.h"
#include "ctlproto.h"

#define REPLY_MAX (64 << 20)

int ctl_socket_addr(const char *state_dir, struct sockaddr_un *ret, struct mq_error *err) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", state_dir, AGENT_SOCKET_NAME);
        if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
                return mq_error_set(err, ENAMETOOLONG,
                                    "state dir \"%s\" is too long for a unix socket path "
                                    "(at most %zu bytes with /%s)",
                                    state_dir, sizeof(sa.sun_path) - 1, AGENT_SOCKET_NAME);
        *ret = sa;
        return 0;
}

int ctl_connect(const struct sockaddr_un *sa) {
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? negative_errno() : -EIO;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static int read_all(int fd, char **ret, struct mq_error *err) {
        size_t cap = 65536, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap >= REPLY_MAX)
                                return mq_error_set(err, EFBIG, "reply larger than %d bytes",
                                                    REPLY_MAX);
                        char *nb = realloc(buf, cap * 2);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap *= 2;
                }
                ssize_t got = recv(fd, buf + len, cap - 1 - len, 0);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return mq_error_set(err, errno, "cannot read the reply: %s",
                                            strerror(errno));
                if (got == 0)
                        break;
                len += (size_t)got;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int ctl_request(const char *state_dir, const char *request, char **ret_reply,
                struct mq_error *err) {
        struct sockaddr_un sa;
        int r = ctl_socket_addr(state_dir, &sa, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = ctl_connect(&sa);
        if (fd < 0)
                return mq_error_set(err, -fd,
                                    "no memqos-agent answers on %s (%s); is `memqos-agent run` "
                                    "running with --state-dir %s?",
                                    sa.sun_path, strerror(-fd), state_dir);
        char line[MQ_CTL_REQUEST_MAX];
        int n = snprintf(line, sizeof(line), "%s\n", request);
        if (n < 0 || (size_t)n >= sizeof(line))
                return mq_error_set(err, E2BIG, "request too long");
        r = write_all(fd, line, (size_t)n);
        /* A server with no free slot answers and closes before reading:
         * the send then fails, and its reply is still there to read. */
        if (r < 0 && r != -EPIPE && r != -ECONNRESET)
                return mq_error_set(err, -r, "cannot send to %s: %s", sa.sun_path, strerror(-r));
        (void)shutdown(fd, SHUT_WR);
        _cleanup_free_ char *reply = NULL;
        r = read_all(fd, &reply, err);
        if (r < 0)
                return r;
        if (!reply)
                return -EIO;
        /* The server turns a client away with an HTTP reply before it has
         * read which protocol the client speaks. */
        if (startswith(reply, "HTTP/1.1 503 ")) {
                const char *body = strstr(reply, "\r\n\r\n");
                body = body ? body + 4 : reply;
                return mq_error_set(err, EBUSY, "%.*s", (int)strcspn(body, "\n"), body);
        }
        if (!*reply)
                return mq_error_set(err, EIO, "the agent on %s closed without a reply",
                                    sa.sun_path);
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

int ctl_command(const struct agent_opts *o, const char *verb, const char *key) {
        char req[MQ_CTL_REQUEST_MAX];
        struct mq_error err = {{0}};
        _cleanup_free_ char *reply = NULL;

        (void)snprintf(req, sizeof(req), "%s%s%s", verb, key ? " " : "", key ? key : "");
        int r = ctl_request(o->state_dir, req, &reply, &err);
        if (r < 0) {
                log_plain("%s", err.msg[0] ? err.msg : strerror(-r));
                return 1;
        }
        if (streq(verb, "metrics")) {
                (void)fputs(reply, stdout);
                return 0;
        }
        struct json_object *doc = json_tokener_parse(reply);
        if (!doc) {
                log_plain("the daemon's reply is not JSON");
                return 1;
        }
        int rc = 0;
        struct json_object *e = ctl_json_get(doc, "error");
        if (e) {
                log_message("", json_object_get_string(e));
                rc = 1;
        } else if (o->json)
                printf("%s\n",
                       json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        else if (streq(verb, "status"))
                ctl_print_status(doc);
        else
                ctl_print_explain(doc);
        json_object_put(doc);
        return rc;
}
