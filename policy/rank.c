/* SPDX-License-Identifier: MIT */
/* Which pod the agent acts on first, and which it never touches. */
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "util.h"

bool mq_pod_protected(const struct mq_config *cfg, const struct mq_pod *pod) {
        if (cfg->protected_priority < _MQ_PRIO_MAX && pod->priority >= cfg->protected_priority)
                return true;
        return cfg->protect_guaranteed && pod->qos == MQ_QOS_GUARANTEED;
}

const struct mq_pod *mq_snapshot_find_pod(const struct mq_snapshot *snap, const char *uid) {
        for (size_t i = 0; i < snap->n_pods; i++)
                if (streq(snap->pods[i].uid, uid))
                        return &snap->pods[i];
        return NULL;
}

bool mq_pod_eligible(const struct mq_config *cfg, const struct mq_pod *pod, enum mq_step step) {
        return !mq_pod_protected(cfg, pod) && step != MQ_STEP_KILL &&
               pod->current >= MQ_POD_FLOOR_BYTES;
}

bool mq_pod_candidate(const struct mq_config *cfg, const struct mq_pod *pod, enum mq_step step) {
        return mq_pod_eligible(cfg, pod, step) && (cfg->kill_enabled || step < MQ_STEP_THROTTLE);
}

bool mq_pod_killable(const struct mq_pod *pod) {
        return pod->anon >= MQ_POD_FLOOR_BYTES;
}

/* Usage the kernel does not protect: above memory.min and memory.low
 * (cgroup-v2.rst: reclaim leaves a cgroup's memory below its effective low
 * alone while unprotected memory is available). */
uint64_t mq_pod_excess(const struct mq_pod *p) {
        uint64_t prot = p->min > p->low ? p->min : p->low;
        return p->current > prot ? p->current - prot : 0;
}

static int cmp_u64_desc(uint64_t a, uint64_t b) {
        return a > b ? -1 : a < b ? 1 : 0;
}

/* The ranking's first keys: priority, then QoS class, both ascending. */
static int group_order(int prio_x, int qos_x, int prio_y, int qos_y) {
        if (prio_x != prio_y)
                return prio_x < prio_y ? -1 : 1;
        if (qos_x != qos_y)
                return qos_x < qos_y ? -1 : 1;
        return 0;
}

int mq_rank_group_cmp(const struct mq_pod *x, const struct mq_pod *y) {
        return group_order((int)x->priority, (int)x->qos, (int)y->priority, (int)y->qos);
}

/* Lowest first. Priority and QoS class ascend: the least important pod
 * comes first (MQ_QOS_UNKNOWN sorts before BestEffort: nothing says it is
 * Guaranteed). Within a class the pod furthest over its protection comes
 * first, as the kubelet's eviction ranks by usage above requests; then the
 * larger pod, which frees more; then the UID, so ties are reproducible. */
int mq_pod_rank_cmp(const struct mq_pod *x, const struct mq_pod *y) {
        int r = mq_rank_group_cmp(x, y);
        if (r == 0)
                r = cmp_u64_desc(mq_pod_excess(x), mq_pod_excess(y));
        if (r == 0)
                r = cmp_u64_desc(x->current, y->current);
        if (r == 0)
                r = strcmp(x->uid, y->uid);
        return r;
}

/* What the sort compares, packed: comparing 1 KiB pod structures directly
 * touched two distant cache lines per comparison, and most comparisons
 * between idle pods (same class, same usage) fell through to strcmp() of
 * the UIDs. The first 8 bytes of the UID, big-endian, order like the UID as
 * far as they go; strcmp() settles only what they do not. */
struct rank_key {
        uint64_t excess, current, uid8;
        const char *uid;
        size_t index;
        int priority, qos;
};

static int cmp_keys(const void *a, const void *b) {
        const struct rank_key *x = a, *y = b;
        int r = group_order(x->priority, x->qos, y->priority, y->qos);
        if (r == 0)
                r = cmp_u64_desc(x->excess, y->excess);
        if (r == 0)
                r = cmp_u64_desc(x->current, y->current);
        if (r == 0)
                r = x->uid8 < y->uid8 ? -1 : x->uid8 > y->uid8 ? 1 : 0;
        if (r == 0)
                r = strcmp(x->uid, y->uid);
        if (r == 0)
                r = x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
        return r;
}

static int cmp_pods(const void *a, const void *b, void *arg) {
        const struct mq_pod *pods = arg;
        size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
        int r = mq_pod_rank_cmp(&pods[ia], &pods[ib]);
        if (r == 0)
                r = ia < ib ? -1 : ia > ib ? 1 : 0;
        return r;
}

void mq_rank_pods(const struct mq_snapshot *snap, size_t *ret_order) {
        size_t n = snap->n_pods;
        struct rank_key *keys = n > 1 ? calloc(n, sizeof(*keys)) : NULL;
        if (!keys) {
                /* One pod, or no memory for the keys: sort the pods themselves. */
                for (size_t i = 0; i < n; i++)
                        ret_order[i] = i;
                if (n > 1)
                        qsort_r(ret_order, n, sizeof(*ret_order), cmp_pods, snap->pods);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const struct mq_pod *p = &snap->pods[i];
                keys[i] = (struct rank_key){.excess = mq_pod_excess(p),
                                            .current = p->current,
                                            .uid8 = str_prefix8(p->uid),
                                            .uid = p->uid,
                                            .index = i,
                                            .priority = (int)p->priority,
                                            .qos = (int)p->qos};
        }
        qsort(keys, n, sizeof(*keys), cmp_keys);
        for (size_t i = 0; i < n; i++)
                ret_order[i] = keys[i].index;
        free(keys);
}
