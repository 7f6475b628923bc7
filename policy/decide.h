/* SPDX-License-Identifier: MIT */
/* The agent's decision function: a snapshot of the node in, a list of
 * actions with reasons out. Pure: no I/O, no clock (time comes in the
 * snapshot), no logging. The agent's memory of earlier steps lives in
 * struct mq_agent_state, owned by the caller and updated here.
 *
 * Additions after the first version (all additive, nothing renamed):
 *   - struct mq_container and mq_pod.containers/n_containers (optional; lets
 *     the livelock guard raise the memory.high of the container that is stuck,
 *     since the hook sets memory.high on containers, not on the pod);
 *   - MQ_ACT_NOTE: an action-less entry carrying only a reason (e.g. "under
 *     pressure but every pod is protected"); the agent logs it, writes nothing;
 *   - fields in mq_pod_state and mq_agent_state (zero-initialise the state);
 *   - mq_next_deadline_ms(): when the agent should call mq_decide() again on
 *     its step timer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kubepath.h"
#include "types.h"

/* One PSI line pair as in /proc/pressure/memory or memory.pressure. */
struct mq_psi {
        double some_avg10, some_avg60, some_avg300;
        double full_avg10, full_avg60, full_avg300;
        uint64_t some_total_us, full_total_us;
};

/* What woke the agent; recorded in every decision's evidence. */
enum mq_trigger {
        MQ_TRIGGER_TIMER = 0,    /* reconcile / ladder step timer */
        MQ_TRIGGER_PSI_NODE,     /* trigger on /proc/pressure/memory */
        MQ_TRIGGER_PSI_KUBEPODS, /* trigger on kubepods memory.pressure */
        MQ_TRIGGER_EVENTS,       /* a memory.events file changed */
        MQ_TRIGGER_WATERMARK,    /* MemAvailable fell below the watermark */
        MQ_TRIGGER_RECORD,       /* a container record appeared/changed */
        MQ_TRIGGER_ONCE,         /* `memqos-agent once` */
        _MQ_TRIGGER_MAX,
};
const char *mq_trigger_name(enum mq_trigger t);
/* Rank of a wakeup source, most urgent highest: PSI on the node, PSI on
 * kubepods, the watermark, memory.events, a record, then the timer. The
 * agent reports simultaneous wakeups as the most urgent one. */
int mq_trigger_urgency(enum mq_trigger t);

struct mq_memory_events {
        uint64_t low, high, max, oom, oom_kill, oom_group_kill;
};

/* Optional: one container cgroup beneath a pod. Only what the livelock guard
 * needs to raise a stuck container's own memory.high. */
struct mq_container {
        char id[72];
        char cgroup[512];            /* container cgroup path relative to the cgroup root */
        uint64_t current, high, max; /* MQ_UNLIMITED = max */
};

/* One pod as seen in one scan. Values are from the pod-level cgroup. */
struct mq_pod {
        char uid[MQ_POD_UID_MAX];
        char cgroup[512]; /* pod cgroup path relative to the cgroup root */
        char name[64];    /* from a record, "" if none */
        char ns[64];      /* from a record, "" if none */
        enum mq_qos qos;
        enum mq_priority priority; /* lowest priority among its records; normal if none */
        bool has_record;
        bool oom_group; /* a record asked for oom-group (informational) */
        uint64_t current, anon, file, inactive_file, shmem; /* bytes */
        uint64_t min, low, high, max; /* the pod cgroup's own files, MQ_UNLIMITED = max */
        uint64_t record_high; /* sum of memory.high its records applied, MQ_UNLIMITED if none */
        struct mq_memory_events events;
        struct mq_psi psi;               /* the pod's memory.pressure */
        size_t n_containers;             /* optional, 0 when the scan does not fill them */
        struct mq_container *containers; /* owned by whoever built the snapshot */
};

/* The cgroups above the pods. The kernel caps a pod's effective memory.min
 * and memory.low by theirs (cgroup-v2.rst, "Memory Protection"): Guaranteed
 * pods are children of kubepods, the others of their QoS-class cgroup. */
enum mq_ancestor {
        MQ_ANC_KUBEPODS = 0,
        MQ_ANC_BURSTABLE,
        MQ_ANC_BESTEFFORT,
        _MQ_ANC_MAX,
};

