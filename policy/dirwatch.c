/* SPDX-License-Identifier: MIT */
#include "dirwatch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int mq_dirwatch_add(struct mq_dirwatch *m, int wd, const char *path) {
        size_t len = strlen(path);
        if (wd < 0)
                return -EINVAL;
        if (len >= MQ_DIRWATCH_PATH_MAX)
                return -ENAMETOOLONG;
        size_t i = 0;
        while (i < m->n && m->v[i].wd != wd)
                i++;
        if (i == m->n) {
                if (m->n >= MQ_DIRWATCH_MAX)
                        return -ENOSPC;
                m->n++;
        }
        m->v[i].wd = wd;
        memcpy(m->v[i].path, path, len + 1);
        return 0;
}

const char *mq_dirwatch_path(const struct mq_dirwatch *m, int wd) {
        for (size_t i = 0; i < m->n; i++)
                if (m->v[i].wd == wd)
                        return m->v[i].path;
        return NULL;
}

int mq_dirwatch_pod(const char *dir, const char *name, char ret_uid[static MQ_POD_UID_MAX],
                    char *ret_cgroup, size_t size) {
        char uid[MQ_POD_UID_MAX];
        if (kube_pod_uid_from_name(name, uid) < 0)
                return -EINVAL;
        if (strlen(dir) + 1 + strlen(name) >= size)
                return -ENAMETOOLONG;
        (void)snprintf(ret_cgroup, size, "%s/%s", dir, name);
        memcpy(ret_uid, uid, sizeof(uid));
        return 0;
}
