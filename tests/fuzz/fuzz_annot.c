/* SPDX-License-Identifier: MIT */
/* The annotation grammar and plan resolution (policy/annot.c, plan.c,
 * quantity.c). The input is annotations one per line, "key=value"; the
 * spec of container "app" is resolved under an unlimited memory.max and a
 * 1 GiB one. A plan that resolves keeps the documented order
 * memory.min <= memory.low <= memory.high <= memory.max. */
#include "annot.h"
#include "fuzz.h"
#include "plan.h"
#include "types.h"

#define N_MAX 16

static void check_order(const struct mq_plan *plan, uint64_t memory_max) {
        static const enum mq_knob chain[] = {MQ_KNOB_MEMORY_MIN, MQ_KNOB_MEMORY_LOW,
                                             MQ_KNOB_MEMORY_HIGH};
        uint64_t below = 0;
        for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
                enum mq_knob k = chain[i];
                if (!plan->set[k])
                        continue;
                FUZZ_ASSERT(plan->bytes[k] >= below, "%s=%s below an earlier knob", mq_knob_name(k),
                            plan->text[k]);
                /* "max" (unlimited) is past any memory.max: memory.high may
                 * say it, and memory.min/low "max" under a finite memory.max
                 * is refused by plan_resolve() (tests/unit/test_plan.c). */
                if (plan->bytes[k] == MQ_UNLIMITED)
                        continue;
                FUZZ_ASSERT(memory_max == MQ_UNLIMITED || plan->bytes[k] <= memory_max,
                            "%s=%s above memory.max %llu", mq_knob_name(k), plan->text[k],
                            (unsigned long long)memory_max);
                below = plan->bytes[k];
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = fuzz_strdup(data, size);
        struct mq_kv kv[N_MAX];
        size_t n = 0;

        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && n < N_MAX;
             line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');
                if (!eq)
                        continue;
                *eq = '\0';
                kv[n++] = (struct mq_kv){line, eq + 1};
        }

        struct mq_error err = {{0}};
        for (size_t i = 0; i < n; i++) {
                enum mq_knob knob;
                const char *container;
                struct mq_value v;
                int scope = annotation_key_parse(kv[i].key, &knob, &container, &err);
                if (scope > MQ_KEY_FOREIGN)
                        (void)annotation_value_parse(kv[i].key, knob, kv[i].value, &v, &err);
        }

        struct mq_spec spec;
        if (spec_build(kv, n, "app", &spec, &err) >= 0) {
                static const uint64_t maxes[] = {MQ_UNLIMITED, UINT64_C(1) << 30};
                for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
                        struct mq_plan plan;
                        if (plan_resolve(&spec, maxes[i], 4096, &plan, &err) >= 0)
                                check_order(&plan, maxes[i]);
                }
        }
        free(text);
        return 0;
}
