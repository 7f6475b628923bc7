/* SPDX-License-Identifier: MIT */
/* Who a container belongs to, from the runtime's own annotation keys only.
 * The node policy grants by namespace, and a pod may set any annotation, so
 * a key a pod can write must never decide (README, "Who may ask for what"):
 *
 * containerd (internal/cri/server/container_create.go, buildLinuxSpec):
 *   the pod annotations matching the runtime's pod_annotations globs are
 *   added first, then annotations.DefaultCRIAnnotations() sets its own
 *   io.kubernetes.cri.* keys (sandbox-namespace, sandbox-uid, sandbox-name,
 *   container-name, container-type) last, so they win a name clash; a pod
 *   can add a foreign key (io.kubernetes.pod.namespace, io.kubernetes.cri-o.*)
 *   only if the operator's globs let it through.
 * CRI-O (internal/factory/container/container.go, SpecAddAnnotations): the
 *   sandbox's annotations (every pod annotation) first, then CRI-O's own
 *   io.kubernetes.cri-o.* keys, then the kubelet's container annotations and
 *   last the kubelet's container labels (io.kubernetes.pod.namespace,
 *   .pod.name, .pod.uid, .container.name), which win a name clash. CRI-O
 *   never sets io.kubernetes.cri.*: on CRI-O every such key is the pod's.
 *
 * So: any io.kubernetes.cri-o.* key means CRI-O and only CRI-O's keys
 * count; otherwise any io.kubernetes.cri.* key means containerd and only
 * its keys count; otherwise (podman, plain runc) the namespace is unknown.
 * And the namespace is unknown whenever the two runtimes' namespace keys, or
 * two copies of one key in the state, disagree: the runtime's real key is
 * always there, so a disagreement is someone posing as the other runtime. */
#pragma once

#include <stdbool.h>

#include "state.h"

enum runtime_kind {
        RUNTIME_UNKNOWN = 0,
        RUNTIME_CONTAINERD,
        RUNTIME_CRIO,
};

struct pod_identity {
        enum runtime_kind runtime;
        bool sandbox;
        const char *container, *pod_name, *pod_uid; /* NULL when not known */
        const char *ns;                             /* trusted namespace, or NULL */
        const char *ns_doubt; /* why a namespace present was not trusted, or NULL */
};

/* Strings point into st. */
void identity_from_state(const struct oci_state *st, struct pod_identity *ret);
