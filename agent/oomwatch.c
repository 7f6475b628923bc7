/* SPDX-License-Identifier: MIT */
/* Kernel OOM kills explained: when a pod's memory.events oom_kill rises
 * (its inotify event wakes the loop) or /proc/vmstat oom_kill does, one
 * JSON line says which pod and container, whether the pod hit its own limit
 * or the node ran out, the pod's figures as last read before the kill, and
 * what memqos was doing then. */
#include "oomwatch.h"

#include <inttypes.h>
#include <json-c/json.h>

#include "cgfs.h"
#include "log.h"
#include "memstat.h"
#include "records.h"
#include "report.h"
#include "scan.h"

static void add_u64(struct json_object *o, const char *k, uint64_t v) {
        json_object_object_add(o, k, report_u64(v));
}

/* The pod's figures at one read. */
static struct json_object *figures(const struct mq_pod_figures *p) {
        struct json_object *o = json_object_new_object();
        add_u64(o, "working_set", mq_pod_figures_working_set(p));
        add_u64(o, "current", p->current);
        add_u64(o, "anon", p->anon);
        add_u64(o, "file", p->file);
        add_u64(o, "shmem", p->shmem);
        add_u64(o, "limit", p->max);
        add_u64(o, "high", p->high);
        add_u64(o, "min", p->min);
        add_u64(o, "low", p->low);
        return o;
}

static const char *container_name(const struct agent *a, const char *id) {
        const struct mq_record *rec = records_find(&a->recs, id);
        return rec && rec->id && streq(rec->id, id) && rec->container ? rec->container : "";
}

/* The containers whose own memory.events count OOM kills: a container
 * cgroup is new with each container, so any count there is its own. */
static struct json_object *oom_containers(const struct agent *a, const struct mq_pod *p) {
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; i < p->n_containers; i++) {
                const struct mq_container *c = &p->containers[i];
                _cleanup_close_ int fd = -1;
                char buf[512];
                struct mq_memory_events ev;
                if (cgroup_open_beneath(a->cg_fd, c->cgroup, &fd, NULL) < 0 ||
                    cgroup_read_file(fd, "memory.events", buf, sizeof(buf)) < 0 ||
                    parse_memory_events_buf(buf, &ev) < 0 || ev.oom_kill == 0)
                        continue;
                struct json_object *x = json_object_new_object();
                json_object_object_add(x, "id", json_object_new_string(c->id));
                json_object_object_add(x, "name", json_object_new_string(container_name(a, c->id)));
                json_object_object_add(x, "oom_kill", json_object_new_uint64(ev.oom_kill));
                json_object_object_add(x, "oom", json_object_new_uint64(ev.oom));
                json_object_array_add(arr, x);
        }
        return arr;
}

static const struct mq_pod_state *state_of(const struct agent *a, const char *uid) {
        for (size_t i = 0; i < a->st.n_pods; i++)
                if (streq(a->st.pods[i].uid, uid))
                        return &a->st.pods[i];
        return NULL;
}

static const struct agent_recent *last_action_on(const struct agent *a, const char *uid) {
        size_t kept = a->n_recent < AGENT_RECENT_MAX ? a->n_recent : AGENT_RECENT_MAX;
        for (size_t k = 1; k <= kept; k++) {
                const struct agent_recent *r = &a->recent[(a->n_recent - k) % AGENT_RECENT_MAX];
                if (streq(r->pod_uid, uid) && !streq(r->action, "note"))
                        return r;
        }
        return NULL;
}

/* What memqos had done to the pod, and where the node stood. */
static struct json_object *memqos_part(const struct agent *a, const char *uid) {
        struct json_object *o = json_object_new_object();
        const struct mq_pod_state *ps = state_of(a, uid);
        const struct agent_recent *last = last_action_on(a, uid);
        static const char *const steps[] = {"none", "reclaim", "throttle", "kill"};
        json_object_object_add(o, "acted", json_object_new_boolean(last != NULL));
        json_object_object_add(
                o, "step",
                json_object_new_string(ps && (unsigned)ps->step < 4 ? steps[ps->step] : "none"));
        json_object_object_add(o, "throttled", json_object_new_boolean(ps && ps->throttled));
        if (last) {
                struct json_object *l = json_object_new_object();
                json_object_object_add(l, "time", json_object_new_string(last->time));
                json_object_object_add(l, "action", json_object_new_string(last->action));
                json_object_object_add(l, "value", json_object_new_string(last->value));
                json_object_object_add(l, "result", json_object_new_string(last->result));
                json_object_object_add(o, "last_action", l);
        }
        json_object_object_add(o, "in_episode", json_object_new_boolean(a->st.in_episode));
        struct mq_headroom hr;
        agent_headroom(a, &hr);
        report_headroom_fields(o, &hr);
        return o;
}

