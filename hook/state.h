/* SPDX-License-Identifier: MIT */
/* The OCI state on the hook's stdin (runtime-spec, "State"): the hook keeps
 * only id, status, pid, bundle (or the legacy bundlePath) and the annotations
 * it uses. The parse is event-driven (yajl callbacks): CRI-O passes every pod
 * annotation, and kubectl's last-applied-configuration can be hundreds of
 * KiB, so nothing else is ever copied or built into a tree. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "record.h"

#define MQ_STATE_MAX          8388608 /* bytes of state accepted on stdin: 8 MiB */
#define MQ_STATE_ANNOT_MAX    64      /* memqos annotations kept */
#define MQ_STATE_STRING_MAX   4096    /* longest kept string */
#define MQ_STATE_RUNTIME_KEYS 10      /* the runtime's keys the hook reads (below) */

struct oci_state {
        char *id;
        char *status;
        char *bundle;
        int64_t pid;
        bool has_pid;
        size_t n_annotations, n_memqos;
        struct mq_kv annotations[MQ_STATE_ANNOT_MAX + 2 * MQ_STATE_RUNTIME_KEYS];
        /* The first memqos annotation over a limit (a value over
         * MQ_STATE_STRING_MAX bytes, more than MQ_STATE_ANNOT_MAX keys): the
         * state still parses, so the hook knows the container it refuses
         * (or, with --fail-open, leaves alone). Empty when none. */
        struct mq_error over_limit;
        /* Some annotation key, kept or not, starts with this runtime's own
         * prefix: "io.kubernetes.cri-o." (CRI-O sets several on every
         * container) or "io.kubernetes.cri." (containerd). identity.c. */
        bool has_crio_key, has_containerd_key;
};

/* Annotation keys the hook reads besides the memqos ones. */
#define ANNOT_CONTAINERD_NAME    "io.kubernetes.cri.container-name"
#define ANNOT_CONTAINERD_TYPE    "io.kubernetes.cri.container-type"
#define ANNOT_CONTAINERD_POD     "io.kubernetes.cri.sandbox-name"
#define ANNOT_CONTAINERD_NS      "io.kubernetes.cri.sandbox-namespace"
#define ANNOT_CONTAINERD_POD_UID "io.kubernetes.cri.sandbox-uid"
#define ANNOT_CRIO_NAME          "io.kubernetes.container.name"
#define ANNOT_CRIO_TYPE          "io.kubernetes.cri-o.ContainerType"
#define ANNOT_CRIO_POD           "io.kubernetes.pod.name"
#define ANNOT_CRIO_NS            "io.kubernetes.pod.namespace"
#define ANNOT_CRIO_POD_UID       "io.kubernetes.pod.uid"
#define ANNOT_CRIO_PREFIX        "io.kubernetes.cri-o."
#define ANNOT_CONTAINERD_PREFIX  "io.kubernetes.cri."

/* Parse a state text from a stream, reading at most MQ_STATE_MAX bytes. */
int oci_state_read(FILE *in, struct oci_state *ret, struct mq_error *err);

/* Parse a state held in memory (for tests and the stream reader). */
int oci_state_parse_buf(const char *buf, size_t len, struct oci_state *ret, struct mq_error *err);

void oci_state_done(struct oci_state *st);

/* The value of a kept annotation, or NULL. */
const char *oci_state_annotation(const struct oci_state *st, const char *key);
