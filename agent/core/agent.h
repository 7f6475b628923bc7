/* SPDX-License-Identifier: MIT */
/* memqos-agent: state shared by the command front end, the scan, the
 * actuator, the event loop and the control socket. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "decide.h"
#include "headroom.h"
#include "nodepolicy.h"
#include "now.h"
#include "podwatch.h"
#include "record.h"
#include "stats.h"

#define AGENT_DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"
#define AGENT_DEFAULT_PROC_ROOT   "/proc"
#define AGENT_DEFAULT_STATE_DIR   "/run/memqos"
#define AGENT_SOCKET_NAME         "agent.sock"
#define AGENT_RECENT_MAX          64
#define AGENT_RESULT_MAX          160 /* one action's result text (act.c, `once`) */

struct agent_opts {
        const char *config_path; /* NULL: built-in defaults only */
        const char *policy_path; /* node policy (nodepolicy.h) */
        const char *cgroup_root;
        const char *proc_root;
        const char *state_dir;
        const char *metrics_listen; /* NULL: the config's metrics_listen */
        bool dry_run;
        bool act;  /* `once --act`: execute the actions it prints */
        bool json; /* status/explain: JSON instead of a table */
        bool no_seccomp;
};

struct agent_records {
        size_t n, cap;
        struct mq_record *v;
};

/* Pod cgroups created or removed since the last full scan (watch.c from
 * the kubepods and QoS directories' inotify events), applied to the next
 * refreshed snapshot (refresh.c), so a new pod needs no full scan. */
#define AGENT_POD_CHANGES_MAX 64
struct agent_pod_changes {
        size_t n, cap;
        struct agent_pod_change {
                bool born;
                char uid[MQ_POD_UID_MAX];
                char cgroup[512]; /* as mq_pod.cgroup */
        } * v;
        bool overflow; /* too many to keep: take a full scan */
};

/* An fd on each pod's memory.current, sorted by uid (curfd.c). */
struct agent_curfds {
        size_t n, cap;
        struct agent_curfd {
                char uid[MQ_POD_UID_MAX];
                int fd;
        } * v;
};

struct agent_counters {
        uint64_t actions[_MQ_ACT_MAX];
        uint64_t action_errors;
        uint64_t kills, kill_fallbacks;
        uint64_t reconciles, propagations;
        uint64_t propagation_caps; /* propagation walks that found the pods' protection
                                    * above the cap and scaled the ancestors to it */
        uint64_t wakeups[_MQ_TRIGGER_MAX];
        uint64_t wakeups_signal, wakeups_control; /* wakeups_control: connections accepted */
        uint64_t control_refused;                 /* turned away: every client slot taken */
        uint64_t control_expired;                 /* closed at their deadline (ctl-server.c) */
        uint64_t scans, full_scans, decisions;    /* scans: snapshots, full or refreshed */
        uint64_t partial_scans;                   /* decisions on a refreshed copy (refresh.c) */
        uint64_t usage_passes;     /* memory.current of the low groups read after a decision */
        uint64_t usage_reads;      /* memory.current files read by usage passes */
        uint64_t events_unchanged; /* memory.events reads saved: no inotify event since (refresh.c)
                                    */
        uint64_t reloads, reload_errors;
        uint64_t psi_lost;        /* POLLERR on a trigger: its cgroup went away */
        uint64_t odd_pod_cgroups; /* pod-shaped cgroups that are not pods (scan.c) */
};

/* Pod-shaped cgroup names that do not parse as pods, each reported once. */
#define AGENT_ODD_MAX 32
struct agent_odd_pods {
        size_t n;
        char path[AGENT_ODD_MAX][512]; /* as mq_pod.cgroup */
};

/* A compact copy of an action for `status`/`explain`. */
struct agent_recent {
        char time[32];
        char action[24];
        char pod_uid[MQ_POD_UID_MAX];
        char target[160];
        char value[24];
        char result[96];
        char reason[448];
};

/* Pods created lately: a usage pass reads their usage first, the usual
 * sudden growers (refresh-pods.c). Kept across wakeups. */
#define AGENT_BORN_MAX 16
struct agent_born {
        struct {
                char uid[MQ_POD_UID_MAX];
                uint64_t ms;
        } v[AGENT_BORN_MAX];
        size_t n; /* total ever; ring index = n % AGENT_BORN_MAX */
};

/* The daemon's long-lived state, from agent_open() to agent_close(): what
 * one wakeup needs only while it runs (its timing, a refresh's index)
 * travels in contexts of its own (log.h, refresh-ctx.h). */
struct agent {
        struct agent_opts opts;
        struct mq_config cfg;
        struct mq_nodepolicy policy; /* the propagation cap (agent_open) */
        int cg_fd, proc_fd, state_fd;
        int psi_fd, meminfo_fd; /* pressure/memory and meminfo, kept open (scan.c) */
        struct mq_agent_state st;
        struct agent_records recs;
        struct mq_snapshot snap;         /* the last scan, for status/explain */
        struct mq_protected prot;        /* what snap's protection keeps from reclaim */
        struct mq_fill_meter fill;       /* MemAvailable readings, for the fill rate */
        uint64_t snap_full_ms;           /* when every pod of snap was last read (refresh.c) */
        struct mq_podwatch events_watch; /* pods whose memory.events changed (watch.c) */
        struct agent_pod_changes pod_changes;
        struct agent_curfds curfds;
        struct agent_born born;
        struct agent_counters cnt;
        struct agent_stats stats; /* labelled counts for the metrics (stats.h) */
        int vmstat_fd;            /* /proc/vmstat, kept open (oomwatch.c) */
        struct agent_odd_pods odd;
        struct agent_recent recent[AGENT_RECENT_MAX];
        size_t n_recent; /* total appended; ring index = n_recent % MAX */
        uint64_t start_ms;
        bool warned_no_reclaim, warned_no_kill;
        uint64_t last_note_ms;
        char boot_id[40]; /* kernel boot_id: persisted state is valid within one boot */
        /* Container cgroups whose memory.high the livelock guard raised:
         * reconcile must not put the record's value back under it. */
        size_t n_overrides;
        char (*overrides)[512];
        const char *psi_node_mode, *psi_kubepods_mode; /* "trigger", "timer" */
};

static inline bool agent_dry_run(const struct agent *a) {
        return a->opts.dry_run || a->cfg.dry_run;
}
/* The headroom now: the last MemAvailable read, the last snapshot's
 * protection, the measured fill rate (policy/headroom.h). */
void agent_headroom(const struct agent *a, struct mq_headroom *ret);
/* The node policy, as the hook reads it: no file is the built-in policy; a
 * bad file is the built-in policy too, with a warning, so the agent keeps
 * its propagation cap (README, "Who may ask for what"). Replaces a->policy
 * only on success (-ENOMEM). */
int agent_policy_load(struct agent *a);
/* Build "<dir>/<name>" into buf; -ENAMETOOLONG when it does not fit. */
int agent_path_join(char *buf, size_t size, const char *dir, const char *name);
/* --metrics-listen over the config's metrics_listen ("" turns it off). */
int agent_listen_override(struct agent *a, struct mq_error *err);
/* Defaults, then the JSON file at path over them (path NULL: defaults). */
int agent_config_load(const char *path, struct mq_config *ret, struct mq_error *err);