static void reason_text(const struct mq_pod *pod, const struct mq_oom_kill *k, char *buf,
                        size_t size) {
        char who[200];
        const struct mq_pod_figures *before = &k->before;
        if (pod->name[0])
                (void)snprintf(who, sizeof(who), "pod %s/%s", pod->ns, pod->name);
        else
                (void)snprintf(who, sizeof(who), "pod %s", pod->uid);
        uint64_t ws = mq_pod_figures_working_set(before) >> 20;
        if (k->scope == MQ_OOM_CGROUP) {
                char lim[24] = "max";
                if (before->max != MQ_UNLIMITED)
                        (void)snprintf(lim, sizeof(lim), "%" PRIu64 " MiB", before->max >> 20);
                (void)snprintf(buf, size,
                               "the kernel OOM killer killed %" PRIu64
                               " task(s) in %s: a memory.max in the pod was reached (pod "
                               "working set %" PRIu64 " MiB, pod limit %s)",
                               k->kills, who, ws, lim);
        } else
                (void)snprintf(buf, size,
                               "the kernel OOM killer killed %" PRIu64
                               " task(s) in %s: the node ran out of memory (pod working set "
                               "%" PRIu64 " MiB, anon %" PRIu64 " MiB)",
                               k->kills, who, ws, before->anon >> 20);
}

/* For `status` and `explain`: the line as it was logged. */
static void keep_note(struct agent *a, struct json_object *o) {
        char *text = strdup(json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        if (text)
                stats_add_oom_note(&a->stats, text);
}

static void explain_one(struct agent *a, const struct mq_snapshot *next,
                        const struct mq_oom_kill *k) {
        const struct mq_pod *now = &next->pods[k->pod];
        char time[32], reason[512];
        log_time_text(time);
        reason_text(now, k, reason, sizeof(reason));
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "time", json_object_new_string(time));
        json_object_object_add(o, "event", json_object_new_string("kernel-oom-kill"));
        json_object_object_add(o, "scope", json_object_new_string(mq_oom_scope_name(k->scope)));
        json_object_object_add(o, "kills", json_object_new_uint64(k->kills));
        json_object_object_add(o, "pod_uid", json_object_new_string(now->uid));
        json_object_object_add(o, "namespace", json_object_new_string(now->ns));
        json_object_object_add(o, "pod", json_object_new_string(now->name));
        json_object_object_add(o, "qos", json_object_new_string(mq_qos_name(now->qos)));
        json_object_object_add(o, "priority",
                               json_object_new_string(mq_priority_name(now->priority)));
        json_object_object_add(o, "containers", oom_containers(a, now));
        /* The figures before the kill freed memory: the last check's, when
         * the pod was known then. */
        struct json_object *b = figures(&k->before);
        const struct mq_oom_baseline *base = &a->stats.oom_base;
        json_object_object_add(b, "age_ms",
                               json_object_new_uint64(k->known && next->now_ms > base->taken_ms
                                                              ? next->now_ms - base->taken_ms
                                                              : 0));
        json_object_object_add(o, "before", b);
        struct mq_pod_figures fig;
        mq_pod_figures_of(now, &fig);
        json_object_object_add(o, "now", figures(&fig));
        json_object_object_add(o, "memqos", memqos_part(a, now->uid));
        json_object_object_add(o, "reason", json_object_new_string(reason));
        if (!a->quiet)
                log_json_line(o);
        keep_note(a, o);
        json_object_put(o);
        a->stats.oom_kills[k->scope] += k->kills;
}

/* Kills /proc/vmstat counted that no pod in the snapshot accounts for. */
static void explain_elsewhere(struct agent *a, uint64_t n) {
        char time[32];
        log_time_text(time);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "time", json_object_new_string(time));
        json_object_object_add(o, "event", json_object_new_string("kernel-oom-kill"));
        json_object_object_add(o, "scope", json_object_new_string("node"));
        json_object_object_add(o, "kills", json_object_new_uint64(n));
        json_object_object_add(o, "memqos", memqos_part(a, ""));
        json_object_object_add(
                o, "reason",
                json_object_new_string("the kernel OOM killer killed a task outside the pods "
                                       "memqos sees (a system process, or a pod already gone)"));
        if (!a->quiet)
                log_json_line(o);
        keep_note(a, o);
        json_object_put(o);
        a->stats.oom_kills_elsewhere += n;
}

void oomwatch_check(struct agent *a, const struct mq_snapshot *next) {
        uint64_t vm = 0;
        bool have_vm = scan_vmstat_oom_kill(a, &vm) == 0;
        /* The first snapshot is the baseline: kills before the agent
         * started are history, not news. */
        if (!a->stats.oom_baseline) {
                if (mq_oom_baseline_take(next, &a->stats.oom_base) < 0)
                        return;
                a->stats.oom_baseline = true;
                a->stats.have_vmstat = have_vm;
                a->stats.vmstat_oom_kill = vm;
                return;
        }
        struct mq_oom_kills kills = {0};
        if (mq_oom_kills_find(&a->stats.oom_base, next, &kills) < 0)
                return;
        for (size_t i = 0; i < kills.n; i++)
                explain_one(a, next, &kills.v[i]);
        if (have_vm && a->stats.have_vmstat) {
                uint64_t node = vm > a->stats.vmstat_oom_kill ? vm - a->stats.vmstat_oom_kill : 0;
                uint64_t rest = mq_oom_balance_step(&a->stats.oom_balance, node,
                                                    mq_oom_kills_total(&kills));
                if (rest)
                        explain_elsewhere(a, rest);
        }
        if (have_vm) {
                a->stats.have_vmstat = true;
                a->stats.vmstat_oom_kill = vm;
        }
        mq_oom_kills_done(&kills);
        /* On ENOMEM the old baseline stays: a kill is then reported late,
         * never twice. */
        (void)mq_oom_baseline_take(next, &a->stats.oom_base);
}
