/* SPDX-License-Identifier: MIT */
#include "types.h"

#include "util.h"

static const char *const qos_names[] = {
        [MQ_QOS_UNKNOWN] = "unknown",
        [MQ_QOS_BESTEFFORT] = "besteffort",
        [MQ_QOS_BURSTABLE] = "burstable",
        [MQ_QOS_GUARANTEED] = "guaranteed",
};

static const char *const priority_names[] = {
        [MQ_PRIO_BATCH] = "batch", [MQ_PRIO_LOW] = "low",           [MQ_PRIO_NORMAL] = "normal",
        [MQ_PRIO_HIGH] = "high",   [MQ_PRIO_CRITICAL] = "critical",
};

const char *mq_qos_name(enum mq_qos qos) {
        if ((unsigned)qos >= ELEMENTSOF(qos_names))
                return "unknown";
        return qos_names[qos];
}

int mq_qos_from_name(const char *s, enum mq_qos *ret) {
        for (unsigned i = 0; i < ELEMENTSOF(qos_names); i++)
                if (streq(s, qos_names[i])) {
                        *ret = (enum mq_qos)i;
                        return 0;
                }
        return -EINVAL;
}

const char *mq_priority_name(enum mq_priority p) {
        if ((unsigned)p >= ELEMENTSOF(priority_names))
                return "invalid";
        return priority_names[p];
}

int mq_priority_from_name(const char *s, enum mq_priority *ret) {
        for (unsigned i = 0; i < ELEMENTSOF(priority_names); i++)
                if (streq(s, priority_names[i])) {
                        *ret = (enum mq_priority)i;
                        return 0;
                }
        return -EINVAL;
}
