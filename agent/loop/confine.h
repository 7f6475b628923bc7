/* SPDX-License-Identifier: MIT */
#pragma once

#include "error.h"

/* Confine the running daemon to the system calls its loop needs. */
int agent_seccomp(struct mq_error *err);
/* Lock the daemon's pages in memory as they are touched (mlockall with
 * MCL_ONFAULT), raising RLIMIT_MEMLOCK to unlimited first. */
int agent_lock_memory(struct mq_error *err);
