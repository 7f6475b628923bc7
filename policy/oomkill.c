/* SPDX-License-Identifier: MIT */
#include "oomkill.h"

#include <stdio.h>

#include "util.h"

const char *mq_oom_scope_name(enum mq_oom_scope s) {
        return s == MQ_OOM_CGROUP ? "cgroup" : "node";
}

void mq_oom_kills_done(struct mq_oom_kills *k) {
        free(k->v);
        *k = (struct mq_oom_kills){0};
}

void mq_pod_figures_of(const struct mq_pod *p, struct mq_pod_figures *ret) {
        *ret = (struct mq_pod_figures){
                .current = p->current,
                .anon = p->anon,
                .file = p->file,
                .shmem = p->shmem,
                .inactive_file = p->inactive_file,
                .min = p->min,
                .low = p->low,
                .high = p->high,
                .max = p->max,
        };
}

uint64_t mq_pod_figures_working_set(const struct mq_pod_figures *f) {
        return f->current > f->inactive_file ? f->current - f->inactive_file : 0;
}

int mq_oom_baseline_take(const struct mq_snapshot *snap, struct mq_oom_baseline *b) {
        if (snap->n_pods > b->cap) {
                struct mq_oom_seen *v = reallocarray(b->v, snap->n_pods, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                b->v = v;
                b->cap = snap->n_pods;
        }
        for (size_t i = 0; i < snap->n_pods; i++) {
                const struct mq_pod *p = &snap->pods[i];
                struct mq_oom_seen *e = &b->v[i];
                memcpy(e->uid, p->uid, sizeof(e->uid));
                e->oom = p->events.oom;
                e->oom_kill = p->events.oom_kill;
                mq_pod_figures_of(p, &e->fig);
        }
        b->n = snap->n_pods;
        b->taken_ms = snap->now_ms;
        return 0;
}

void mq_oom_baseline_done(struct mq_oom_baseline *b) {
        free(b->v);
        *b = (struct mq_oom_baseline){0};
}

/* The baseline is in the snapshot's order, which a refresh keeps: the same
 * index is tried first, then a search (a pod came or went). Only pods with
 * OOM kills are looked up. */
static const struct mq_oom_seen *seen_of(const struct mq_oom_baseline *b, size_t i,
                                         const char *uid) {
        if (i < b->n && streq(b->v[i].uid, uid))
                return &b->v[i];
        for (size_t j = 0; j < b->n; j++)
                if (streq(b->v[j].uid, uid))
                        return &b->v[j];
        return NULL;
}

int mq_oom_kills_find(const struct mq_oom_baseline *prev, const struct mq_snapshot *next,
                      struct mq_oom_kills *ret) {
        struct mq_oom_kills k = {0};
        for (size_t i = 0; i < next->n_pods; i++) {
                const struct mq_memory_events *now = &next->pods[i].events;
                if (now->oom_kill == 0)
                        continue;
                const struct mq_oom_seen *was = seen_of(prev, i, next->pods[i].uid);
                uint64_t before = was ? was->oom_kill : 0;
                /* A counter that went down belongs to a new cgroup of the
                 * same name (a pod recreated with its UID): count from 0. */
                uint64_t kills = now->oom_kill >= before ? now->oom_kill - before : now->oom_kill;
                if (kills == 0)
                        continue;
                /* "oom" rises only when a limit in the pod was reached; a
                 * global OOM kill leaves it as it was. */
                bool local = now->oom > (was && now->oom >= was->oom ? was->oom : 0);
                if (grow_array((void **)&k.v, &k.cap, k.n, sizeof(*k.v), 4) < 0) {
                        free(k.v);
                        return -ENOMEM;
                }
                struct mq_oom_kill x = {
                        .pod = i,
                        .known = was != NULL,
                        .kills = kills,
                        .scope = local ? MQ_OOM_CGROUP : MQ_OOM_NODE,
                };
                if (was)
                        x.before = was->fig;
                else
                        mq_pod_figures_of(&next->pods[i], &x.before);
                k.v[k.n++] = x;
        }
        mq_oom_kills_done(ret);
        *ret = k;
        return 0;
}

uint64_t mq_oom_kills_total(const struct mq_oom_kills *k) {
        uint64_t n = 0;
        for (size_t i = 0; i < k->n; i++)
                n += k->v[i].kills;
        return n;
}

uint64_t mq_oom_balance_step(struct mq_oom_balance *b, uint64_t node_kills, uint64_t pod_kills,
                             uint64_t now_ms) {
        /* Counts per check are small; clamp rather than overflow. */
        int64_t node = node_kills > INT32_MAX ? INT32_MAX : (int64_t)node_kills;
        int64_t pods = pod_kills > INT32_MAX ? INT32_MAX : (int64_t)pod_kills;
        b->balance += node - pods;
        if (b->balance <= 0) {
                b->since_ms = 0;
                return 0;
        }
        if (!b->since_ms)
                b->since_ms = now_ms ? now_ms : 1;
        if (now_ms < b->since_ms + MQ_OOM_PATIENCE_MS)
                return 0; /* its pod may still show */
        uint64_t out = (uint64_t)b->balance;
        b->balance = 0;
        b->since_ms = 0;
        return out;
}

bool mq_oom_gate_open(const struct mq_oom_gate *g, uint64_t kubepods_kills) {
        return kubepods_kills != g->accounted;
}

void mq_oom_gate_searched(struct mq_oom_gate *g, uint64_t kubepods_kills, uint64_t found,
                          uint64_t now_ms) {
        g->accounted += found;
        if (g->accounted >= kubepods_kills) {
                g->accounted = kubepods_kills;
                g->since_ms = 0;
                return;
        }
        if (!g->since_ms)
                g->since_ms = now_ms ? now_ms : 1;
        else if (now_ms >= g->since_ms + MQ_OOM_PATIENCE_MS) {
                g->accounted = kubepods_kills;
                g->since_ms = 0;
        }
}

int parse_vmstat_oom_kill_buf(const char *buf, uint64_t *ret) {
        for (const char *line = buf; line && *line;) {
                const char *nl = strchr(line, '\n');
                if (startswith(line, "oom_kill ")) {
                        const char *p = line + strlen("oom_kill ");
                        uint64_t v = 0;
                        if (*p < '0' || *p > '9')
                                return -EINVAL;
                        for (; *p >= '0' && *p <= '9'; p++) {
                                if (v > (UINT64_MAX - 9) / 10)
                                        return -EINVAL;
                                v = v * 10 + (uint64_t)(*p - '0');
                        }
                        if (*p && *p != '\n')
                                return -EINVAL;
                        *ret = v;
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}
