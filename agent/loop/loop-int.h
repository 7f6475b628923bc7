/* SPDX-License-Identifier: MIT */
/* The event loop's state, shared by loop.c (dispatch), cycle.c (one
 * wakeup), trigger.c (PSI triggers), watch.c (inotify) and timer.c (the
 * timerfd); each declares its functions in a header of its own. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/agent.h"
#include "dirwatch.h"
#include "face/ctl-server.h"

#define MIN_EVENT_GAP_MS 100 /* memory.events can change ~50 times a second per pod */
#define PSI_FALLBACK_MS  1000

enum tag {
        TAG_SIGNAL = 1,
        TAG_INOTIFY,
        TAG_TIMER,
        TAG_PSI_NODE,
        TAG_PSI_KUBE, /* + index of the kubepods root */
};

struct psi_watch {
        int fd;           /* -1 when not armed */
        bool unsupported; /* not a kernel PSI file, or the kernel refused: use the timer */
};

struct loop {
        struct agent *a;
        int epfd, sigfd, inofd, tfd;
        struct ctl_server ctl;
        struct psi_watch node, kube[2];
        int records_wd;
        struct mq_dirwatch dirs; /* where pods appear: kubepods and QoS directories */
        bool rewatch, records_dirty, pending, stop;
        enum mq_trigger pending_trigger;
        uint64_t last_scan_ms, last_reconcile_ms, last_decide_ms, last_propagate_ms;
        uint64_t last_meminfo_ms; /* the watermark timer's last read of meminfo */
        /* mq_next_deadline_ms() as of the last decision: it walks every
         * pod's state, and only a decision, a reload or a restore changes it. */
        uint64_t decide_deadline_ms;
        bool reconcile_now; /* first cycle, or the records changed */
        bool warned_persist;
};

/* Timer slack: a deadline this close counts as due. */
#define DUE_SLACK_MS 2
