/* SPDX-License-Identifier: MIT */
#include "records.h"

#include <dirent.h>
#include <fcntl.h>

#include "core/log.h"
#include "kubepath.h"

void records_done(struct agent_records *r) {
        for (size_t i = 0; i < r->n; i++)
                record_done(&r->v[i]);
        free(r->v);
        *r = (struct agent_records){0};
}

static int push(struct agent_records *r, struct mq_record *rec) {
        if (grow_array((void **)&r->v, &r->cap, r->n, sizeof(*rec), 16) < 0)
                return -ENOMEM;
        r->v[r->n++] = *rec;
        *rec = (struct mq_record){0};
        return 0;
}

static int is_record_name(const char *name) {
        size_t n = strlen(name);
        /* The hook writes ".<id>.json.<pid>" and renames it into place. */
        return name[0] != '.' && n > 5 && streq(name + n - 5, ".json");
}

int records_load_all(int state_fd, struct agent_records *ret) {
        struct agent_records out = {0};
        int fd = openat(state_fd, MQ_RECORD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT) {
                        *ret = out;
                        return 0;
                }
                return negative_errno();
        }
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();
                (void)close(fd);
                return r;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!is_record_name(de->d_name))
                        continue;
                struct mq_record rec = {0};
                struct mq_error err = {{0}};
                int r = record_load(state_fd, de->d_name, &rec, &err);
                if (r == -ENOENT)
                        continue; /* removed between readdir and open */
                if (r < 0) {
                        log_warn("skipping record %s: %s", de->d_name,
                                 err.msg[0] ? err.msg : strerror(-r));
                        continue;
                }
                r = push(&out, &rec);
                if (r < 0) {
                        record_done(&rec);
                        records_done(&out);
                        return r;
                }
        }
        *ret = out;
        return 0;
}

int records_pod_uid(const struct mq_record *rec, char ret_uid[static MQ_POD_UID_MAX]) {
        size_t n = rec->pod_uid ? strlen(rec->pod_uid) : 0;
        if (n > 0 && n < MQ_POD_UID_MAX) {
                memcpy(ret_uid, rec->pod_uid, n + 1);
                return 0;
        }
        if (rec->cgroup)
                return kube_pod_from_path(rec->cgroup, ret_uid, NULL);
        return -ENOENT;
}

const struct mq_record *records_find(const struct agent_records *r, const char *key) {
        for (size_t i = 0; i < r->n; i++) {
                char uid[MQ_POD_UID_MAX];
                if (r->v[i].id && streq(r->v[i].id, key))
                        return &r->v[i];
                if (records_pod_uid(&r->v[i], uid) == 0 && streq(uid, key))
                        return &r->v[i];
        }
        return NULL;
}
