/* SPDX-License-Identifier: MIT */
#include "kubepath.h"

#include <ctype.h>

#include "util.h"

/* Copy the n-byte component starting at p into buf (NUL-terminated). */
static int component_copy(const char *p, size_t n, char *buf, size_t size) {
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, p, n);
        buf[n] = '\0';
        return 0;
}

static int endswith(const char *s, const char *suffix) {
        size_t ls = strlen(s), lx = strlen(suffix);
        return ls >= lx && streq(s + ls - lx, suffix);
}

enum mq_qos kube_qos_from_path(const char *cgpath) {
        char comp[256];
        int under_kubepods = 0;
        enum mq_qos qos = MQ_QOS_UNKNOWN;

        for (const char *p = cgpath; *p;) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if (n == 0 || component_copy(p, n, comp, sizeof(comp)) < 0)
                        break;
                p += n;
                if (streq(comp, "kubepods") || streq(comp, "kubepods.slice")) {
                        under_kubepods = 1;
                        qos = MQ_QOS_GUARANTEED; /* unless a QoS level follows */
                        continue;
                }
                if (!under_kubepods)
                        continue;
                if (streq(comp, "besteffort") || streq(comp, "kubepods-besteffort.slice"))
                        return MQ_QOS_BESTEFFORT;
                if (streq(comp, "burstable") || streq(comp, "kubepods-burstable.slice"))
                        return MQ_QOS_BURSTABLE;
                break; /* first level below kubepods decides */
        }
        return qos;
}

int kube_pod_uid_from_name(const char *name, char ret_uid[static MQ_POD_UID_MAX]) {
        char uid[MQ_POD_UID_MAX];
        const char *start = NULL;
        size_t len;

        if (startswith(name, "kubepods-") && endswith(name, ".slice")) {
                /* the last "-pod": the escaped UID itself has no '-' */
                for (const char *s = strstr(name, "-pod"); s; s = strstr(s + 1, "-pod"))
                        start = s;
                if (!start)
                        return -EINVAL;
                start += 4;
                len = strlen(start) - strlen(".slice");
        } else if (startswith(name, "pod")) {
                start = name + 3;
                len = strlen(start);
        } else
                return -EINVAL;

        if (len == 0 || len >= MQ_POD_UID_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                char c = start[i];
                if (!(isxdigit((unsigned char)c) || c == '-' || c == '_'))
                        return -EINVAL;
                uid[i] = c == '_' ? '-' : c;
        }
        uid[len] = '\0';
        memcpy(ret_uid, uid, len + 1);
        return 0;
}

const char *kube_pod_name_problem(const char *name) {
        char uid[MQ_POD_UID_MAX];
        const char *start;
        size_t len;
        if (kube_pod_uid_from_name(name, uid) == 0)
                return NULL;
        if (startswith(name, "kubepods-") && endswith(name, ".slice") && strstr(name, "-pod")) {
                start = strstr(name, "-pod") + 4;
                len = strlen(start) - strlen(".slice");
        } else if (startswith(name, "pod")) {
                start = name + 3;
                len = strlen(start);
        } else
                return NULL;
        if (len == 0)
                return "no UID after \"pod\"";
        if (len >= MQ_POD_UID_MAX)
                return "the UID is longer than 63 bytes";
        return "the UID has characters other than hex digits and '-' (the kubelet names pod "
               "cgroups after the pod's UUID)";
}

int kube_pod_from_path(const char *cgpath, char ret_uid[static MQ_POD_UID_MAX],
                       size_t *ret_pod_prefix_len) {
        char comp[256];

        for (const char *p = cgpath; *p;) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if (n == 0)
                        break;
                if (component_copy(p, n, comp, sizeof(comp)) == 0 &&
                    kube_pod_uid_from_name(comp, ret_uid) == 0) {
                        if (ret_pod_prefix_len)
                                *ret_pod_prefix_len = (size_t)(p + n - cgpath);
                        return 0;
                }
                p += n;
        }
        return -ENOENT;
}

static int all_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)s[i]))
                        return 0;
        return 1;
}

int kube_container_id_from_name(const char *name, char *buf, size_t size) {
        static const char *const prefixes[] = {"cri-containerd-", "crio-", "docker-"};
        size_t len = strlen(name);

        if (len == 64 && all_hex(name, len))
                return component_copy(name, len, buf, size);
        if (!endswith(name, ".scope") || startswith(name, "crio-conmon-"))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                size_t lp = strlen(prefixes[i]);
                if (!startswith(name, prefixes[i]))
                        continue;
                size_t n = len - lp - strlen(".scope");
                if (n == 0)
                        return -EINVAL;
                return component_copy(name + lp, n, buf, size);
        }
        return -EINVAL;
}
