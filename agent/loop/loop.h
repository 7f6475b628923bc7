/* SPDX-License-Identifier: MIT */
/* The daemon's event loop: one epoll set over PSI trigger fds, an inotify
 * fd (memory.events files, kubepods directories, the record directory), a
 * timerfd, a signalfd and the control socket. No busy polling: the timer is
 * armed for a due reconcile, a ladder step, the PSI fallback when a trigger
 * could not be armed, and the MemAvailable watermark, which reads only
 * /proc/meminfo and PSI (100 ms..1 s, earlier the closer the watermark) and
 * takes a full snapshot only below it. */
#pragma once

#include "core/agent.h"

/* Run until SIGTERM/SIGINT. Returns 0 on a clean exit, negative errno on a
 * start-up failure (message already printed). */
int loop_run(struct agent *a);
