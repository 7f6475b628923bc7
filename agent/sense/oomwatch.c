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
#include "core/jsonval.h"
#include "core/log.h"
#include "memstat.h"
#include "records.h"
#include "scan.h"

static void add_u64(struct json_object *o, const char *k, uint64_t v) {
        json_object_object_add(o, k, jsonval_u64(v));
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

/* memory.peak (5.19+): the highest usage the cgroup reached, the figure
 * closest to the moment of the kill; MQ_UNLIMITED when the kernel has none. */
static uint64_t peak_of(int fd) {
        uint64_t v;
        return cgroup_read_u64(fd, "memory.peak", &v) == 0 ? v : MQ_UNLIMITED;
}

/* The container a cgroup-scope kill names: the first one with kills and a
 * limit of its own. */
struct oom_culprit {
        bool found;
        char name[80];
        uint64_t peak, limit;
};

/* The containers whose own memory.events count OOM kills: a container
 * cgroup is new with each container, so any count there is its own. */
static struct json_object *oom_containers(const struct agent *a, const struct mq_pod *p,
                                          struct oom_culprit *culprit) {
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
                const char *name = container_name(a, c->id);
                uint64_t peak = peak_of(fd);
                struct json_object *x = json_object_new_object();
                json_object_object_add(x, "id", jsonval_text(c->id));
                json_object_object_add(x, "name", jsonval_text(name));
                json_object_object_add(x, "oom_kill", json_object_new_uint64(ev.oom_kill));
                json_object_object_add(x, "oom", json_object_new_uint64(ev.oom));
                /* A container's own limit: the pod's may be "max". */
                add_u64(x, "limit", c->max);
                add_u64(x, "peak", peak);
                add_u64(x, "current", c->current);
                json_object_array_add(arr, x);
                if (!culprit->found && ev.oom && c->max != MQ_UNLIMITED) {
                        *culprit =
                                (struct oom_culprit){.found = true, .peak = peak, .limit = c->max};
                        (void)snprintf(culprit->name, sizeof(culprit->name), "%s",
                                       *name ? name : c->id);
                }
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
/* The headroom from next: the agent's own last snapshot is being replaced
 * (and a refresh empties it while it runs). */
static struct json_object *memqos_part(const struct agent *a, const struct mq_snapshot *next,
                                       const char *uid) {
        struct json_object *o = json_object_new_object();
        const struct mq_pod_state *ps = state_of(a, uid);
        const struct agent_recent *last = last_action_on(a, uid);
        static const char *const steps[] = {"none", "reclaim", "throttle", "kill"};
        json_object_object_add(o, "acted", json_object_new_boolean(last != NULL));
        json_object_object_add(
                o, "step", jsonval_text(ps && (unsigned)ps->step < 4 ? steps[ps->step] : "none"));
        json_object_object_add(o, "throttled", json_object_new_boolean(ps && ps->throttled));
        if (last) {
                struct json_object *l = json_object_new_object();
                json_object_object_add(l, "time", jsonval_text(last->time));
                json_object_object_add(l, "action", jsonval_text(last->action));
                json_object_object_add(l, "value", jsonval_text(last->value));
                json_object_object_add(l, "result", jsonval_text(last->result));
                json_object_object_add(o, "last_action", l);
        }
        json_object_object_add(o, "in_episode", json_object_new_boolean(a->st.in_episode));
        struct mq_headroom hr;
        mq_headroom_of_snapshot(&a->cfg, next, &hr);
        jsonval_headroom_fields(o, &hr);
        return o;
}

static void mib_text(uint64_t v, char buf[static 24]) {
        if (v == MQ_UNLIMITED)
                (void)snprintf(buf, 24, "max");
        else
                (void)snprintf(buf, 24, "%" PRIu64 " MiB", v >> 20);
}

/* "pod peak 250 MiB", or the working set as last read on kernels without
 * memory.peak. */
static void usage_text(uint64_t peak, const struct mq_pod_figures *before, char buf[static 64]) {
        if (peak != MQ_UNLIMITED)
                (void)snprintf(buf, 64, "pod peak %" PRIu64 " MiB", peak >> 20);
        else
                (void)snprintf(buf, 64, "pod working set %" PRIu64 " MiB at the last read",
                               mq_pod_figures_working_set(before) >> 20);
}

static void reason_text(const struct mq_pod *pod, const struct mq_oom_kill *k,
                        const struct oom_culprit *c, uint64_t pod_peak, char *buf, size_t size) {
        char who[200], use[64], peak[24], lim[24];
        if (pod->name[0])
                (void)snprintf(who, sizeof(who), "pod %s/%s", pod->ns, pod->name);
        else
                (void)snprintf(who, sizeof(who), "pod %s", pod->uid);
        usage_text(pod_peak, &k->before, use);
        int n = snprintf(buf, size,
                         "the kernel OOM killer killed %" PRIu64 " task(s) in %s: ", k->kills, who);
        if (n < 0 || (size_t)n >= size)
                return;
        if (k->scope == MQ_OOM_CGROUP && c->found) {
                mib_text(c->peak, peak);
                mib_text(c->limit, lim);
                (void)snprintf(buf + n, size - (size_t)n,
                               "container %s reached its memory.max (peak %s of %s)", c->name,
                               c->peak == MQ_UNLIMITED ? "unknown" : peak, lim);
        } else if (k->scope == MQ_OOM_CGROUP) {
                mib_text(k->before.max, lim);
                (void)snprintf(buf + n, size - (size_t)n,
                               "a memory.max in the pod was reached (%s, pod limit %s)", use, lim);
        } else
                (void)snprintf(buf + n, size - (size_t)n,
                               "the node ran out of memory (%s, anon %" PRIu64
                               " MiB at the last read)",
                               use, k->before.anon >> 20);
}

/* The pod's memory.peak, read now (after the kill: the peak stays). */
static uint64_t pod_peak(const struct agent *a, const struct mq_pod *p) {
        _cleanup_close_ int fd = -1;
        if (cgroup_open_beneath(a->cg_fd, p->cgroup, &fd, NULL) < 0)
                return MQ_UNLIMITED;
        return peak_of(fd);
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
        struct oom_culprit culprit = {0};
        log_time_text(time);
        struct json_object *containers = oom_containers(a, now, &culprit);
        uint64_t peak = pod_peak(a, now);
        reason_text(now, k, &culprit, peak, reason, sizeof(reason));
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "time", jsonval_text(time));
        json_object_object_add(o, "event", jsonval_text("kernel-oom-kill"));
        json_object_object_add(o, "scope", jsonval_text(mq_oom_scope_name(k->scope)));
        json_object_object_add(o, "kills", json_object_new_uint64(k->kills));
        json_object_object_add(o, "pod_uid", jsonval_text(now->uid));
        json_object_object_add(o, "namespace", jsonval_text(now->ns));
        json_object_object_add(o, "pod", jsonval_text(now->name));
        json_object_object_add(o, "qos", jsonval_text(mq_qos_name(now->qos)));
        json_object_object_add(o, "priority", jsonval_text(mq_priority_name(now->priority)));
        json_object_object_add(o, "containers", containers);
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
        struct json_object *nw = figures(&fig);
        add_u64(nw, "peak", peak);
        json_object_object_add(o, "now", nw);
        json_object_object_add(o, "memqos", memqos_part(a, next, now->uid));
        json_object_object_add(o, "reason", jsonval_text(reason));
        log_json_line(o);
        keep_note(a, o);
        json_object_put(o);
        a->stats.oom_kills[k->scope] += k->kills;
}

/* Kills /proc/vmstat counted that no pod in the snapshot accounts for. */
static void explain_elsewhere(struct agent *a, const struct mq_snapshot *next, uint64_t n) {
        char time[32];
        log_time_text(time);
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "time", jsonval_text(time));
        json_object_object_add(o, "event", jsonval_text("kernel-oom-kill"));
        json_object_object_add(o, "scope", jsonval_text("node"));
        json_object_object_add(o, "kills", json_object_new_uint64(n));
        json_object_object_add(o, "memqos", memqos_part(a, next, ""));
        json_object_object_add(
                o, "reason",
                jsonval_text("the kernel OOM killer killed a task outside the pods "
                             "memqos sees (a system process, or a pod already gone)"));
        log_json_line(o);
        keep_note(a, o);
        json_object_put(o);
        a->stats.oom_kills_elsewhere += n;
}

