/* SPDX-License-Identifier: MIT */
/* The OCI state on the hook's stdin (hook/state.c), then what the hook does
 * with it before touching a cgroup: the pod identity (hook/identity.c), the
 * container's spec from its annotations and the plan under an unlimited
 * and a 1 GiB memory.max. The text is handed over without a terminating
 * NUL, as the stream reader does, so a read past its end is caught. */
#include "annot.h"
#include "fuzz.h"
#include "identity.h"
#include "plan.h"
#include "state.h"
#include "types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf = malloc(size ? size : 1);
        if (!buf)
                abort();
        memcpy(buf, data, size);

        struct oci_state st;
        struct mq_error err = {{0}};
        if (oci_state_parse_buf(buf, size, &st, &err) < 0) {
                FUZZ_ASSERT(err.msg[0] != '\0', "state refused without a message");
                free(buf);
                return 0;
        }
        FUZZ_ASSERT(st.n_annotations <= MQ_STATE_ANNOT_MAX, "%zu annotations", st.n_annotations);

        struct pod_identity who;
        identity_from_state(&st, &who);

        struct mq_spec spec;
        if (spec_build(st.annotations, st.n_annotations, who.container, &spec, &err) >= 0) {
                static const uint64_t maxes[] = {MQ_UNLIMITED, UINT64_C(1) << 30};
                for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
                        struct mq_plan plan;
                        (void)plan_resolve(&spec, maxes[i], 4096, &plan, &err);
                }
        }
        oci_state_done(&st);
        free(buf);
        return 0;
}
