/* SPDX-License-Identifier: MIT */
/* The control socket, <state-dir>/agent.sock: `status` and `explain` ask
 * the running daemon. Protocol: the client sends one line ("status" or
 * "explain <pod-uid|container-id>") and half-closes; the daemon answers
 * with one JSON document and closes. "metrics", or an HTTP GET /metrics,
 * gets the counters in the Prometheus text format. Only root can connect (mode 0600). */
#pragma once

#include "agent.h"

/* Bind and listen (non-blocking). A socket file nobody answers on is a
 * leftover of a killed agent and is replaced; one that answers means
 * another agent runs on this state dir: -EADDRINUSE. */
int ctl_listen(const char *state_dir, int *ret_fd, struct mq_error *err);

/* Accept one client on the listening fd, answer it, close it. */
void ctl_serve_one(struct agent *a, int listen_fd);

/* Client side: send request, return the reply text (caller frees). */
int ctl_request(const char *state_dir, const char *request, char **ret_reply, struct mq_error *err);

/* `status` / `explain` commands: print a table or the JSON; `metrics`:
 * the Prometheus text. Returns the exit code. */
int ctl_command(const struct agent_opts *o, const char *verb, const char *key);
