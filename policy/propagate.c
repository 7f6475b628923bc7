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
