/* SPDX-License-Identifier: MIT */
/* The control server: <state-dir>/agent.sock (root only, mode 0600) for
 * `status`, `explain` and metrics, and optionally a TCP listener
 * (--metrics-listen) that serves GET/HEAD /metrics and nothing else.
 *
 * Every connection is a non-blocking fd in the agent's epoll set with a
 * deadline: a request is read as it arrives, the reply is built at once
 * and written as the client takes it, so a client that connects and waits,
 * or reads slowly, costs a slot and never delays a pressure wakeup. At most
 * CTL_CLIENTS_MAX are open; one more gets "503 too many clients" at once. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/agent.h"
#include "ctl-reply.h"
#include "ctlproto.h"

#define CTL_CLIENTS_MAX 16
/* A client has this long from connect to the last byte of its reply. */
#define CTL_DEADLINE_MS 5000

/* epoll tags at and above CTL_TAG_BASE belong to the server. */
#define CTL_TAG_BASE UINT64_C(0x10000)

struct ctl_client {
        int fd; /* -1: free slot */
        bool tcp;
        bool writing;
        uint64_t deadline_ms;
        size_t in_len;
        char in[MQ_CTL_REQUEST_MAX];
        struct ctl_reply out; /* built whole when the request is */
        size_t out_off;       /* bytes sent, head then body */
};

struct ctl_server {
        bool opened; /* the client slots are initialised */
        int epfd;
        int unix_fd, tcp_fd, timer_fd;
        char tcp_addr[72]; /* as given, for messages */
        struct ctl_client clients[CTL_CLIENTS_MAX];
};

/* Listen on the unix socket (a leftover socket file nobody answers on is
 * replaced; one that answers means another agent: -EADDRINUSE) and, when
 * metrics_listen is not "", on TCP; add both and the deadline timer to epfd. */
int ctl_server_open(struct ctl_server *s, int epfd, const char *state_dir,
                    const char *metrics_listen, struct mq_error *err);
/* Close every fd; remove the socket file when it was ours. */
void ctl_server_close(struct ctl_server *s, const char *state_dir);
/* Handle one epoll event whose tag is >= CTL_TAG_BASE. */
void ctl_server_event(struct ctl_server *s, struct agent *a, uint64_t tag, uint32_t events);
