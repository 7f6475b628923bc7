/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <unistd.h>

#include "core/jsonval.h"
#include "sense/records.h"

#define ADD(o, k, v) json_object_object_add((o), (k), (v))
#define STR(s)       jsonval_text(s)

static struct json_object *report_events(const struct mq_memory_events *e) {
        struct json_object *o = json_object_new_object();
        ADD(o, "low", json_object_new_uint64(e->low));
        ADD(o, "high", json_object_new_uint64(e->high));
        ADD(o, "max", json_object_new_uint64(e->max));
        ADD(o, "oom", json_object_new_uint64(e->oom));
        ADD(o, "oom_kill", json_object_new_uint64(e->oom_kill));
        ADD(o, "oom_group_kill", json_object_new_uint64(e->oom_group_kill));
        return o;
}

static struct json_object *report_pod(const struct mq_config *cfg, const struct mq_pod *p,
                                      const struct mq_pod_protection *pp, size_t rank) {
        struct json_object *o = json_object_new_object();
        ADD(o, "rank", json_object_new_uint64(rank));
        ADD(o, "uid", STR(p->uid));
        ADD(o, "name", STR(p->name));
        ADD(o, "namespace", STR(p->ns));
        ADD(o, "cgroup", STR(p->cgroup));
        ADD(o, "qos", STR(mq_qos_name(p->qos)));
        ADD(o, "priority", STR(mq_priority_name(p->priority)));
        ADD(o, "protected", json_object_new_boolean(mq_pod_protected(cfg, p)));
        ADD(o, "has_record", json_object_new_boolean(p->has_record));
        ADD(o, "current", jsonval_u64(p->current));
        ADD(o, "anon", jsonval_u64(p->anon));
        ADD(o, "file", jsonval_u64(p->file));
        ADD(o, "inactive_file", jsonval_u64(p->inactive_file));
        ADD(o, "shmem", jsonval_u64(p->shmem));
        ADD(o, "min", jsonval_u64(p->min));
        ADD(o, "low", jsonval_u64(p->low));
        ADD(o, "high", jsonval_u64(p->high));
        ADD(o, "max", jsonval_u64(p->max));
        ADD(o, "record_high", jsonval_u64(p->record_high));
        ADD(o, "effective_min", jsonval_u64(pp->emin));
        ADD(o, "effective_low", jsonval_u64(pp->elow));
        ADD(o, "protected_cache", json_object_new_uint64(pp->cache.min + pp->cache.low));
        ADD(o, "events", report_events(&p->events));
        ADD(o, "psi", jsonval_psi(&p->psi));
        struct json_object *cs = json_object_new_array();
        for (size_t i = 0; i < p->n_containers; i++) {
                const struct mq_container *c = &p->containers[i];
                struct json_object *x = json_object_new_object();
                ADD(x, "id", STR(c->id));
                ADD(x, "cgroup", STR(c->cgroup));
                ADD(x, "current", jsonval_u64(c->current));
                ADD(x, "high", jsonval_u64(c->high));
                ADD(x, "max", jsonval_u64(c->max));
                json_object_array_add(cs, x);
        }
        ADD(o, "containers", cs);
        return o;
}

/* Pods in acting order, lowest first. */
static struct json_object *report_pods(const struct mq_config *cfg,
                                       const struct mq_snapshot *snap) {
        struct json_object *arr = json_object_new_array();
        if (snap->n_pods == 0)
                return arr;
        size_t *order = calloc(snap->n_pods, sizeof(*order));
        struct mq_pod_protection *pp = calloc(snap->n_pods, sizeof(*pp));
        if (order && pp) {
                struct mq_protected total;
                mq_rank_pods(snap, order);
                mq_protection_compute(snap, pp, &total);
                for (size_t i = 0; i < snap->n_pods; i++)
                        json_object_array_add(
                                arr, report_pod(cfg, &snap->pods[order[i]], &pp[order[i]], i + 1));
        }
        free(order);
        free(pp);
        return arr;
}

