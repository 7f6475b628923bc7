/* SPDX-License-Identifier: MIT */
/* Kubelet cgroup paths and directory names, both cgroup drivers
 * (policy/kubepath.c): every entry point on the same text. */
#include "fuzz.h"
#include "kubepath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strdup(data, size);
        char uid[MQ_POD_UID_MAX];
        size_t prefix = 0;

        (void)kube_qos_from_path(s);
        if (kube_pod_from_path(s, uid, &prefix) >= 0) {
                FUZZ_ASSERT(prefix <= strlen(s), "pod prefix %zu past the path", prefix);
                FUZZ_ASSERT(memchr(uid, '\0', sizeof(uid)) != NULL, "uid not terminated");
        }
        if (kube_pod_uid_from_name(s, uid) >= 0)
                FUZZ_ASSERT(memchr(uid, '\0', sizeof(uid)) != NULL, "uid not terminated");
        (void)kube_pod_name_problem(s);

        char id[80];
        if (kube_container_id_from_name(s, id, sizeof(id)) >= 0)
                FUZZ_ASSERT(strlen(id) < sizeof(id), "id overflows");
        free(s);
        return 0;
}
