/* SPDX-License-Identifier: MIT */
#include "protection.h"

#include <string.h>

static uint64_t sat_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
        return a < b ? a : b;
}

uint64_t mq_protection_share(uint64_t claim, uint64_t parent, uint64_t siblings) {
        if (siblings <= parent)
                return claim;
        /* claim <= siblings, so the result fits; the product may not. */
        return (uint64_t)((unsigned __int128)claim * parent / siblings);
}

uint64_t mq_protected_cache(uint64_t current, uint64_t file, uint64_t shmem, uint64_t effective) {
        uint64_t reclaimable = file > shmem ? file - shmem : 0;
        uint64_t over = current > effective ? current - effective : 0;
        return reclaimable > over ? reclaimable - over : 0;
}

static enum mq_ancestor parent_of(const struct mq_pod *p) {
        switch (p->qos) {
        case MQ_QOS_BURSTABLE:
                return MQ_ANC_BURSTABLE;
        case MQ_QOS_BESTEFFORT:
                return MQ_ANC_BESTEFFORT;
        default:
                return MQ_ANC_KUBEPODS; /* Guaranteed pods sit in kubepods itself */
        }
}

/* One kind of protection (memory.min or memory.low) down the tree. */
struct prot_tree {
        bool low;
        uint64_t eff[_MQ_ANC_MAX];  /* each ancestor's effective protection */
        uint64_t kids[_MQ_ANC_MAX]; /* what its children claim together */
};

static uint64_t pod_setting(const struct prot_tree *t, const struct mq_pod *p) {
        return t->low ? p->low : p->min;
}

static void tree_build(const struct mq_snapshot *s, bool low, struct prot_tree *ret) {
        struct prot_tree t = {.low = low};
        uint64_t usage[_MQ_ANC_MAX] = {0}, claim[_MQ_ANC_MAX] = {0};
        for (size_t i = 0; i < s->n_pods; i++) {
                const struct mq_pod *p = &s->pods[i];
                enum mq_ancestor a = parent_of(p);
                t.kids[a] = sat_add(t.kids[a], min_u64(p->current, pod_setting(&t, p)));
                usage[a] = sat_add(usage[a], p->current);
        }
        /* The QoS-class cgroups are children of kubepods; one whose files
         * were not read is taken to carry what its pods claim, as the
         * agent's propagation keeps it. */
        for (enum mq_ancestor a = MQ_ANC_BURSTABLE; a < _MQ_ANC_MAX; a++) {
                const struct mq_ancestor_prot *ap = &s->ancestors[a];
                uint64_t setting = ap->known ? (low ? ap->low : ap->min) : t.kids[a];
                claim[a] = min_u64(usage[a], setting);
                t.kids[MQ_ANC_KUBEPODS] = sat_add(t.kids[MQ_ANC_KUBEPODS], claim[a]);
        }
        /* kubepods is a child of the root cgroup: its setting holds as it is. */
        const struct mq_ancestor_prot *kp = &s->ancestors[MQ_ANC_KUBEPODS];
        t.eff[MQ_ANC_KUBEPODS] = kp->known ? (low ? kp->low : kp->min) : UINT64_MAX;
        for (enum mq_ancestor a = MQ_ANC_BURSTABLE; a < _MQ_ANC_MAX; a++)
                t.eff[a] = mq_protection_share(claim[a], t.eff[MQ_ANC_KUBEPODS],
                                               t.kids[MQ_ANC_KUBEPODS]);
        *ret = t;
}

static uint64_t pod_effective(const struct prot_tree *t, const struct mq_pod *p) {
        enum mq_ancestor a = parent_of(p);
        return mq_protection_share(min_u64(p->current, pod_setting(t, p)), t->eff[a], t->kids[a]);
}

void mq_protection_compute(const struct mq_snapshot *s, struct mq_pod_protection *ret_pods,
                           struct mq_protected *ret_total) {
        struct prot_tree tmin, tlow;
        tree_build(s, false, &tmin);
        tree_build(s, true, &tlow);
        struct mq_protected total = {0};
        for (size_t i = 0; i < s->n_pods; i++) {
                const struct mq_pod *p = &s->pods[i];
                struct mq_pod_protection pp = {.emin = pod_effective(&tmin, p),
                                               .elow = pod_effective(&tlow, p)};
                uint64_t both = pp.emin > pp.elow ? pp.emin : pp.elow;
                pp.cache.min = mq_protected_cache(p->current, p->file, p->shmem, pp.emin);
                pp.cache.low =
                        mq_protected_cache(p->current, p->file, p->shmem, both) - pp.cache.min;
                total.min = sat_add(total.min, pp.cache.min);
                total.low = sat_add(total.low, pp.cache.low);
                if (ret_pods)
                        ret_pods[i] = pp;
        }
        *ret_total = total;
}
