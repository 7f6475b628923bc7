/* SPDX-License-Identifier: MIT */
/* What the metrics count beyond the plain counters of struct
 * agent_counters: actions by kind, cause and result (node-wide and per
 * pod), the wake-to-write latency histogram, kernel OOM kills. Per-pod
 * entries go when their pod leaves the snapshot, so the series a scrape
 * returns stay bounded by the pods on the node. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "decide.h"
#include "oomkill.h"

enum agent_result {
        AGENT_RESULT_OK = 0,
        AGENT_RESULT_PARTIAL,
        AGENT_RESULT_SKIPPED,
        AGENT_RESULT_ERROR,
        AGENT_RESULT_DRY_RUN,
        _AGENT_RESULT_MAX,
};
const char *agent_result_name(enum agent_result r);
/* The class of an actuator result text ("ok", "error: ...", "dry-run", ...). */
enum agent_result agent_result_of(const char *text);

/* Upper bounds of the latency histogram, seconds (+Inf implied). */
#define AGENT_LATENCY_BUCKETS 12
extern const double agent_latency_bounds[AGENT_LATENCY_BUCKETS];

#define AGENT_OOM_NOTES 16

struct agent_stats {
        uint64_t actions[_MQ_ACT_MAX][_MQ_CAUSE_MAX][_AGENT_RESULT_MAX];
        size_t n_pod, cap_pod;
        struct agent_pod_tally {
                char uid[MQ_POD_UID_MAX];
                uint8_t action, cause, result;
                uint64_t n;
        } * pod;
        uint64_t latency[AGENT_LATENCY_BUCKETS + 1]; /* the last: above every bound */
        uint64_t latency_count;
        double latency_sum; /* seconds */
        /* Kernel OOM kills (oomwatch.c). */
        bool oom_baseline; /* the first snapshot was taken as the baseline */
        struct mq_oom_baseline oom_base;
        bool have_vmstat;
        struct mq_oom_balance oom_balance;
        struct mq_oom_gate oom_gate;
        uint64_t vmstat_oom_kill;         /* /proc/vmstat oom_kill at the last read */
        uint64_t oom_kills[2];            /* explained, by enum mq_oom_scope */
        uint64_t oom_kills_elsewhere;     /* node kills outside any pod in the snapshot */
        char *oom_notes[AGENT_OOM_NOTES]; /* JSON text of the latest explanations */
        size_t n_oom_notes;               /* total ever; ring index = n % AGENT_OOM_NOTES */
};

/* Count one executed (or dry-run) action; latency_us 0: not measured. */
void stats_count_action(struct agent_stats *s, const struct mq_action *act,
                        enum agent_result result, uint64_t latency_us);
/* Drop the per-pod entries of pods not in snap. */
void stats_prune(struct agent_stats *s, const struct mq_snapshot *snap);
/* Keep an explanation's JSON text (takes text). */
void stats_add_oom_note(struct agent_stats *s, char *text);
/* The latest explanation for uid (NULL: the latest of any pod), or NULL. */
const char *stats_oom_note(const struct agent_stats *s, const char *uid);
void stats_done(struct agent_stats *s);