struct mq_ancestor_prot {
        bool known;        /* read from the cgroup; unknown: taken to carry its children's sum */
        uint64_t min, low; /* MQ_UNLIMITED = max */
};

struct mq_snapshot {
        uint64_t now_ms; /* CLOCK_MONOTONIC */
        enum mq_trigger trigger;
        struct mq_psi node_psi;
        uint64_t mem_total, mem_available; /* bytes, /proc/meminfo */
        /* How fast the headroom (policy/headroom.h) shrank over the last
         * second, bytes per second, 0 when it did not: measured by the
         * caller from its meminfo reads (mq_fill_meter). */
        uint64_t fill_rate;
        struct mq_ancestor_prot ancestors[_MQ_ANC_MAX];
        size_t n_pods;
        struct mq_pod *pods;
        /* The pods' memory.current was not read for this snapshot
         * (the agent's fast path ranked on the last figures). mq_decide()
         * then refuses to kill, returning -ESTALE with the state unchanged:
         * read usage and decide again. Gentler steps go ahead. */
        bool usage_stale;
};

enum mq_step {
        MQ_STEP_NONE = 0,
        MQ_STEP_RECLAIM,  /* memory.reclaim written */
        MQ_STEP_THROTTLE, /* memory.high lowered */
        MQ_STEP_KILL,     /* cgroup.kill written */
};

/* Per-pod memory across decisions. */
struct mq_pod_state {
        char uid[MQ_POD_UID_MAX];
        enum mq_step step; /* rung reached in the current episode */
        uint64_t step_at_ms;
        uint64_t original_high;  /* memory.high before the agent throttled it */
        uint64_t throttled_high; /* what the agent set */
        uint64_t stuck_since_ms; /* livelock guard: 0 when not stuck */
        uint64_t last_events_high;
        bool seen; /* marked during a decision; unseen pods are dropped */
        /* memory.high ownership, relaxing and the livelock guard's samples */
        bool throttled;              /* the agent owns memory.high until relaxed back */
        uint64_t high_at_ms;         /* when the agent last wrote memory.high (throttle/relax) */
        uint64_t relax_step;         /* bytes per relax step, fixed when relaxing starts */
        uint64_t livelock_sample_ms; /* when last_events_high was sampled */
        bool held_at_high;           /* its high events rose within MQ_HELD_WINDOW_MS */
        uint64_t last_rise_ms;       /* the last sample that saw its high events rise */
};

struct mq_agent_state {
        bool in_episode;
        uint64_t episode_start_ms;
        uint64_t last_action_ms; /* last ladder step or note: paces the ladder */
        uint64_t last_kill_ms;
        size_t n_pods, cap_pods;
        struct mq_pod_state *pods; /* sorted by uid between decisions */
        /* the PSI baseline, pressure and kill confirmation across decisions */
        bool have_last;                     /* a PSI baseline exists */
        uint64_t last_snapshot_ms;          /* the baseline's now_ms (>= one window old) */
        uint64_t last_node_some_total_us;   /* the baseline's node PSI some total */
        uint64_t last_pressure_ms;          /* when pressure was last seen */
        char last_kill_uid[MQ_POD_UID_MAX]; /* the most recent kill, to confirm it */
        uint64_t last_kill_anon;            /* that pod's anon at the kill */
        uint64_t last_decision_ms;          /* now_ms of the last mq_decide() */
};

enum mq_action_kind {
        MQ_ACT_RECLAIM = 0, /* write value bytes to memory.reclaim */
        MQ_ACT_SET_HIGH,    /* write value to memory.high (throttle) */
        MQ_ACT_RELAX_HIGH,  /* write value to memory.high (raise back) */
        MQ_ACT_UNSTICK,     /* livelock guard: raise memory.high */
        MQ_ACT_KILL,        /* write 1 to cgroup.kill of the pod */
        MQ_ACT_NOTE,        /* nothing to write: reason explains why no action */
        _MQ_ACT_MAX,
};
const char *mq_action_name(enum mq_action_kind k);

/* Why an action was taken, in one word (metrics labels; the full sentence
 * is the action's reason): the node's PSI stall, the headroom below the
 * reclaim line or critical (policy/headroom.h), pressure gone (relax), a
 * pod stuck at its memory.high (the livelock guard). */
