/* SPDX-License-Identifier: MIT */
/* A resolved plan against the node policy: knobs, priority, protection. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "cgfs.h"
#include "nodepolicy.h"

struct check {
        const struct mq_nodepolicy *p;
        const struct mq_ns_rules *rules;
        char where[160]; /* ` in namespace "x"` */
        bool clamp;
        const struct mq_spec *spec;
        struct mq_plan plan; /* the working copy, bounded in clamp mode */
        struct mq_verdict verdict;
        struct mq_error *err;
};

/* A request beyond the policy: the error (refuse) or one more clamp entry.
 * `applied` is what clamp mode writes instead ("" when the knob is dropped);
 * the caller has already bounded c->plan accordingly when clamping. `note`
 * (or NULL) goes in the closing parenthesis, before the policy's source. */
static int violation(struct check *c, enum mq_knob k, const char *applied, const char *note,
                     const char *fmt, ...) _printf_(5, 6);
static int violation(struct check *c, enum mq_knob k, const char *applied, const char *note,
                     const char *fmt, ...) {
        char rule[256];
        struct mq_error msg;
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(rule, sizeof(rule), fmt, ap);
        va_end(ap);
        int r = mq_error_set(&msg, EPERM, "%s=%s: %s%s (%s%snode policy %s)", c->spec->key[k],
                             c->spec->raw[k], rule, c->where, note ? note : "", note ? "; " : "",
                             c->p->source);
        if (!c->clamp) {
                if (c->err)
                        *c->err = msg;
                return r;
        }
        struct mq_clamp *cl = &c->verdict.clamps[c->verdict.n++];
        cl->knob = k;
        (void)snprintf(cl->asked, sizeof(cl->asked), "%s", c->spec->raw[k]);
        (void)snprintf(cl->applied, sizeof(cl->applied), "%s", applied);
        memcpy(cl->why, msg.msg, sizeof(cl->why));
        return 0;
}

static void allowed_list(const struct mq_ns_rules *r, char *buf, size_t size) {
        size_t used = 0;
        buf[0] = '\0';
        for (unsigned k = 0; k < _MQ_KNOB_MAX; k++) {
                if (!r->knobs[k])
                        continue;
                int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                 mq_knob_name((enum mq_knob)k));
                if (n < 0 || (size_t)n >= size - used)
                        return;
                used += (size_t)n;
        }
        if (!used)
                (void)snprintf(buf, size, "none");
}

static int check_knobs(struct check *c) {
        for (unsigned i = 0; i < _MQ_KNOB_MAX; i++) {
                enum mq_knob k = (enum mq_knob)i;
                if (c->spec->value[k].kind == MQ_VALUE_UNSET || c->rules->knobs[k])
                        continue;
                char allowed[160] = "allowed: ";
                allowed_list(c->rules, allowed + strlen(allowed),
                             sizeof(allowed) - strlen(allowed));
                c->plan.set[k] = false;
                if (k == MQ_KNOB_PRIORITY)
                        c->plan.priority = MQ_PRIO_NORMAL; /* as without the annotation */
                int r = violation(c, k, "", allowed, "the knob %s is not allowed", mq_knob_name(k));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_priority(struct check *c) {
        enum mq_priority max = c->rules->max_priority;
        if (c->spec->value[MQ_KNOB_PRIORITY].kind == MQ_VALUE_UNSET ||
            !c->rules->knobs[MQ_KNOB_PRIORITY] || c->plan.priority <= max)
                return 0;
        c->plan.priority = max;
        return violation(c, MQ_KNOB_PRIORITY, mq_priority_name(max), NULL,
                         "priority above \"%s\" is not allowed", mq_priority_name(max));
}

/* The most protection the rules allow this container, page-aligned. */
static uint64_t protection_cap(const struct mq_ns_rules *r, uint64_t memory_max,
                               uint64_t page_size) {
        uint64_t cap = 0;
        if (r->protection == MQ_PROTECT_LIMIT)
                cap = memory_max == MQ_UNLIMITED ? 0 : memory_max;
        else if (r->protection == MQ_PROTECT_FIXED)
                cap = r->protection_bytes < memory_max ? r->protection_bytes : memory_max;
        return cap - cap % page_size;
}

static int protection_violation(struct check *c, enum mq_knob k, uint64_t memory_max, uint64_t cap,
                                const char *applied) {
        char num[24];
        if (c->plan.bytes[k] == MQ_UNLIMITED)
                return violation(c, k, applied, NULL, "\"max\" is never allowed as protection");
        switch (c->rules->protection) {
        case MQ_PROTECT_NONE:
                return violation(c, k, applied, NULL, "protection is not allowed");
        case MQ_PROTECT_FIXED:
                cgroup_format_u64(c->rules->protection_bytes, num);
                return violation(c, k, applied, NULL,
                                 "protection above %s bytes per container is not allowed", num);
        case MQ_PROTECT_LIMIT:
        default:
                if (memory_max == MQ_UNLIMITED)
                        return violation(c, k, applied, NULL,
                                         "protection for a container without a memory limit "
                                         "(memory.max is max) is not allowed");
                cgroup_format_u64(cap, num);
                return violation(c, k, applied, NULL,
                                 "protection above the container's memory.max (%s) is not allowed",
                                 num);
        }
}

/* memory-min and memory-low: at most the cap. A clamp cuts both to the same
 * cap, so memory.min <= memory.low <= memory.high still holds. */
static int check_protection(struct check *c, uint64_t memory_max, uint64_t page_size) {
        static const enum mq_knob prot[] = {MQ_KNOB_MEMORY_MIN, MQ_KNOB_MEMORY_LOW};
        uint64_t cap = protection_cap(c->rules, memory_max, page_size);

        for (size_t i = 0; i < ELEMENTSOF(prot); i++) {
                enum mq_knob k = prot[i];
                char applied[24] = "";
                if (!c->plan.set[k] || c->plan.bytes[k] <= cap)
                        continue;
                if (cap > 0)
                        cgroup_format_u64(cap, applied);
                int r = protection_violation(c, k, memory_max, cap, applied);
                if (r < 0)
                        return r;
                /* nothing allowed: leave the file as the kubelet set it */
                c->plan.set[k] = cap > 0;
                c->plan.bytes[k] = cap;
                (void)snprintf(c->plan.text[k], sizeof(c->plan.text[k]), "%s", applied);
        }
        return 0;
}

int mq_nodepolicy_apply(const struct mq_nodepolicy *p, const char *ns, bool force_clamp,
                        const struct mq_spec *spec, uint64_t memory_max, uint64_t page_size,
                        struct mq_plan *plan, struct mq_verdict *ret_verdict,
                        struct mq_error *err) {
        struct check c = {
                .p = p,
                .rules = mq_nodepolicy_rules(p, ns),
                .clamp = force_clamp || p->on_violation == MQ_VIOLATION_CLAMP,
                .spec = spec,
                .plan = *plan,
                .err = err,
        };
        int r;

        if (ns && *ns)
                (void)snprintf(c.where, sizeof(c.where), " in namespace \"%s\"", ns);
        else
                (void)snprintf(c.where, sizeof(c.where), " for a pod of unknown namespace");
        if ((r = check_knobs(&c)) < 0 || (r = check_priority(&c)) < 0 ||
            (r = check_protection(&c, memory_max, page_size ? page_size : 1)) < 0)
                return r;
        *plan = c.plan;
        *ret_verdict = c.verdict;
        return 0;
}
