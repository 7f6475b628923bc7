/* SPDX-License-Identifier: MIT */
/* A fake node for tests/valgrind/run.sh, built with the integration tests'
 * helpers (tests/lib/agent_tree.c): a systemd-driver kubepods tree with one
 * Burstable pod and its container, the container's /proc/<pid>/cgroup, a
 * permissive node policy and the OCI state containerd would pass the hook
 * (state.json). Prints the root directory; the caller removes it. */
#include <stdio.h>
#include <stdlib.h>

#include "agent_tree.h"
#include "fstree.h"

#define POD_UID "0f7e3a52-9c1d-4b7e-8a55-2d4c1b9e6f01"
#define CID     "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
#define CID2    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const char state_json[] =
        "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"" CID "\",\"status\":\"creating\",\"pid\":4242,"
        "\"bundle\":\"/run/containerd/io.containerd.runtime.v2.task/k8s.io/" CID "\","
        "\"annotations\":{\"io.kubernetes.cri.container-name\":\"app\","
        "\"io.kubernetes.cri.container-type\":\"container\","
        "\"io.kubernetes.cri.sandbox-name\":\"web-0\","
        "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
        "\"io.kubernetes.cri.sandbox-uid\":\"" POD_UID "\","
        "\"memqos.io/memory-high\":\"90%\",\"memory-min.memqos.io/app\":\"64Mi\","
        "\"memqos.io/oom-group\":\"true\"}}\n";

int main(void) {
        struct agent_tree t;
        agent_tree_new(&t, AGENT_TREE_SYSTEMD);
        const struct agent_tree_pod pod = {.uid = POD_UID,
                                           .qos = "burstable",
                                           .current = 600 << 20,
                                           .anon = 400 << 20,
                                           .file = 200 << 20,
                                           .inactive_file = 150 << 20};
        char *pod_path = agent_tree_pod(&t, AGENT_TREE_SYSTEMD, &pod);
        char *cg = agent_tree_container(&t, AGENT_TREE_SYSTEMD, pod_path, CID, NULL);
        char *cg2 = agent_tree_container(&t, AGENT_TREE_SYSTEMD, pod_path, CID2, NULL);
        /* The hook resolves 90% against the container's memory.max. */
        char rel[1024], text[1200];
        snprintf(rel, sizeof(rel), "%s/memory.max", cg + 1);
        fstree_write(t.cg, rel, "1073741824\n");
        snprintf(text, sizeof(text), "0::%s\n", cg);
        fstree_write(t.proc, "4242/cgroup", text);
        /* A record the hook wrote earlier for the pod's other container. */
        agent_tree_record(&t, CID2, cg2, POD_UID, "web-0", "shop", "normal",
                          "\"memory.high\": \"524288000\"");
        fstree_write(t.root, "policy.json",
                     "{\"default\": {\"knobs\": [\"memory-high\", \"memory-low\", "
                     "\"memory-min\", \"swap-max\", \"oom-group\", \"priority\"]}}\n");
        fstree_write(t.root, "state.json", state_json);
        printf("%s\n", t.root);
        free(pod_path);
        free(cg);
        free(cg2);
        free(t.root);
        free(t.cg);
        free(t.proc);
        free(t.state);
        return 0;
}
