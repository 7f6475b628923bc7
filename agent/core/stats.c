/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <json-c/json.h>

#include "util.h"

/* 1 ms to 5 s: a write done within a few ms is the goal; TCG and reclaim
 * inside a memory.high write reach the hundreds. */
const double agent_latency_bounds[AGENT_LATENCY_BUCKETS] = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

static const char *const result_names[] = {
        [AGENT_RESULT_OK] = "ok",           [AGENT_RESULT_PARTIAL] = "partial",
        [AGENT_RESULT_SKIPPED] = "skipped", [AGENT_RESULT_ERROR] = "error",
        [AGENT_RESULT_DRY_RUN] = "dry-run",
};

const char *agent_result_name(enum agent_result r) {
        return (unsigned)r < ELEMENTSOF(result_names) ? result_names[r] : "invalid";
}

enum agent_result agent_result_of(const char *text) {
        /* The SIGKILL fallback did the kill by other means. */
        if (startswith(text, "fallback:"))
                return AGENT_RESULT_OK;
        for (size_t i = 0; i < ELEMENTSOF(result_names); i++) {
                size_t n = strlen(result_names[i]);
                if (strncmp(text, result_names[i], n) == 0 && (text[n] == '\0' || text[n] == ':'))
                        return (enum agent_result)i;
        }
        /* A kill by SIGKILL reports what it did ("ok: ..."); anything not
         * recognised is not counted as a success. */
        return AGENT_RESULT_ERROR;
}

static void count_pod(struct agent_stats *s, const struct mq_action *act, enum agent_result r) {
        for (size_t i = 0; i < s->n_pod; i++) {
                struct agent_pod_tally *t = &s->pod[i];
                if (t->action == act->kind && t->cause == act->cause && t->result == r &&
                    streq(t->uid, act->pod_uid)) {
                        t->n++;
                        return;
                }
        }
        if (grow_array((void **)&s->pod, &s->cap_pod, s->n_pod, sizeof(*s->pod), 16) < 0)
                return; /* the node-wide counter still has it */
        struct agent_pod_tally *t = &s->pod[s->n_pod++];
        *t = (struct agent_pod_tally){.action = (uint8_t)act->kind,
                                      .cause = (uint8_t)act->cause,
                                      .result = (uint8_t)r,
                                      .n = 1};
        (void)snprintf(t->uid, sizeof(t->uid), "%s", act->pod_uid);
}

void stats_count_action(struct agent_stats *s, const struct mq_action *act,
                        enum agent_result result, uint64_t latency_us) {
        if ((unsigned)act->kind >= _MQ_ACT_MAX || (unsigned)act->cause >= _MQ_CAUSE_MAX ||
            (unsigned)result >= _AGENT_RESULT_MAX)
                return;
        s->actions[act->kind][act->cause][result]++;
        if (act->pod_uid[0])
                count_pod(s, act, result);
        if (!latency_us)
                return;
        double sec = (double)latency_us / 1e6;
        size_t b = 0;
        while (b < AGENT_LATENCY_BUCKETS && sec > agent_latency_bounds[b])
                b++;
        s->latency[b]++;
        s->latency_count++;
        s->latency_sum += sec;
}

void stats_prune(struct agent_stats *s, const struct mq_snapshot *snap) {
        size_t kept = 0;
        for (size_t i = 0; i < s->n_pod; i++)
                if (mq_snapshot_find_pod(snap, s->pod[i].uid) != NULL)
                        s->pod[kept++] = s->pod[i];
        s->n_pod = kept;
}

void stats_add_oom_note(struct agent_stats *s, char *text) {
        char **slot = &s->oom_notes[s->n_oom_notes % AGENT_OOM_NOTES];
        free(*slot);
        *slot = text;
        s->n_oom_notes++;
}

static bool note_is_for(const char *text, const char *uid) {
        struct json_object *o = json_tokener_parse(text), *v;
        bool yes = o && json_object_object_get_ex(o, "pod_uid", &v) &&
                   streq(json_object_get_string(v), uid);
        json_object_put(o);
        return yes;
}

const char *stats_oom_note(const struct agent_stats *s, const char *uid) {
        size_t kept = s->n_oom_notes < AGENT_OOM_NOTES ? s->n_oom_notes : AGENT_OOM_NOTES;
        for (size_t k = 1; k <= kept; k++) {
                const char *t = s->oom_notes[(s->n_oom_notes - k) % AGENT_OOM_NOTES];
                if (t && (!uid || note_is_for(t, uid)))
                        return t;
        }
        return NULL;
}

void stats_done(struct agent_stats *s) {
        free(s->pod);
        mq_oom_baseline_done(&s->oom_base);
        for (size_t i = 0; i < AGENT_OOM_NOTES; i++)
                free(s->oom_notes[i]);
        *s = (struct agent_stats){0};
}
