/* SPDX-License-Identifier: MIT */
#include "ctl-server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include "ctl-client.h"
#include "ctl-reply.h"

enum {
        SLOT_UNIX = 0,
        SLOT_TCP,
        SLOT_TIMER,
        SLOT_CLIENT0,
};

static int epoll_set(int epfd, int op, int fd, uint32_t events, uint64_t slot) {
        struct epoll_event ev = {.events = events, .data.u64 = CTL_TAG_BASE + slot};
        return epoll_ctl(epfd, op, fd, &ev) < 0 ? negative_errno() : 0;
}

static int unix_listen(const char *state_dir, int *ret_fd, struct mq_error *err) {
        struct sockaddr_un sa;
        int r = ctl_socket_addr(state_dir, &sa, err);
        if (r < 0)
                return r;
        int probe = ctl_connect(&sa);
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
        /* Root only: status and explain show every pod's figures. */
        mode_t old = umask(0077);
        r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
        int saved = errno;
        (void)umask(old);
        if (r < 0)
                return mq_error_set(err, saved, "cannot bind %s: %s", sa.sun_path, strerror(saved));
        if (listen(fd, 64) < 0)
                return mq_error_set(err, errno, "cannot listen on %s: %s", sa.sun_path,
                                    strerror(errno));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* ":PORT" binds every IPv4 address; "[::]:PORT" every IPv6 one (and IPv4
 * too where net.ipv6.bindv6only is 0, the kernel's default). */
static int tcp_listen(const char *text, int *ret_fd, struct mq_error *err) {
        char host[MQ_LISTEN_HOST_MAX];
        uint16_t port;
        int r = mq_listen_addr_parse(text, host, &port, err);
        if (r < 0)
                return r;
        bool v6 = strchr(host, ':') != NULL;
        union {
                struct sockaddr sa;
                struct sockaddr_in in4;
                struct sockaddr_in6 in6;
        } addr = {0};
        socklen_t alen;
        if (v6) {
                addr.in6 = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = htons(port)};
                (void)inet_pton(AF_INET6, host, &addr.in6.sin6_addr);
                alen = sizeof(addr.in6);
        } else {
                addr.in4 = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port)};
                if (*host)
                        (void)inet_pton(AF_INET, host, &addr.in4.sin_addr);
                alen = sizeof(addr.in4);
        }
        _cleanup_close_ int fd =
                socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return mq_error_set(err, errno, "metrics listener %s: socket: %s", text,
                                    strerror(errno));
        /* A restarted agent binds again while the old connections linger in
         * TIME_WAIT. */
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, &addr.sa, alen) < 0 || listen(fd, 64) < 0)
                return mq_error_set(err, errno, "metrics listener %s: cannot listen: %s", text,
                                    strerror(errno));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int ctl_server_open(struct ctl_server *s, int epfd, const char *state_dir,
                    const char *metrics_listen, struct mq_error *err) {
        *s = (struct ctl_server){
                .opened = true, .epfd = epfd, .unix_fd = -1, .tcp_fd = -1, .timer_fd = -1};
        for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
                s->clients[i].fd = -1;
        int r = unix_listen(state_dir, &s->unix_fd, err);
        if (r < 0)
                return r;
        if (metrics_listen && *metrics_listen) {
                r = tcp_listen(metrics_listen, &s->tcp_fd, err);
                if (r < 0)
                        return r;
                (void)snprintf(s->tcp_addr, sizeof(s->tcp_addr), "%s", metrics_listen);
        }
        s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (s->timer_fd < 0)
                return mq_error_set(err, errno, "timerfd_create: %s", strerror(errno));
        if ((r = epoll_set(epfd, EPOLL_CTL_ADD, s->unix_fd, EPOLLIN, SLOT_UNIX)) < 0 ||
            (s->tcp_fd >= 0 &&
             (r = epoll_set(epfd, EPOLL_CTL_ADD, s->tcp_fd, EPOLLIN, SLOT_TCP)) < 0) ||
            (r = epoll_set(epfd, EPOLL_CTL_ADD, s->timer_fd, EPOLLIN, SLOT_TIMER)) < 0)
                return mq_error_set(err, -r, "epoll_ctl: %s", strerror(-r));
        return 0;
}

static void client_close(struct ctl_client *c) {
        closep(&c->fd);
        c->fd = -1;
        ctl_reply_done(&c->out);
        *c = (struct ctl_client){.fd = -1};
}