struct json_object *report_once(const struct agent *a, const struct mq_snapshot *snap,
                                const struct mq_actions *acts, char (*results)[AGENT_RESULT_MAX]) {
        struct json_object *o = json_object_new_object();
        ADD(o, "version", STR(MEMQOS_VERSION));
        ADD(o, "trigger", STR(mq_trigger_name(snap->trigger)));
        ADD(o, "acted", json_object_new_boolean(results != NULL));
        ADD(o, "dry_run", json_object_new_boolean(agent_dry_run(a)));
        ADD(o, "node", jsonval_node(&a->cfg, snap));
        ADD(o, "records", json_object_new_uint64(a->recs.n));
        ADD(o, "pods", report_pods(&a->cfg, snap));
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; acts && i < acts->n; i++) {
                const struct mq_action *act = &acts->v[i];
                struct json_object *x = json_object_new_object();
                ADD(x, "action", STR(mq_action_name(act->kind)));
                ADD(x, "pod", STR(act->pod_uid));
                ADD(x, "cgroup", STR(act->cgroup));
                ADD(x, "value", jsonval_u64(act->value));
                ADD(x, "reason", STR(act->reason));
                ADD(x, "result", STR(results ? results[i] : "not executed"));
                json_object_array_add(arr, x);
        }
        ADD(o, "actions", arr);
        return o;
}

static struct json_object *report_recent(const struct agent *a, const char *uid) {
        struct json_object *arr = json_object_new_array();
        size_t n = a->n_recent < AGENT_RECENT_MAX ? a->n_recent : AGENT_RECENT_MAX;
        for (size_t i = 0; i < n; i++) {
                const struct agent_recent *r = &a->recent[(a->n_recent - n + i) % AGENT_RECENT_MAX];
                if (uid && !streq(uid, r->pod_uid))
                        continue;
                struct json_object *x = json_object_new_object();
                ADD(x, "time", STR(r->time));
                ADD(x, "action", STR(r->action));
                ADD(x, "pod", STR(r->pod_uid));
                ADD(x, "target", STR(r->target));
                ADD(x, "value", STR(r->value));
                ADD(x, "reason", STR(r->reason));
                ADD(x, "result", STR(r->result));
                json_object_array_add(arr, x);
        }
        return arr;
}

static const char *step_name(enum mq_step s) {
        switch (s) {
        case MQ_STEP_RECLAIM:
                return "reclaim";
        case MQ_STEP_THROTTLE:
                return "throttle";
        case MQ_STEP_KILL:
                return "kill";
        default:
                return "none";
        }
}

static struct json_object *report_pod_state(const struct mq_pod_state *s) {
        struct json_object *x = json_object_new_object();
        ADD(x, "uid", STR(s->uid));
        ADD(x, "step", STR(step_name(s->step)));
        ADD(x, "step_at_ms", json_object_new_uint64(s->step_at_ms));
        ADD(x, "original_high", jsonval_u64(s->original_high));
        ADD(x, "throttled_high", jsonval_u64(s->throttled_high));
        ADD(x, "stuck_since_ms", json_object_new_uint64(s->stuck_since_ms));
        return x;
}

