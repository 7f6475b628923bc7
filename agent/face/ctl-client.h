/* SPDX-License-Identifier: MIT */
/* The client side of the control socket (ctl-server.h): `memqos-agent
 * status`, `explain` and `metrics` send one line and print the reply. */
#pragma once

#include <sys/un.h>

#include "core/agent.h"

/* <state-dir>/agent.sock as a socket address; -ENAMETOOLONG with a message. */
int ctl_socket_addr(const char *state_dir, struct sockaddr_un *ret, struct mq_error *err);
/* A connected fd, or a negative errno. */
int ctl_connect(const struct sockaddr_un *sa);

/* Send request, return the reply text (caller frees). A server with every
 * client slot taken answers "503": an error naming it. */
int ctl_request(const char *state_dir, const char *request, char **ret_reply, struct mq_error *err);

/* `status` / `explain` commands: print a table or the JSON; `metrics`:
 * the Prometheus text. Returns the exit code. */
int ctl_command(const struct agent_opts *o, const char *verb, const char *key);
