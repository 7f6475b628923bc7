/* SPDX-License-Identifier: MIT */
/* The control server's replies (ctl-server.h), built whole from a parsed
 * request: HTTP with a status line on every reply, or the line protocol's
 * bare JSON / metrics text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/agent.h"
#include "core/textbuf.h"
#include "ctlproto.h"

/* Sent as head (HTTP status line and headers; empty for the line
 * protocol), then body unless send_body is false (HEAD). */
struct ctl_reply {
        char head[512];
        size_t head_len;
        struct textbuf body;
        bool send_body;
        int status; /* HTTP status, also for line replies (200, 400) */
};
void ctl_reply_done(struct ctl_reply *r);

/* tcp: the metrics listener, which serves /metrics only. -ENOMEM. */
int ctl_reply_build(const struct agent *a, const struct mq_ctl_request *rq, bool tcp,
                    struct ctl_reply *ret);
/* "503 Service Unavailable": every slot taken (open clients). */
int ctl_reply_busy(unsigned open, struct ctl_reply *ret);