static struct json_object *report_counters(const struct agent_counters *c) {
        struct json_object *o = json_object_new_object(), *acts = json_object_new_object(),
                           *wk = json_object_new_object();
        for (int k = 0; k < _MQ_ACT_MAX; k++)
                ADD(acts, mq_action_name((enum mq_action_kind)k),
                    json_object_new_uint64(c->actions[k]));
        for (int t = 0; t < _MQ_TRIGGER_MAX; t++)
                ADD(wk, mq_trigger_name((enum mq_trigger)t), json_object_new_uint64(c->wakeups[t]));
        ADD(wk, "signal", json_object_new_uint64(c->wakeups_signal));
        ADD(wk, "control", json_object_new_uint64(c->wakeups_control));
        ADD(o, "actions", acts);
        ADD(o, "wakeups", wk);
        ADD(o, "action_errors", json_object_new_uint64(c->action_errors));
        ADD(o, "kills", json_object_new_uint64(c->kills));
        ADD(o, "kill_fallbacks", json_object_new_uint64(c->kill_fallbacks));
        ADD(o, "reconciles", json_object_new_uint64(c->reconciles));
        ADD(o, "propagations", json_object_new_uint64(c->propagations));
        ADD(o, "propagation_caps", json_object_new_uint64(c->propagation_caps));
        ADD(o, "scans", json_object_new_uint64(c->scans));
        ADD(o, "full_scans", json_object_new_uint64(c->full_scans));
        ADD(o, "partial_scans", json_object_new_uint64(c->partial_scans));
        ADD(o, "events_unchanged", json_object_new_uint64(c->events_unchanged));
        ADD(o, "usage_passes", json_object_new_uint64(c->usage_passes));
        ADD(o, "usage_reads", json_object_new_uint64(c->usage_reads));
        ADD(o, "decisions", json_object_new_uint64(c->decisions));
        ADD(o, "reloads", json_object_new_uint64(c->reloads));
        ADD(o, "reload_errors", json_object_new_uint64(c->reload_errors));
        ADD(o, "psi_lost", json_object_new_uint64(c->psi_lost));
        ADD(o, "odd_pod_cgroups", json_object_new_uint64(c->odd_pod_cgroups));
        ADD(o, "control_refused", json_object_new_uint64(c->control_refused));
        ADD(o, "control_expired", json_object_new_uint64(c->control_expired));
        return o;
}

/* The latest kernel OOM kill explanation (for uid, or any when NULL), as
 * the JSON object its log line was; NULL when there is none. */
static struct json_object *oom_note(const struct agent *a, const char *uid) {
        const char *text = stats_oom_note(&a->stats, uid);
        return text ? json_tokener_parse(text) : NULL;
}

static struct json_object *oom_counts(const struct agent_stats *s) {
        struct json_object *o = json_object_new_object();
        ADD(o, "cgroup", json_object_new_uint64(s->oom_kills[MQ_OOM_CGROUP]));
        ADD(o, "node", json_object_new_uint64(s->oom_kills[MQ_OOM_NODE]));
        ADD(o, "outside", json_object_new_uint64(s->oom_kills_elsewhere));
        return o;
}

struct json_object *report_status(const struct agent *a) {
        struct json_object *o = json_object_new_object();
        ADD(o, "version", STR(MEMQOS_VERSION));
        ADD(o, "pid", json_object_new_int64(getpid()));
        ADD(o, "uptime_ms", json_object_new_uint64(now_ms() - a->start_ms));
        ADD(o, "dry_run", json_object_new_boolean(agent_dry_run(a)));
        ADD(o, "config", a->opts.config_path ? STR(a->opts.config_path) : NULL);
        ADD(o, "cgroup_root", STR(a->opts.cgroup_root));
        ADD(o, "proc_root", STR(a->opts.proc_root));
        ADD(o, "state_dir", STR(a->opts.state_dir));
        ADD(o, "metrics_listen", STR(a->cfg.metrics_listen));
        struct json_object *psi = json_object_new_object();
        ADD(psi, "node", STR(a->psi_node_mode ? a->psi_node_mode : "none"));
        ADD(psi, "kubepods", STR(a->psi_kubepods_mode ? a->psi_kubepods_mode : "none"));
        ADD(o, "psi_wakeup", psi);
        ADD(o, "in_episode", json_object_new_boolean(a->st.in_episode));
        ADD(o, "node", jsonval_node(&a->cfg, &a->snap));
        ADD(o, "pods", json_object_new_uint64(a->snap.n_pods));
        ADD(o, "records", json_object_new_uint64(a->recs.n));
        ADD(o, "counters", report_counters(&a->cnt));
        struct json_object *acting = json_object_new_array();
        for (size_t i = 0; i < a->st.n_pods; i++)
                if (a->st.pods[i].step != MQ_STEP_NONE)
                        json_object_array_add(acting, report_pod_state(&a->st.pods[i]));
        ADD(o, "acting_on", acting);
        ADD(o, "recent", report_recent(a, NULL));
        ADD(o, "kernel_oom_kills", oom_counts(&a->stats));
        ADD(o, "last_kernel_oom_kill", oom_note(a, NULL));
        return o;
}

