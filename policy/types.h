/* SPDX-License-Identifier: MIT */
/* Vocabulary shared by the hook and the agent: QoS classes, priority tiers. */
#pragma once

#include <stdint.h>

#define MQ_UNLIMITED UINT64_MAX /* "max" in a cgroup memory file */

/* Kubernetes QoS class, as seen from the cgroup path the kubelet chose. */
enum mq_qos {
        MQ_QOS_UNKNOWN = 0, /* not under a kubepods tree */
        MQ_QOS_BESTEFFORT,
        MQ_QOS_BURSTABLE,
        MQ_QOS_GUARANTEED,
};

/* Priority tiers of the `memqos.io/priority` annotation, lowest first. The
 * agent acts on the lowest tier first and never on pods at or above its
 * configured protected tier. */
enum mq_priority {
        MQ_PRIO_BATCH = 0,
        MQ_PRIO_LOW,
        MQ_PRIO_NORMAL, /* default when no annotation */
        MQ_PRIO_HIGH,
        MQ_PRIO_CRITICAL,
        _MQ_PRIO_MAX,
};

const char *mq_qos_name(enum mq_qos qos);              /* "besteffort", ... */
int mq_qos_from_name(const char *s, enum mq_qos *ret); /* -EINVAL when unknown */
const char *mq_priority_name(enum mq_priority p);      /* "batch", ... */
int mq_priority_from_name(const char *s, enum mq_priority *ret);