enum mq_cause {
        MQ_CAUSE_PSI = 0,
        MQ_CAUSE_HEADROOM,
        MQ_CAUSE_HEADROOM_CRITICAL,
        MQ_CAUSE_RELIEF,
        MQ_CAUSE_LIVELOCK,
        _MQ_CAUSE_MAX,
};
const char *mq_cause_name(enum mq_cause c);

struct mq_action {
        enum mq_action_kind kind;
        enum mq_cause cause;
        char pod_uid[MQ_POD_UID_MAX];
        char cgroup[512]; /* cgroup path the write goes to: the pod's; for UNSTICK
                           * possibly one of its containers'; "" for NOTE */
        uint64_t value;   /* bytes; MQ_UNLIMITED means write "max" */
        char reason[448]; /* one sentence with the numbers that decided it */
};

struct mq_actions {
        size_t n, cap;
        struct mq_action *v;
};
void mq_actions_done(struct mq_actions *a);
void mq_agent_state_done(struct mq_agent_state *s);

/* The pod with this UID in the snapshot, or NULL. */
const struct mq_pod *mq_snapshot_find_pod(const struct mq_snapshot *snap, const char *uid);
/* Order pods for acting, lowest first: priority, then QoS class, then usage
 * above protection (current - max(min, low)), then current. Writes indexes
 * into ret_order (n_pods entries). Pods at or above the protected priority
 * or QoS are still listed; callers check mq_pod_protected(). */
void mq_rank_pods(const struct mq_snapshot *snap, size_t *ret_order);
/* Usage the kernel does not protect: memory.current above the larger of
 * memory.min and memory.low (the ranking's third key). */
uint64_t mq_pod_excess(const struct mq_pod *p);
/* The order mq_rank_pods() sorts by: < 0 when x comes first (ties: 0). */
int mq_pod_rank_cmp(const struct mq_pod *x, const struct mq_pod *y);
bool mq_pod_protected(const struct mq_config *cfg, const struct mq_pod *pod);
/* The livelock guard compares memory.events "high" no more often than this:
 * the kernel counts one event per charge attempt over memory.high (about 50/s
 * for a stuck task, BACKGROUND.md), so a second always shows a stuck pod's
 * counter rising, while shorter gaps between snapshots may not. */
#define MQ_LIVELOCK_SAMPLE_MS 1000
/* Never set memory.high below this, and do not bother acting on a pod smaller
 * than this: a container runtime plus a shell needs a few MiB, and killing a
 * pod this small frees nothing that matters. */
#define MQ_POD_FLOOR_BYTES (UINT64_C(16) << 20)
/* The ranking's first keys alone (priority, then QoS class): < 0 when x's
 * group is acted on before y's, 0 for the same group. */
int mq_rank_group_cmp(const struct mq_pod *x, const struct mq_pod *y);
/* A pod the ladder may act on, at rung `step` of this episode: not
 * protected, not killed already, holding at least MQ_POD_FLOOR_BYTES. */
bool mq_pod_eligible(const struct mq_config *cfg, const struct mq_pod *pod, enum mq_step step);
/* Eligible, and with a rung left to take: below the throttle, or any rung
 * when kills are enabled. What the agent reads figures for first. */
bool mq_pod_candidate(const struct mq_config *cfg, const struct mq_pod *pod, enum mq_step step);
/* Worth a kill: at least MQ_POD_FLOOR_BYTES of anonymous memory (a kill
 * frees anon; page cache the kernel reclaims anyway). Judged on figures read
 * now, never on an earlier read. */
bool mq_pod_killable(const struct mq_pod *pod);

/* The decision. Appends to *out; updates *state. Returns 0 or -ENOMEM; on
 * -ENOMEM neither *out nor *state is changed. */
int mq_decide(const struct mq_config *cfg, const struct mq_snapshot *snap,
              struct mq_agent_state *state, struct mq_actions *out);

/* The CLOCK_MONOTONIC time in ms at which mq_decide() wants to run again with
 * MQ_TRIGGER_TIMER (next ladder step, relief check, relax step, livelock
 * sample), or 0 when nothing is pending and events alone suffice. */
uint64_t mq_next_deadline_ms(const struct mq_config *cfg, const struct mq_agent_state *state);

/* Would the kill gate (ladder.kill, the cooldown, the previous kill's memory
 * released) let a kill through on this snapshot? The agent's fast path asks
 * before it decides which pods to read afresh. */
bool mq_kill_allowed(const struct mq_config *cfg, const struct mq_agent_state *st,
                     const struct mq_snapshot *snap);
