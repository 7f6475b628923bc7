/* SPDX-License-Identifier: MIT */
#include "ctl.h"

#include <inttypes.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"
#include "metrics.h"
#include "report.h"

#define REQUEST_MAX 512
#define REPLY_MAX   (16 << 20)

static int socket_addr(const char *state_dir, struct sockaddr_un *ret, struct mq_error *err) {
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

static int connect_to(const struct sockaddr_un *sa) {
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

int ctl_listen(const char *state_dir, int *ret_fd, struct mq_error *err) {
        struct sockaddr_un sa;
        int r = socket_addr(state_dir, &sa, err);
        if (r < 0)
                return r;
        int probe = connect_to(&sa);
        if (probe >= 0) {
                (void)close(probe);
                return mq_error_set(err, EADDRINUSE,
                                    "another memqos-agent answers on %s; one agent per state dir",
                                    sa.sun_path);
        }
        (void)unlink(sa.sun_path);

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return mq_error_set(err, errno, "socket: %s", strerror(errno));
        mode_t old = umask(0077);
        r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
        int saved = errno;
        (void)umask(old);
        if (r < 0)
                return mq_error_set(err, saved, "cannot bind %s: %s", sa.sun_path, strerror(saved));
        if (listen(fd, 8) < 0)
                return mq_error_set(err, errno, "cannot listen on %s: %s", sa.sun_path,
                                    strerror(errno));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void set_timeouts(int fd) {
        /* A client that stalls must not stall the daemon for long. */
        struct timeval tv = {.tv_sec = 0, .tv_usec = 500000};
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
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

static struct json_object *answer(struct agent *a, char *req) {
        req[strcspn(req, "\r\n")] = '\0';
        if (streq(req, "status"))
                return report_status(a);
        if (startswith(req, "explain ") && req[8]) {
                struct mq_error err = {{0}};
                struct json_object *o = report_explain(a, req + 8, &err);
                if (o)
                        return o;
                o = json_object_new_object();
                json_object_object_add(o, "error", json_object_new_string(err.msg));
                return o;
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "error",
                               json_object_new_string("unknown request: expected \"status\" or "
                                                      "\"explain <pod-uid|container-id>\""));
        return o;
}

/* "metrics", or an HTTP GET (curl --unix-socket ... http://localhost/metrics):
 * answer with the Prometheus text. Returns true when the request was one. */
static bool serve_metrics(struct agent *a, int fd, char *req) {
        bool http = startswith(req, "GET ");
        req[strcspn(req, "\r\n")] = '\0';
        if (!http && !streq(req, "metrics"))
                return false;
        if (http && !startswith(req, "GET /metrics ") && !streq(req, "GET /metrics")) {
                static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
                                         "Connection: close\r\n\r\nonly /metrics is served here\n";
                (void)write_all(fd, nf, sizeof(nf) - 1);
                return true;
        }
        char *text = metrics_text(a);
        if (!text)
                return true;
        if (http) {
                static const char hdr[] = "HTTP/1.0 200 OK\r\n"
                                          "Content-Type: text/plain; version=0.0.4\r\n"
                                          "Connection: close\r\n\r\n";
                (void)write_all(fd, hdr, sizeof(hdr) - 1);
        }
        (void)write_all(fd, text, strlen(text));
        free(text);
        return true;
}

void ctl_serve_one(struct agent *a, int listen_fd) {
        _cleanup_close_ int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                return;
        a->cnt.wakeups_control++;
        set_timeouts(fd);
        char req[REQUEST_MAX];
        size_t len = 0;
        while (len < sizeof(req) - 1) {
                ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (memchr(req, '\n', len))
                        break;
        }
        req[len] = '\0';
        if (serve_metrics(a, fd, req))
                return;
        struct json_object *o = answer(a, req);
        const char *text = json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        (void)write_all(fd, text, strlen(text));
        json_object_put(o);
}

int ctl_request(const char *state_dir, const char *request, char **ret_reply,
                struct mq_error *err) {
        struct sockaddr_un sa;
        int r = socket_addr(state_dir, &sa, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = connect_to(&sa);
        if (fd < 0)
                return mq_error_set(err, -fd,
                                    "no memqos-agent answers on %s (%s); is `memqos-agent run` "
                                    "running with --state-dir %s?",
                                    sa.sun_path, strerror(-fd), state_dir);
        char line[REQUEST_MAX];
        int n = snprintf(line, sizeof(line), "%s\n", request);
        if (n < 0 || (size_t)n >= sizeof(line))
                return mq_error_set(err, E2BIG, "request too long");
        r = write_all(fd, line, (size_t)n);
        if (r < 0)
                return mq_error_set(err, -r, "cannot send to %s: %s", sa.sun_path, strerror(-r));
        (void)shutdown(fd, SHUT_WR);

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
        *ret_reply = TAKE_PTR(buf);
        return 0;
}

static const char *jstr(struct json_object *o, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !v)
                return "";
        return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key) {
        struct json_object *v = NULL;
        (void)json_object_object_get_ex(o, key, &v);
        return v;
}

static void print_kv_line(const char *title, struct json_object *obj) {
        printf("%-14s", title);
        json_object_object_foreach(obj, k, v) {
                printf(" %s=%s", k, json_object_get_string(v));
        }
        printf("\n");
}

static void print_recent(struct json_object *arr) {
        size_t n = arr ? json_object_array_length(arr) : 0;
        if (n == 0)
                return;
        printf("\n%-24s %-12s %-40s %-12s %s\n", "TIME", "ACTION", "TARGET", "VALUE", "RESULT");
        for (size_t i = 0; i < n; i++) {
                struct json_object *x = json_object_array_get_idx(arr, i);
                printf("%-24s %-12s %-40s %-12s %s\n", jstr(x, "time"), jstr(x, "action"),
                       jstr(x, "target"), jstr(x, "value"), jstr(x, "result"));
        }
}

static void print_status(struct json_object *o) {
        struct json_object *node = jget(o, "node"), *psi = jget(node, "psi");
        printf("memqos-agent %s  pid %s  up %s ms  dry-run %s\n", jstr(o, "version"),
               jstr(o, "pid"), jstr(o, "uptime_ms"), jstr(o, "dry_run"));
        printf("%-14s %s\n", "cgroup root", jstr(o, "cgroup_root"));
        print_kv_line("psi wakeup", jget(o, "psi_wakeup"));
        printf("%-14s available %s of %s bytes (%s%%), psi some avg10 %s full avg10 %s\n", "node",
               jstr(node, "mem_available"), jstr(node, "mem_total"),
               jstr(node, "mem_available_pct"), jstr(psi, "some_avg10"), jstr(psi, "full_avg10"));
        printf("%-14s %s bytes (%s%%) after protected cache min %s low %s, shrinking %s B/s, "
               "level %s\n",
               "headroom", jstr(node, "headroom"), jstr(node, "headroom_pct"),
               jstr(node, "protected_cache_min"), jstr(node, "protected_cache_low"),
               jstr(node, "fill_rate"), jstr(node, "headroom_level"));
        printf("%-14s %s pods, %s records, episode %s\n", "pods", jstr(o, "pods"),
               jstr(o, "records"), jstr(o, "in_episode"));
        struct json_object *c = jget(o, "counters");
        print_kv_line("actions", jget(c, "actions"));
        print_kv_line("wakeups", jget(c, "wakeups"));
        printf("%-14s kills=%s kill_fallbacks=%s reconciles=%s propagations=%s "
               "propagation_caps=%s errors=%s reloads=%s reload_errors=%s odd_pod_cgroups=%s\n",
               "counters", jstr(c, "kills"), jstr(c, "kill_fallbacks"), jstr(c, "reconciles"),
               jstr(c, "propagations"), jstr(c, "propagation_caps"), jstr(c, "action_errors"),
               jstr(c, "reloads"), jstr(c, "reload_errors"), jstr(c, "odd_pod_cgroups"));
        print_recent(jget(o, "recent"));
}

static void print_explain(struct json_object *o) {
        struct json_object *pod = jget(o, "pod");
        printf("%-14s %s\n", "pod uid", jstr(o, "pod_uid"));
        if (pod) {
                if (*jstr(pod, "name"))
                        printf("%-14s %s/%s\n", "name", jstr(pod, "namespace"), jstr(pod, "name"));
                else
                        printf("%-14s (no record: priority and name unknown)\n", "name");
                printf("%-14s %s\n", "cgroup", jstr(pod, "cgroup"));
                printf("%-14s %s of %s (1 = acted on first)\n", "rank", jstr(pod, "rank"),
                       jstr(o, "pods_ranked"));
                printf("%-14s qos %s, priority %s, protected %s\n", "class", jstr(pod, "qos"),
                       jstr(pod, "priority"), jstr(pod, "protected"));
                printf("%-14s current %s anon %s file %s inactive_file %s shmem %s\n", "usage",
                       jstr(pod, "current"), jstr(pod, "anon"), jstr(pod, "file"),
                       jstr(pod, "inactive_file"), jstr(pod, "shmem"));
                printf("%-14s min %s low %s high %s max %s\n", "limits", jstr(pod, "min"),
                       jstr(pod, "low"), jstr(pod, "high"), jstr(pod, "max"));
                print_kv_line("events", jget(pod, "events"));
        } else
                printf("%-14s not in the last scan\n", "pod");
        struct json_object *st = jget(o, "state");
        if (st)
                printf("%-14s step %s, original high %s, throttled high %s\n", "agent",
                       jstr(st, "step"), jstr(st, "original_high"), jstr(st, "throttled_high"));
        struct json_object *ctrs = jget(o, "containers");
        for (size_t i = 0; ctrs && i < json_object_array_length(ctrs); i++) {
                struct json_object *x = json_object_array_get_idx(ctrs, i);
                printf("%-14s %s (%s) priority %s\n", i ? "" : "containers", jstr(x, "container"),
                       jstr(x, "id"), jstr(x, "priority"));
                print_kv_line("  applied", jget(x, "applied"));
        }
        print_recent(jget(o, "recent"));
}

int ctl_command(const struct agent_opts *o, const char *verb, const char *key) {
        char req[REQUEST_MAX];
        struct mq_error err = {{0}};
        _cleanup_free_ char *reply = NULL;

        (void)snprintf(req, sizeof(req), "%s%s%s", verb, key ? " " : "", key ? key : "");
        int r = ctl_request(o->state_dir, req, &reply, &err);
        if (r < 0) {
                (void)fprintf(stderr, "memqos-agent: %s\n", err.msg[0] ? err.msg : strerror(-r));
                return 1;
        }
        if (streq(verb, "metrics")) {
                (void)fputs(reply, stdout);
                return 0;
        }
        struct json_object *doc = json_tokener_parse(reply);
        if (!doc) {
                (void)fprintf(stderr, "memqos-agent: the daemon's reply is not JSON\n");
                return 1;
        }
        int rc = 0;
        struct json_object *e = jget(doc, "error");
        if (e) {
                (void)fprintf(stderr, "memqos-agent: %s\n", json_object_get_string(e));
                rc = 1;
        } else if (o->json)
                printf("%s\n",
                       json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        else if (streq(verb, "status"))
                print_status(doc);
        else
                print_explain(doc);
        json_object_put(doc);
        return rc;
}
