/* SPDX-License-Identifier: MIT */
#include "propagate.h"

static uint64_t sat_add(uint64_t a, uint64_t b) {
        if (a == MQ_UNLIMITED || b == MQ_UNLIMITED || a > MQ_UNLIMITED - 1 - b)
                return MQ_UNLIMITED;
        return a + b;
}

void mq_protection_add(struct mq_protection *sum, const struct mq_protection *child) {
        sum->min = sat_add(sum->min, child->min);
        sum->low = sat_add(sum->low, child->low);
}

bool mq_protection_need(const struct mq_protection *parent, const struct mq_protection *children,
                        struct mq_protection *ret) {
        struct mq_protection need = {
                .min = parent->min > children->min ? parent->min : children->min,
                .low = parent->low > children->low ? parent->low : children->low,
        };
        *ret = need;
        return need.min != parent->min || need.low != parent->low;
}

uint64_t mq_protection_cap(uint64_t mem_total, unsigned pct, uint64_t page_size) {
        uint64_t cap = (uint64_t)((unsigned __int128)mem_total * (pct > 100 ? 100 : pct) / 100);
        return page_size ? cap - cap % page_size : cap;
}

void mq_protection_bound(struct mq_protection *p, uint64_t cap) {
        if (p->min > cap)
                p->min = cap;
        if (p->low > cap)
                p->low = cap;
}

uint64_t mq_protection_scale(uint64_t v, uint64_t total, uint64_t cap, uint64_t page_size) {
        if (total <= cap || total == 0)
                return v;
        uint64_t s = (uint64_t)((unsigned __int128)(v > total ? total : v) * cap / total);
        return page_size ? s - s % page_size : s;
}
