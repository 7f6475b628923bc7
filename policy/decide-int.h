/* SPDX-License-Identifier: MIT */
/* Internal to the decision core (decide.c, decide-kill.c, decide-ladder.c,
 * decide-livelock.c): one decision's working context and shared helpers. */
#pragma once

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "headroom.h"
#include "util.h"

#define MIB (UINT64_C(1) << 20)

/* A memory.reclaim or memory.high change smaller than this is noise. */
#define MQ_MIN_STEP_BYTES (1 * MIB)
/* ... but not always: past its memory.high, mem_cgroup_handle_over_high()
 * puts the task to sleep for up to MEMCG_MAX_HIGH_DELAY_JIFFIES (2 s) after a
 * reclaim attempt, and counts one "high" event per attempt. Seen in the VM:
 * a stuck task's counter stood still for more than a second at a time. A pod
 * counts as held at memory.high while its counter rose within this long. */
#define MQ_HELD_WINDOW_MS 4000
/* After a kill, the next kill waits until the killed pod's anonymous memory is
 * released (or the pod is gone), but no longer than this many cooldowns (or
 * step intervals, if longer): a task stuck in D state may never exit, and the
 * node must not wait for it forever. */
#define MQ_KILL_CONFIRM_FACTOR 4

/* Why the node is (or is not) under pressure in this snapshot. */
struct decide_pressure {
        bool psi_trigger; /* the kernel woke us: stall crossed a trigger threshold */
        bool watermark;   /* headroom below the reclaim line, or its trigger */
        bool critical;    /* headroom critical (policy/headroom.h): kill now */
        bool growth;      /* node "some" stall grew past the threshold rate */
        bool avg10;       /* first snapshot only: some avg10 above the threshold level */
        bool measured;    /* stall_us/interval_ms below are meaningful */
        bool discounted;  /* PSI evidence set aside: a pod held at memory.high explains it */
        uint64_t stall_us, interval_ms;
        struct mq_headroom hr;
};

struct decide_ctx {
        const struct mq_config *cfg;
        const struct mq_snapshot *snap;
        struct mq_agent_state *st; /* working copy, committed on success */
        struct mq_pod_state *ps;   /* parallel to snap->pods */
        size_t *order;             /* rank order of snap->pods */
        struct mq_actions acts;    /* this decision's actions */
        struct decide_pressure pr;
        bool livelock;      /* the livelock guard is emitting (the actions' cause) */
        char evidence[224]; /* node evidence, for reasons */
};

/* Append an action; reason is formatted. -ENOMEM. */
int decide_emit(struct decide_ctx *c, enum mq_action_kind kind, const struct mq_pod *pod,
                const char *cgroup, uint64_t value, const char *fmt, ...) _printf_(6, 7);

/* "batch/besteffort pod ns/name" or "... pod <uid>", into buf. */
void decide_pod_label(const struct mq_pod *pod, char *buf, size_t size);

/* x * pct / 100 without overflow. */
uint64_t decide_pct_of(uint64_t x, uint64_t pct);
/* Bytes as MiB for reasons; "max" for MQ_UNLIMITED. */
void decide_fmt_mib(uint64_t v, char buf[static 24]);

/* Kill gate shared by the ladder and the livelock guard: may a pod be killed
 * now? When not, *why says so (for a note). */
bool decide_kill_allowed(const struct decide_ctx *c, char *why, size_t size);
/* Emit a KILL for pod i and record it. */
int decide_kill_pod(struct decide_ctx *c, size_t i, const char *cause);

int decide_ladder_step(struct decide_ctx *c);
int decide_relax(struct decide_ctx *c);
int decide_livelock_guard(struct decide_ctx *c);
/* Is the pod being throttled at a memory.high (its own or a container's)?
 * memory.events is hierarchical, so a container's count shows here. */
bool decide_pod_held_at_high(const struct mq_pod_state *ps, const struct mq_pod *pod);
