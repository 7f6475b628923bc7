/* SPDX-License-Identifier: MIT */
#include "usagebound.h"

#include <string.h>

int mq_usage_bound_of(struct mq_usage_bounds *u, const char *cgroup) {
        const char *slash = strrchr(cgroup, '/');
        size_t len = slash ? (size_t)(slash - cgroup) : 0;
        for (size_t i = 0; i < u->n; i++)
                if (strlen(u->v[i].path) == len && strncmp(u->v[i].path, cgroup, len) == 0)
                        return (int)i;
        if (u->n >= MQ_USAGE_BOUNDS_MAX || len == 0 || len >= sizeof(u->v[0].path))
                return -1;
        struct mq_usage_bound *b = &u->v[u->n];
        memcpy(b->path, cgroup, len);
        b->path[len] = '\0';
        b->left = 0;
        b->known = false;
        return (int)u->n++;
}

void mq_usage_bound_set(struct mq_usage_bounds *u, int k, uint64_t parent_current) {
        if (k < 0 || (size_t)k >= u->n)
                return;
        u->v[k].left = parent_current;
        u->v[k].known = true;
}

void mq_usage_bound_spend(struct mq_usage_bounds *u, int k, uint64_t current) {
        if (k < 0 || (size_t)k >= u->n)
                return;
        u->v[k].left = u->v[k].left > current ? u->v[k].left - current : 0;
}

bool mq_usage_bounded_out(const struct mq_usage_bounds *u, int k, struct mq_pod *p,
                          const struct mq_pod *best) {
        if (k < 0 || (size_t)k >= u->n || !u->v[k].known)
                return false;
        uint64_t left = u->v[k].left;
        if (left >= MQ_POD_FLOOR_BYTES &&
            !(best && mq_rank_group_cmp(best, p) == 0 && left < mq_pod_excess(best)))
                return false;
        if (p->current > left)
                p->current = left;
        return true;
}
