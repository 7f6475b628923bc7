/* SPDX-License-Identifier: MIT */
#include "plan.h"

#include <inttypes.h>
#include <stdio.h>

#include "cgfs.h"

const enum mq_knob mq_plan_write_order[5] = {
        MQ_KNOB_SWAP_MAX,   MQ_KNOB_OOM_GROUP,  MQ_KNOB_MEMORY_HIGH,
        MQ_KNOB_MEMORY_LOW, MQ_KNOB_MEMORY_MIN,
};

static int resolve_bytes(const struct mq_spec *spec, enum mq_knob k, uint64_t memory_max,
                         uint64_t *ret, struct mq_error *err) {
        const struct mq_value *v = &spec->value[k];

        switch (v->kind) {
        case MQ_VALUE_MAX:
                *ret = MQ_UNLIMITED;
                return 0;
        case MQ_VALUE_BYTES:
                *ret = v->bytes;
                return 0;
        case MQ_VALUE_PERCENT:
                if (memory_max == MQ_UNLIMITED)
                        return mq_error_set(err, EINVAL,
                                            "annotation %s=\"%s\": a percentage needs a memory "
                                            "limit, but the container's memory.max is \"max\"",
                                            spec->key[k], spec->raw[k]);
                *ret = (uint64_t)((unsigned __int128)memory_max * v->percent_milli / 100000);
                return 0;
        default:
                return -EINVAL;
        }
}

static void describe(const struct mq_spec *spec, enum mq_knob k, uint64_t bytes, char *buf,
                     size_t size) {
        char num[24];
        cgroup_format_u64(bytes, num);
        if (spec->raw[k] && streq(spec->raw[k], num))
                (void)snprintf(buf, size, "%s=%s", spec->key[k], num);
        else
                (void)snprintf(buf, size, "%s=%s (%s)", spec->key[k], spec->raw[k], num);
}

/* The ordering rule among the set knobs and the container's memory.max. */
static int check_order(const struct mq_spec *spec, const struct mq_plan *plan, uint64_t memory_max,
                       struct mq_error *err) {
        static const enum mq_knob chain[] = {MQ_KNOB_MEMORY_MIN, MQ_KNOB_MEMORY_LOW,
                                             MQ_KNOB_MEMORY_HIGH};
        char a[160], b[160], mx[24];

        for (size_t i = 0; i < ELEMENTSOF(chain); i++) {
                enum mq_knob lo = chain[i];
                if (!plan->set[lo])
                        continue;
                for (size_t j = i + 1; j < ELEMENTSOF(chain); j++) {
                        enum mq_knob hi = chain[j];
                        if (!plan->set[hi] || plan->bytes[lo] <= plan->bytes[hi])
                                continue;
                        describe(spec, lo, plan->bytes[lo], a, sizeof(a));
                        describe(spec, hi, plan->bytes[hi], b, sizeof(b));
                        return mq_error_set(err, EINVAL,
                                            "%s is above %s; expected memory.min <= memory.low "
                                            "<= memory.high <= memory.max",
                                            a, b);
                }
                /* memory.high "max" is the kernel's default and means no
                 * throttle; memory.min or memory.low "max" protects more than
                 * a finite memory.max can ever hold: refused like any value
                 * above it. */
                bool high_unlimited = lo == MQ_KNOB_MEMORY_HIGH && plan->bytes[lo] == MQ_UNLIMITED;
                if (!high_unlimited && plan->bytes[lo] > memory_max) {
                        describe(spec, lo, plan->bytes[lo], a, sizeof(a));
                        cgroup_format_u64(memory_max, mx);
                        return mq_error_set(err, EINVAL,
                                            "%s is above the container's memory.max (%s); "
                                            "expected memory.min <= memory.low <= memory.high <= "
                                            "memory.max",
                                            a, mx);
                }
        }
        return 0;
}

int plan_resolve(const struct mq_spec *spec, uint64_t memory_max, uint64_t page_size,
                 struct mq_plan *ret, struct mq_error *err) {
        struct mq_plan plan = {.priority = MQ_PRIO_NORMAL};
        int r;

        for (unsigned i = 0; i < _MQ_KNOB_MAX; i++) {
                enum mq_knob k = (enum mq_knob)i;
                const struct mq_value *v = &spec->value[k];
                if (v->kind == MQ_VALUE_UNSET)
                        continue;
                if (k == MQ_KNOB_PRIORITY) {
                        plan.priority = v->priority;
                        continue;
                }
                plan.set[k] = true;
                if (k == MQ_KNOB_OOM_GROUP) {
                        (void)snprintf(plan.text[k], sizeof(plan.text[k]), "%d", v->flag ? 1 : 0);
                        continue;
                }
                if ((r = resolve_bytes(spec, k, memory_max, &plan.bytes[k], err)) < 0)
                        return r;
        }
        if ((r = check_order(spec, &plan, memory_max, err)) < 0)
                return r;
        for (unsigned i = 0; i < _MQ_KNOB_MAX; i++) {
                if (!plan.set[i] || i == MQ_KNOB_OOM_GROUP)
                        continue;
                if (plan.bytes[i] != MQ_UNLIMITED)
                        plan.bytes[i] -= plan.bytes[i] % page_size;
                cgroup_format_u64(plan.bytes[i], plan.text[i]);
        }
        if (plan.set[MQ_KNOB_MEMORY_HIGH] && plan.bytes[MQ_KNOB_MEMORY_HIGH] == 0)
                return mq_error_set(
                        err, EINVAL,
                        "annotation %s=\"%s\" resolves to 0 bytes, which would stall "
                        "every allocation; expected at least one page (%" PRIu64 " bytes)",
                        spec->key[MQ_KNOB_MEMORY_HIGH], spec->raw[MQ_KNOB_MEMORY_HIGH], page_size);
        *ret = plan;
        return 0;
}
