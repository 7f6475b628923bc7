/* SPDX-License-Identifier: MIT */
/* The counters in the Prometheus text format (version 0.0.4), served on the
 * control socket: `memqos-agent metrics`, or over HTTP on the same socket
 * (curl --unix-socket /run/memqos/agent.sock http://localhost/metrics). */
#pragma once

#include "core/agent.h"
#include "core/textbuf.h"

/* The text, in a buffer of its own (textbuf.h); -ENOMEM. */
int metrics_write(const struct agent *a, struct textbuf *ret);
