/* SPDX-License-Identifier: MIT */
/* The decision's vocabulary: the names of triggers, actions and causes,
 * and how the ladder, the kill and the livelock guard (decide-*.c) emit an
 * action with its reason. Shared by them and by mq_decide() (decide.c),
 * which calls them: nothing here calls back. */
#include <stdarg.h>
#include <stdlib.h>

#include "decide-int.h"

static const char *const trigger_names[] = {
        [MQ_TRIGGER_TIMER] = "timer",
        [MQ_TRIGGER_PSI_NODE] = "psi-node",
        [MQ_TRIGGER_PSI_KUBEPODS] = "psi-kubepods",
        [MQ_TRIGGER_EVENTS] = "events",
        [MQ_TRIGGER_WATERMARK] = "watermark",
        [MQ_TRIGGER_RECORD] = "record",
        [MQ_TRIGGER_ONCE] = "once",
};

static const char *const action_names[] = {
        [MQ_ACT_RECLAIM] = "reclaim",
        [MQ_ACT_SET_HIGH] = "set-high",
        [MQ_ACT_RELAX_HIGH] = "relax-high",
        [MQ_ACT_UNSTICK] = "unstick",
        [MQ_ACT_KILL] = "kill",
        [MQ_ACT_NOTE] = "note",
};

static const char *const cause_names[] = {
        [MQ_CAUSE_PSI] = "psi",
        [MQ_CAUSE_HEADROOM] = "headroom",
        [MQ_CAUSE_HEADROOM_CRITICAL] = "headroom-critical",
        [MQ_CAUSE_RELIEF] = "relief",
        [MQ_CAUSE_LIVELOCK] = "livelock",
};

const char *mq_cause_name(enum mq_cause c) {
        if ((unsigned)c >= ELEMENTSOF(cause_names))
                return "invalid";
        return cause_names[c];
}

static enum mq_cause cause_of(const struct decide_ctx *c, enum mq_action_kind kind) {
        if (kind == MQ_ACT_RELAX_HIGH)
                return MQ_CAUSE_RELIEF;
        if (kind == MQ_ACT_UNSTICK || c->livelock)
                return MQ_CAUSE_LIVELOCK;
        if (c->pr.critical)
                return MQ_CAUSE_HEADROOM_CRITICAL;
        /* PSI first when both: the stall is what the workload feels. */
        if (c->pr.watermark && !c->pr.psi_trigger && !c->pr.growth && !c->pr.avg10)
                return MQ_CAUSE_HEADROOM;
        return MQ_CAUSE_PSI;
}

const char *mq_trigger_name(enum mq_trigger t) {
        if ((unsigned)t >= ELEMENTSOF(trigger_names))
                return "invalid";
        return trigger_names[t];
}

int mq_trigger_urgency(enum mq_trigger t) {
        switch (t) {
        case MQ_TRIGGER_PSI_NODE:
                return 6;
        case MQ_TRIGGER_PSI_KUBEPODS:
                return 5;
        case MQ_TRIGGER_WATERMARK:
                return 4;
        case MQ_TRIGGER_EVENTS:
                return 3;
        case MQ_TRIGGER_RECORD:
                return 2;
        default:
                return 1;
        }
}

const char *mq_action_name(enum mq_action_kind k) {
        if ((unsigned)k >= ELEMENTSOF(action_names))
                return "invalid";
        return action_names[k];
}

void mq_actions_done(struct mq_actions *a) {
        free(a->v);
        *a = (struct mq_actions){0};
}

void mq_agent_state_done(struct mq_agent_state *s) {
        free(s->pods);
        *s = (struct mq_agent_state){0};
}

uint64_t decide_pct_of(uint64_t x, uint64_t pct) {
        return x / 100 * pct + x % 100 * pct / 100;
}

void decide_fmt_mib(uint64_t v, char buf[static 24]) {
        if (v == MQ_UNLIMITED)
                (void)snprintf(buf, 24, "max");
        else
                (void)snprintf(buf, 24, "%" PRIu64 " MiB", v / MIB);
}

void decide_pod_label(const struct mq_pod *pod, char *buf, size_t size) {
        const char *prio = mq_priority_name(pod->priority), *qos = mq_qos_name(pod->qos);
        if (pod->name[0])
                (void)snprintf(buf, size, "%s/%s pod %s/%s", prio, qos, pod->ns, pod->name);
        else
                (void)snprintf(buf, size, "%s/%s pod %s", prio, qos, pod->uid);
}

int decide_emit(struct decide_ctx *c, enum mq_action_kind kind, const struct mq_pod *pod,
                const char *cgroup, uint64_t value, const char *fmt, ...) {
        struct mq_action x = {.kind = kind, .cause = cause_of(c, kind), .value = value};
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(x.reason, sizeof(x.reason), fmt, ap);
        va_end(ap);
        if (pod)
                (void)snprintf(x.pod_uid, sizeof(x.pod_uid), "%s", pod->uid);
        (void)snprintf(x.cgroup, sizeof(x.cgroup), "%s", cgroup ? cgroup : "");

        struct mq_actions *a = &c->acts;
        if (grow_array((void **)&a->v, &a->cap, a->n, sizeof(x), 8) < 0)
                return -ENOMEM;
        a->v[a->n++] = x;
        return 0;
}
