/* SPDX-License-Identifier: MIT */
/* What a kubelet-chosen cgroup path says about a pod, for both cgroup drivers:
 *   systemd:  /kubepods.slice/kubepods-burstable.slice/
 *             kubepods-burstable-pod<uid with _ for ->.slice/cri-containerd-<id>.scope
 *             (CRI-O: crio-<id>.scope; Guaranteed pods sit directly in kubepods.slice)
 *   cgroupfs: /kubepods/burstable/pod<uid>/<id>  (Guaranteed: /kubepods/pod<uid>/<id>)
 * The kubelet escapes '-' in pod UIDs as '_' in systemd unit names. */
#pragma once

#include <stddef.h>

#include "types.h"

#define MQ_POD_UID_MAX 64 /* a UID is 36 bytes; leave room for odd ones */

/* QoS class from the path; MQ_QOS_UNKNOWN if not under kubepods. */
enum mq_qos kube_qos_from_path(const char *cgpath);

/* The pod UID (with '-' restored) of the pod component of the path, and the
 * length of the path prefix up to and including that component (the pod
 * cgroup). -ENOENT when there is no pod component. */
int kube_pod_from_path(const char *cgpath, char ret_uid[static MQ_POD_UID_MAX],
                       size_t *ret_pod_prefix_len);

/* If `name` is a pod cgroup directory name ("pod<uid>" or
 * "kubepods-<qos>-pod<uid>.slice" / "kubepods-pod<uid>.slice"), write the UID
 * with '-' restored and return 0; otherwise -EINVAL. */
int kube_pod_uid_from_name(const char *name, char ret_uid[static MQ_POD_UID_MAX]);

/* Why a directory name shaped like a pod cgroup ("pod..." or
 * "kubepods-...-pod....slice") is not one that kube_pod_uid_from_name()
 * takes; NULL when it is one, or not pod-shaped at all. */
const char *kube_pod_name_problem(const char *name);

/* If `name` is a container cgroup directory name ("cri-containerd-<id>.scope",
 * "crio-<id>.scope", "docker-<id>.scope", or a bare 64-hex-digit id as the
 * cgroupfs driver uses), copy the id into buf and return 0; otherwise
 * -EINVAL (-ENAMETOOLONG if buf is too small). "crio-conmon-<id>.scope" is not a container. */
int kube_container_id_from_name(const char *name, char *buf, size_t size);