static struct json_object *explain_pod(const struct agent *a, size_t idx, size_t rank) {
        struct mq_pod_protection *pp = calloc(a->snap.n_pods, sizeof(*pp));
        if (!pp)
                return NULL;
        struct mq_protected total;
        mq_protection_compute(&a->snap, pp, &total);
        struct json_object *o = report_pod(&a->cfg, &a->snap.pods[idx], &pp[idx], rank);
        free(pp);
        return o;
}

struct json_object *report_explain(const struct agent *a, const char *key, struct mq_error *err) {
        char uid[MQ_POD_UID_MAX] = "";
        const struct mq_record *byid = records_find(&a->recs, key);
        if (byid && records_pod_uid(byid, uid) < 0)
                uid[0] = '\0';
        if (!uid[0])
                (void)snprintf(uid, sizeof(uid), "%s", key);

        size_t idx = SIZE_MAX, rank = 0;
        size_t *order = calloc(a->snap.n_pods + 1, sizeof(*order));
        if (!order) {
                (void)mq_error_set(err, ENOMEM, "out of memory");
                return NULL;
        }
        if (a->snap.n_pods)
                mq_rank_pods(&a->snap, order);
        for (size_t i = 0; i < a->snap.n_pods; i++)
                if (streq(a->snap.pods[order[i]].uid, uid)) {
                        idx = order[i];
                        rank = i + 1;
                }
        free(order);
        if (idx == SIZE_MAX && !byid) {
                (void)mq_error_set(err, ENOENT,
                                   "no pod UID or container id \"%s\" in the last scan (%zu pods) "
                                   "or the records (%zu)",
                                   key, a->snap.n_pods, a->recs.n);
                return NULL;
        }
        struct json_object *o = json_object_new_object();
        ADD(o, "key", STR(key));
        ADD(o, "pod_uid", STR(uid));
        ADD(o, "pod", idx == SIZE_MAX ? NULL : explain_pod(a, idx, rank));
        ADD(o, "pods_ranked", json_object_new_uint64(a->snap.n_pods));
        struct json_object *st = NULL;
        for (size_t i = 0; i < a->st.n_pods; i++)
                if (streq(a->st.pods[i].uid, uid))
                        st = report_pod_state(&a->st.pods[i]);
        ADD(o, "state", st);
        struct json_object *ctrs = json_object_new_array();
        for (size_t i = 0; i < a->recs.n; i++) {
                const struct mq_record *r = &a->recs.v[i];
                char ruid[MQ_POD_UID_MAX];
                if (records_pod_uid(r, ruid) < 0 || !streq(ruid, uid))
                        continue;
                struct json_object *x = json_object_new_object(), *ap = json_object_new_object();
                ADD(x, "id", STR(r->id ? r->id : ""));
                ADD(x, "container", STR(r->container ? r->container : ""));
                ADD(x, "cgroup", STR(r->cgroup ? r->cgroup : ""));
                ADD(x, "priority", STR(mq_priority_name(r->priority)));
                for (size_t j = 0; j < r->n_applied; j++)
                        ADD(ap, r->applied[j].key, STR(r->applied[j].value));
                ADD(x, "applied", ap);
                json_object_array_add(ctrs, x);
        }
        ADD(o, "containers", ctrs);
        ADD(o, "recent", report_recent(a, uid));
        ADD(o, "kernel_oom_kill", oom_note(a, uid));
        return o;
}