/* The next deadline of an open client, or disarmed when none is open. */
static void arm_deadline(struct ctl_server *s) {
        uint64_t first = 0;
        for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
                if (s->clients[i].fd >= 0 && (!first || s->clients[i].deadline_ms < first))
                        first = s->clients[i].deadline_ms;
        struct itimerspec its = {0};
        if (first) {
                its.it_value.tv_sec = (time_t)(first / 1000);
                its.it_value.tv_nsec = (long)(first % 1000) * 1000000L;
        }
        (void)timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void ctl_server_close(struct ctl_server *s, const char *state_dir) {
        if (!s->opened)
                return;
        for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
                client_close(&s->clients[i]);
        if (s->unix_fd >= 0) {
                /* Ours to remove: a later `status` then says "not running" at once. */
                struct sockaddr_un sa;
                if (ctl_socket_addr(state_dir, &sa, NULL) == 0)
                        (void)unlink(sa.sun_path);
        }
        closep(&s->unix_fd);
        closep(&s->tcp_fd);
        closep(&s->timer_fd);
        s->unix_fd = s->tcp_fd = s->timer_fd = -1;
}

/* The next bytes of the reply to send: the rest of the head, then of the
 * body; 0 when all is out. */
static size_t pending(const struct ctl_client *c, const char **ret) {
        const struct ctl_reply *r = &c->out;
        if (c->out_off < r->head_len) {
                *ret = r->head + c->out_off;
                return r->head_len - c->out_off;
        }
        size_t body_off = c->out_off - r->head_len;
        if (!r->send_body || body_off >= r->body.len)
                return 0;
        *ret = r->body.p + body_off;
        return r->body.len - body_off;
}

/* Send what the socket takes now; close when all is out or on error. */
static void client_write(struct ctl_client *c) {
        const char *p;
        size_t left;
        while ((left = pending(c, &p)) > 0) {
                ssize_t n = send(c->fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return; /* EPOLLOUT brings us back */
                if (n <= 0)
                        break;
                c->out_off += (size_t)n;
        }
        client_close(c);
}

static void client_respond(struct ctl_server *s, const struct agent *a, struct ctl_client *c,
                           size_t slot, const struct mq_ctl_request *rq) {
        if (ctl_reply_build(a, rq, c->tcp, &c->out) < 0) {
                client_close(c);
                return;
        }
        c->writing = true;
        if (epoll_set(s->epfd, EPOLL_CTL_MOD, c->fd, EPOLLOUT, SLOT_CLIENT0 + slot) < 0) {
                client_close(c);
                return;
        }
        client_write(c);
}

/* Read what has arrived; answer once the request is whole. */
static void client_read(struct ctl_server *s, const struct agent *a, struct ctl_client *c,
                        size_t slot) {
        bool eof = false;
        while (c->in_len < sizeof(c->in)) {
                ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                if (n < 0) {
                        client_close(c);
                        return;
                }
                if (n == 0) {
                        eof = true;
                        break;
                }
                c->in_len += (size_t)n;
        }
        if (eof && c->in_len == 0) {
                client_close(c); /* connected and left: a probe */
                return;
        }
        struct mq_ctl_request rq;
        if (mq_ctl_request_parse(c->in, c->in_len, eof, &rq) == 1)
                client_respond(s, a, c, slot, &rq);
}

static void refuse_busy(struct agent *a, int fd) {
        struct ctl_reply rep;
        a->cnt.control_refused++;
        /* One non-blocking send: a reply that does not fit the socket
         * buffer is cut, which a 150-byte reply never is. */
        if (ctl_reply_busy(CTL_CLIENTS_MAX, &rep) == 0) {
                char buf[1024];
                size_t n =
                        rep.head_len + rep.body.len < sizeof(buf) ? rep.head_len + rep.body.len : 0;
                if (n) {
                        memcpy(buf, rep.head, rep.head_len);
                        memcpy(buf + rep.head_len, rep.body.p, rep.body.len);
                        (void)send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
                }
                ctl_reply_done(&rep);
        }
        /* Read what the client sent, so that closing with unread data does
         * not reset a TCP connection before it reads the reply. */
        char sink[1024];
        while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
                ;
        (void)shutdown(fd, SHUT_WR);
        (void)close(fd);
}

static void accept_all(struct ctl_server *s, struct agent *a, int lfd, bool tcp) {
        /* Bounded: a flood of connects is served over several wakeups. */
        for (int k = 0; k < 64; k++) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0)
                        return;
                a->cnt.wakeups_control++;
                size_t slot = 0;
                while (slot < CTL_CLIENTS_MAX && s->clients[slot].fd >= 0)
                        slot++;
                if (slot == CTL_CLIENTS_MAX) {
                        refuse_busy(a, fd);
                        continue;
                }
                struct ctl_client *c = &s->clients[slot];
                *c = (struct ctl_client){
                        .fd = fd, .tcp = tcp, .deadline_ms = now_ms() + CTL_DEADLINE_MS};
                if (epoll_set(s->epfd, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP,
                              SLOT_CLIENT0 + slot) < 0)
                        client_close(c);
        }
}

static void expire(struct ctl_server *s, struct agent *a) {
        uint64_t ticks, now = now_ms();
        (void)!read(s->timer_fd, &ticks, sizeof(ticks));
        for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
                if (s->clients[i].fd >= 0 && s->clients[i].deadline_ms <= now) {
                        a->cnt.control_expired++;
                        client_close(&s->clients[i]);
                }
}

void ctl_server_event(struct ctl_server *s, struct agent *a, uint64_t tag, uint32_t events) {
        uint64_t slot = tag - CTL_TAG_BASE;
        if (slot == SLOT_UNIX || slot == SLOT_TCP)
                accept_all(s, a, slot == SLOT_UNIX ? s->unix_fd : s->tcp_fd, slot == SLOT_TCP);
        else if (slot == SLOT_TIMER)
                expire(s, a);
        else if (slot - SLOT_CLIENT0 < CTL_CLIENTS_MAX) {
                struct ctl_client *c = &s->clients[slot - SLOT_CLIENT0];
                if (c->fd < 0)
                        return;
                if (c->writing)
                        client_write(c);
                else if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
                        client_read(s, a, c, (size_t)(slot - SLOT_CLIENT0));
                else if (events & EPOLLERR)
                        client_close(c);
        }
        arm_deadline(s);
}
