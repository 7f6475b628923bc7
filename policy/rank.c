/* SPDX-License-Identifier: MIT */
/* Which pod the agent acts on first, and which it never touches. */
#include <stdlib.h>

#include "decide.h"
#include "util.h"

bool mq_pod_protected(const struct mq_config *cfg, const struct mq_pod *pod) {
        if (cfg->protected_priority < _MQ_PRIO_MAX && pod->priority >= cfg->protected_priority)
                return true;
        return cfg->protect_guaranteed && pod->qos == MQ_QOS_GUARANTEED;
}

/* Usage the kernel does not protect: above memory.min and memory.low
 * (cgroup-v2.rst: reclaim leaves a cgroup's memory below its effective low
 * alone while unprotected memory is available). */
static uint64_t excess(const struct mq_pod *p) {
        uint64_t prot = p->min > p->low ? p->min : p->low;
        return p->current > prot ? p->current - prot : 0;
}

static int cmp_u64_desc(uint64_t a, uint64_t b) {
        return a > b ? -1 : a < b ? 1 : 0;
}

/* Lowest first. Priority and QoS class ascend: the least important pod
 * comes first (MQ_QOS_UNKNOWN sorts before BestEffort: nothing says it is
 * Guaranteed). Within a class the pod furthest over its protection comes
 * first, as the kubelet's eviction ranks by usage above requests; then the
 * larger pod, which frees more; then the UID, so ties are reproducible. */
int mq_pod_rank_cmp(const struct mq_pod *x, const struct mq_pod *y) {
        if (x->priority != y->priority)
                return x->priority < y->priority ? -1 : 1;
        if (x->qos != y->qos)
                return x->qos < y->qos ? -1 : 1;
        int r = cmp_u64_desc(excess(x), excess(y));
        if (r == 0)
                r = cmp_u64_desc(x->current, y->current);
        if (r == 0)
                r = strcmp(x->uid, y->uid);
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
        for (size_t i = 0; i < snap->n_pods; i++)
                ret_order[i] = i;
        if (snap->n_pods > 1)
                qsort_r(ret_order, snap->n_pods, sizeof(*ret_order), cmp_pods, snap->pods);
}
