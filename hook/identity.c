/* SPDX-License-Identifier: MIT */
#include "identity.h"

#include "nodepolicy.h"

/* The value of key when every copy of it in the state agrees, else NULL
 * and *ret_conflict set. A state carries one copy (runtimes write a map),
 * but a crafted one may carry two: the parser keeps both. */
static const char *only_value(const struct oci_state *st, const char *key, bool *ret_conflict) {
        const char *v = NULL;
        for (size_t i = 0; i < st->n_annotations; i++) {
                if (!streq(st->annotations[i].key, key))
                        continue;
                if (v && !streq(v, st->annotations[i].value)) {
                        *ret_conflict = true;
                        return NULL;
                }
                v = st->annotations[i].value;
        }
        return v;
}

static const char *first_of(const struct oci_state *st, const char *a, const char *b) {
        const char *v = oci_state_annotation(st, a);
        return v ? v : oci_state_annotation(st, b);
}

static bool is_type_sandbox(const struct oci_state *st, const char *key) {
        const char *t = oci_state_annotation(st, key);
        return t && streq(t, "sandbox");
}

static void trusted_namespace(const struct oci_state *st, const char *own_key,
                              const char *other_key, struct pod_identity *id) {
        bool conflict = false;
        const char *own = only_value(st, own_key, &conflict);
        const char *other = only_value(st, other_key, &conflict);

        if (conflict)
                id->ns_doubt = "the state carries one namespace key twice with different values";
        else if (own && other && !streq(own, other))
                id->ns_doubt = "the CRI-O and containerd namespace keys disagree";
        else if (own && !mq_namespace_valid(own))
                id->ns_doubt = "the namespace key does not hold a namespace name";
        else
                id->ns = own;
}

void identity_from_state(const struct oci_state *st, struct pod_identity *ret) {
        struct pod_identity id = {0};

        if (st->has_crio_key) {
                id.runtime = RUNTIME_CRIO;
                id.sandbox = is_type_sandbox(st, ANNOT_CRIO_TYPE);
                id.container = oci_state_annotation(st, ANNOT_CRIO_NAME);
                id.pod_name = oci_state_annotation(st, ANNOT_CRIO_POD);
                id.pod_uid = oci_state_annotation(st, ANNOT_CRIO_POD_UID);
                trusted_namespace(st, ANNOT_CRIO_NS, ANNOT_CONTAINERD_NS, &id);
        } else if (st->has_containerd_key) {
                id.runtime = RUNTIME_CONTAINERD;
                id.sandbox = is_type_sandbox(st, ANNOT_CONTAINERD_TYPE);
                id.container = oci_state_annotation(st, ANNOT_CONTAINERD_NAME);
                id.pod_name = oci_state_annotation(st, ANNOT_CONTAINERD_POD);
                id.pod_uid = oci_state_annotation(st, ANNOT_CONTAINERD_POD_UID);
                trusted_namespace(st, ANNOT_CONTAINERD_NS, ANNOT_CRIO_NS, &id);
        } else {
                /* No runtime's own keys (podman, runc by hand): names only
                 * pick among the pod's own annotations; no namespace. */
                id.sandbox = is_type_sandbox(st, ANNOT_CONTAINERD_TYPE) ||
                             is_type_sandbox(st, ANNOT_CRIO_TYPE);
                id.container = first_of(st, ANNOT_CONTAINERD_NAME, ANNOT_CRIO_NAME);
                id.pod_name = first_of(st, ANNOT_CONTAINERD_POD, ANNOT_CRIO_POD);
                id.pod_uid = first_of(st, ANNOT_CONTAINERD_POD_UID, ANNOT_CRIO_POD_UID);
                if (first_of(st, ANNOT_CONTAINERD_NS, ANNOT_CRIO_NS))
                        id.ns_doubt = "no runtime's own keys vouch for the namespace key";
        }
        *ret = id;
}
