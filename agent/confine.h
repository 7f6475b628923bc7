/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"

/* Confine the running daemon to the system calls its loop needs. */
int agent_seccomp(struct mq_error *err);
