/* SPDX-License-Identifier: MIT */
/* Per-pod and per-container series, labelled so that a dashboard can name
 * the pod: namespace, pod, uid, qos, priority (and container). The figures
 * are the agent's last read of each pod: every pod at each full scan (at
 * least every 5 minutes), and the pods that matter to a decision whenever
 * one is made. Pods gone from the node drop out with the next snapshot. */
#include <inttypes.h>

#include "metrics-pods.h"
#include "metrics-text.h"

#define LABELS_MAX 512

static void pod_labels(const struct mq_pod *p, char buf[static LABELS_MAX]) {
        buf[0] = '\0';
        metrics_label(buf, LABELS_MAX, "namespace", p->ns);
        metrics_label(buf, LABELS_MAX, "pod", p->name);
        metrics_label(buf, LABELS_MAX, "uid", p->uid);
        metrics_label(buf, LABELS_MAX, "qos", mq_qos_name(p->qos));
        metrics_label(buf, LABELS_MAX, "priority", mq_priority_name(p->priority));
}

static uint64_t working_set(const struct mq_pod *p) {
        return p->current > p->inactive_file ? p->current - p->inactive_file : 0;
}

static int cmp_state_uid(const void *key, const void *elem) {
        return strcmp(key, ((const struct mq_pod_state *)elem)->uid);
}

/* The decision state is sorted by uid between decisions (decide.h). */
static bool throttled(const struct agent *a, const char *uid) {
        const struct mq_pod_state *ps = a->st.n_pods ? bsearch(uid, a->st.pods, a->st.n_pods,
                                                               sizeof(*a->st.pods), cmp_state_uid)
                                                     : NULL;
        return ps && ps->throttled;
}

/* One family: a sample per pod. */
enum pod_field {
        F_CURRENT,
        F_WORKING_SET,
        F_ANON,
        F_FILE,
        F_HIGH,
        F_MIN,
        F_LOW,
        F_MAX,
        F_THROTTLED,
        F_OOM_KILLS,
};

static const struct {
        const char *name, *type, *help;
} pod_families[] = {
        [F_CURRENT] = {"memqos_pod_memory_current_bytes", "gauge",
                       "The pod cgroup's memory.current."},
        [F_WORKING_SET] = {"memqos_pod_memory_working_set_bytes", "gauge",
                           "memory.current less inactive_file, as kubectl top computes it."},
        [F_ANON] = {"memqos_pod_memory_anon_bytes", "gauge",
                    "Anonymous memory (memory.stat anon)."},
        [F_FILE] = {"memqos_pod_memory_file_bytes", "gauge", "Page cache (memory.stat file)."},
        [F_HIGH] = {"memqos_pod_memory_high_bytes", "gauge",
                    "The pod cgroup's memory.high (+Inf: max)."},
        [F_MIN] = {"memqos_pod_memory_min_bytes", "gauge", "The pod cgroup's memory.min."},
        [F_LOW] = {"memqos_pod_memory_low_bytes", "gauge", "The pod cgroup's memory.low."},
        [F_MAX] = {"memqos_pod_memory_max_bytes", "gauge",
                   "The pod cgroup's memory.max (+Inf: max)."},
        [F_THROTTLED] = {"memqos_pod_throttled", "gauge",
                         "1 while memqos holds the pod's memory.high lowered."},
        [F_OOM_KILLS] = {"memqos_pod_oom_kills_total", "counter",
                         "Tasks the kernel OOM killer killed in the pod (its memory.events "
                         "oom_kill)."},
};

static void pod_sample(FILE *f, const struct agent *a, const struct mq_pod *p, enum pod_field k,
                       const char *l) {
        const char *n = pod_families[k].name;
        switch (k) {
        case F_CURRENT:
                return metrics_u64(f, n, l, p->current);
        case F_WORKING_SET:
                return metrics_u64(f, n, l, working_set(p));
        case F_ANON:
                return metrics_u64(f, n, l, p->anon);
        case F_FILE:
                return metrics_u64(f, n, l, p->file);
        case F_HIGH:
                return metrics_bytes(f, n, l, p->high);
        case F_MIN:
                return metrics_bytes(f, n, l, p->min);
        case F_LOW:
                return metrics_bytes(f, n, l, p->low);
        case F_MAX:
                return metrics_bytes(f, n, l, p->max);
        case F_THROTTLED:
                return metrics_u64(f, n, l, throttled(a, p->uid) ? 1 : 0);
        case F_OOM_KILLS:
                return metrics_u64(f, n, l, p->events.oom_kill);
        }
}

