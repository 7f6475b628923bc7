/* SPDX-License-Identifier: MIT */
/* The daemon's event loop: one epoll set over PSI trigger fds, an inotify
 * fd (memory.events files, kubepods directories, the record directory), a
 * timerfd, a signalfd and the control socket. Nothing polls in a loop: the
 * timer is armed only for a due reconcile, a ladder step, the MemAvailable
 * watermark while memory is short, or a PSI trigger that could not be armed. */
#pragma once

#include "agent.h"

/* Run until SIGTERM/SIGINT. Returns 0 on a clean exit, negative errno on a
 * start-up failure (message already printed). */
int loop_run(struct agent *a);