/* Every kubepods root's memory.events oom_kill, summed (one of the two
 * names exists, per cgroup driver). */
static uint64_t kubepods_oom_kills(const struct agent *a) {
        uint64_t sum = 0;
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++) {
                _cleanup_close_ int fd = -1;
                char buf[512];
                struct mq_memory_events ev;
                char path[64];
                (void)snprintf(path, sizeof(path), "/%s", scan_kubepods_roots[i]);
                if (cgroup_open_beneath(a->cg_fd, path, &fd, NULL) == 0 &&
                    cgroup_read_file(fd, "memory.events", buf, sizeof(buf)) >= 0 &&
                    parse_memory_events_buf(buf, &ev) == 0)
                        sum += ev.oom_kill;
        }
        return sum;
}

/* The baseline's figures are the "before" of the next kill: kept within a
 * second of the pods' last reads, without a walk over every pod on each of
 * the ~10 cycles a second a busy node can have. */
#define BASELINE_EVERY_MS 1000

static void take_baseline(struct agent *a, const struct mq_snapshot *next, bool force) {
        struct agent_stats *s = &a->stats;
        if (force || next->now_ms >= s->oom_base.taken_ms + BASELINE_EVERY_MS)
                (void)mq_oom_baseline_take(next, &s->oom_base); /* ENOMEM: the old one stays */
}

void oomwatch_check(struct agent *a, const struct mq_snapshot *next, bool full) {
        struct agent_stats *s = &a->stats;
        uint64_t vm = 0, kp = kubepods_oom_kills(a);
        bool have_vm = scan_vmstat_oom_kill(a, &vm) == 0;
        /* The first snapshot is the baseline: kills before the agent
         * started are history, not news. */
        if (!s->oom_baseline) {
                if (mq_oom_baseline_take(next, &s->oom_base) < 0)
                        return;
                s->oom_baseline = true;
                s->oom_gate.accounted = kp;
                s->have_vmstat = have_vm;
                s->vmstat_oom_kill = vm;
                return;
        }
        struct mq_oom_kills kills = {0};
        bool search = mq_oom_gate_open(&s->oom_gate, kp);
        if (search && mq_oom_kills_find(&s->oom_base, next, &kills) < 0)
                return;
        for (size_t i = 0; i < kills.n; i++)
                explain_one(a, next, &kills.v[i]);
        if (search)
                mq_oom_gate_searched(&s->oom_gate, kp, mq_oom_kills_total(&kills), next->now_ms);
        if (have_vm && s->have_vmstat) {
                uint64_t node = vm > s->vmstat_oom_kill ? vm - s->vmstat_oom_kill : 0;
                uint64_t rest = mq_oom_balance_step(&s->oom_balance, node,
                                                    mq_oom_kills_total(&kills), next->now_ms);
                if (rest)
                        explain_elsewhere(a, next, rest);
        }
        if (have_vm) {
                s->have_vmstat = true;
                s->vmstat_oom_kill = vm;
        }
        mq_oom_kills_done(&kills);
        take_baseline(a, next, full || search);
}