static void pod_actions(FILE *f, const struct agent *a) {
        static const char n[] = "memqos_pod_actions_total";
        metrics_family(f, n, "counter",
                       "Actions carried out on the pod (or logged in dry-run), by action, "
                       "reason and result.");
        for (size_t i = 0; i < a->stats.n_pod; i++) {
                const struct agent_pod_tally *t = &a->stats.pod[i];
                const struct mq_pod *p = mq_snapshot_find_pod(&a->snap, t->uid);
                if (!p)
                        continue;
                char l[LABELS_MAX];
                pod_labels(p, l);
                metrics_label(l, sizeof(l), "action",
                              mq_action_name((enum mq_action_kind)t->action));
                metrics_label(l, sizeof(l), "reason", mq_cause_name((enum mq_cause)t->cause));
                metrics_label(l, sizeof(l), "result",
                              agent_result_name((enum agent_result)t->result));
                metrics_u64(f, n, l, t->n);
        }
}

/* Container names by id, from the records, sorted for bsearch. */
struct names {
        size_t n;
        const struct mq_record **v;
};

static int cmp_rec_id(const void *x, const void *y) {
        return strcmp((*(const struct mq_record *const *)x)->id,
                      (*(const struct mq_record *const *)y)->id);
}

static int cmp_key_rec(const void *key, const void *elem) {
        return strcmp(key, (*(const struct mq_record *const *)elem)->id);
}

static void names_build(const struct agent *a, struct names *ret) {
        *ret = (struct names){0};
        ret->v = calloc(a->recs.n ? a->recs.n : 1, sizeof(const struct mq_record *));
        if (!ret->v)
                return; /* ids stand in for names */
        for (size_t i = 0; i < a->recs.n; i++)
                if (a->recs.v[i].id && a->recs.v[i].container)
                        ret->v[ret->n++] = &a->recs.v[i];
        qsort(ret->v, ret->n, sizeof(const struct mq_record *), cmp_rec_id);
}

static const char *name_of(const struct names *nm, const struct mq_container *c) {
        const struct mq_record *const *r =
                nm->n ? bsearch(c->id, nm->v, nm->n, sizeof(const struct mq_record *), cmp_key_rec)
                      : NULL;
        return r ? (*r)->container : c->id;
}

/* A container's name from its record, else its id: one series per
 * container cgroup, and a name seen twice in a pod (a restarted container
 * whose old cgroup is not yet removed) keeps the first. */
static const char *container_label(const struct names *nm, const struct mq_pod *p, size_t i) {
        const char *name = name_of(nm, &p->containers[i]);
        for (size_t j = 0; j < i; j++)
                if (streq(name_of(nm, &p->containers[j]), name))
                        return NULL;
        return name;
}

static void container_family(FILE *f, const struct agent *a, const struct names *nm, const char *n,
                             const char *help, int which) {
        metrics_family(f, n, "gauge", help);
        for (size_t i = 0; i < a->snap.n_pods; i++) {
                const struct mq_pod *p = &a->snap.pods[i];
                for (size_t j = 0; j < p->n_containers; j++) {
                        const char *name = container_label(nm, p, j);
                        if (!name)
                                continue;
                        char l[LABELS_MAX];
                        pod_labels(p, l);
                        metrics_label(l, sizeof(l), "container", name);
                        const struct mq_container *c = &p->containers[j];
                        metrics_bytes(f, n, l,
                                      which == 0   ? c->current
                                      : which == 1 ? c->high
                                                   : c->max);
                }
        }
}

void metrics_pods(FILE *f, const struct agent *a) {
        for (size_t k = 0; k < ELEMENTSOF(pod_families); k++) {
                metrics_family(f, pod_families[k].name, pod_families[k].type, pod_families[k].help);
                for (size_t i = 0; i < a->snap.n_pods; i++) {
                        char l[LABELS_MAX];
                        pod_labels(&a->snap.pods[i], l);
                        pod_sample(f, a, &a->snap.pods[i], (enum pod_field)k, l);
                }
        }
        pod_actions(f, a);
        struct names nm;
        names_build(a, &nm);
        container_family(f, a, &nm, "memqos_container_memory_current_bytes",
                         "The container cgroup's memory.current.", 0);
        container_family(f, a, &nm, "memqos_container_memory_high_bytes",
                         "The container cgroup's memory.high (+Inf: max).", 1);
        container_family(f, a, &nm, "memqos_container_memory_max_bytes",
                         "The container cgroup's memory.max (+Inf: max).", 2);
        free(nm.v);
}
