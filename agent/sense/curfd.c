/* SPDX-License-Identifier: MIT */
/* memory.current of every pod through an fd kept open per pod. The usage
 * pass (refresh-pods.c) reads it for up to every pod after a decision:
 * opening "kubepods/.../pod<uid>/memory.current" walks the path each time,
 * and at 1,000 pods open+read+close cost ~45 ms natively here; a pread()
 * from offset 0 on a kept fd is one system call and makes cgroupfs
 * generate the value afresh (a seq_file, like /proc). The fds follow the
 * pods: opened for the pods of each full scan, for a new pod on first use,
 * closed when the pod goes. */
#include "curfd.h"

#include <fcntl.h>
#include <sys/resource.h>

#include "cgfs.h"

static int cmp_entry(const void *a, const void *b) {
        return strcmp(((const struct agent_curfd *)a)->uid, ((const struct agent_curfd *)b)->uid);
}

static int cmp_key(const void *key, const void *elem) {
        return strcmp(key, ((const struct agent_curfd *)elem)->uid);
}

static struct agent_curfd *find(const struct agent_curfds *u, const char *uid) {
        return u->n ? bsearch(uid, u->v, u->n, sizeof(*u->v), cmp_key) : NULL;
}

static int open_current(const struct agent *a, const char *cgroup) {
        char path[MQ_CGROUP_PATH_MAX];
        int n = snprintf(path, sizeof(path), "%s/memory.current", cgroup + 1);
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        int fd = openat(a->cg_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* One fd per pod: raise the soft RLIMIT_NOFILE to the hard limit (1,024
 * is the usual soft default, 500,000+ the hard one); a pod whose fd cannot
 * be opened is read by path. */
void curfd_raise_nofile(void) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
        }
}

/* A pod not in the map (created since the last full scan): open its fd
 * and insert it in order. */
static struct agent_curfd *add(struct agent *a, const struct mq_pod *pod) {
        struct agent_curfds *u = &a->curfds;
        if (grow_array((void **)&u->v, &u->cap, u->n, sizeof(*u->v), 64) < 0)
                return NULL;
        int fd = open_current(a, pod->cgroup);
        if (fd < 0)
                return NULL;
        size_t at = 0;
        while (at < u->n && strcmp(u->v[at].uid, pod->uid) < 0)
                at++;
        memmove(&u->v[at + 1], &u->v[at], (u->n - at) * sizeof(*u->v));
        u->n++;
        u->v[at].fd = fd;
        (void)snprintf(u->v[at].uid, sizeof(u->v[at].uid), "%s", pod->uid);
        return &u->v[at];
}

int curfd_read_path(const struct agent *a, const char *cgroup, uint64_t *ret) {
        _cleanup_close_ int fd = open_current(a, cgroup);
        if (fd < 0)
                return fd;
        char buf[32];
        int r = cgroup_pread_file(fd, buf, sizeof(buf));
        return r < 0 ? r : cgroup_parse_u64(buf, ret);
}

int curfd_read(struct agent *a, const struct mq_pod *pod, uint64_t *ret) {
        struct agent_curfd *e = find(&a->curfds, pod->uid);
        if (!e)
                e = add(a, pod);
        if (!e) /* no fd to keep (EMFILE, ENOMEM): by path */
                return curfd_read_path(a, pod->cgroup, ret);
        char buf[32];
        int r = cgroup_pread_file(e->fd, buf, sizeof(buf));
        if (r < 0) {
                curfd_forget(a, pod->uid); /* ENODEV: the cgroup was removed */
                return r;
        }
        return cgroup_parse_u64(buf, ret);
}

void curfd_forget(struct agent *a, const char *uid) {
        struct agent_curfds *u = &a->curfds;
        struct agent_curfd *e = find(u, uid);
        if (!e)
                return;
        closep(&e->fd);
        size_t at = (size_t)(e - u->v);
        memmove(e, e + 1, (u->n - at - 1) * sizeof(*e));
        u->n--;
}

static const struct mq_pod *snap_find(const struct mq_snapshot *s, const size_t *by_uid,
                                      const char *uid) {
        size_t lo = 0, hi = s->n_pods;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(uid, s->pods[by_uid[mid]].uid);
                if (c == 0)
                        return &s->pods[by_uid[mid]];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

static int cmp_index_uid(const void *x, const void *y, void *arg) {
        const struct mq_pod *pods = arg;
        return strcmp(pods[*(const size_t *)x].uid, pods[*(const size_t *)y].uid);
}

void curfd_sync(struct agent *a, const struct mq_snapshot *s) {
        struct agent_curfds *u = &a->curfds;
        size_t need = u->n + s->n_pods;
        if (need > u->cap) {
                struct agent_curfd *v = reallocarray(u->v, need, sizeof(*u->v));
                if (!v)
                        return;
                u->v = v;
                u->cap = need;
        }
        _cleanup_free_ size_t *by_uid = calloc(s->n_pods + 1, sizeof(*by_uid));
        if (!by_uid)
                return;
        for (size_t i = 0; i < s->n_pods; i++)
                by_uid[i] = i;
        qsort_r(by_uid, s->n_pods, sizeof(*by_uid), cmp_index_uid, s->pods);
        /* Close the fds of pods the scan did not find... */
        size_t m = 0;
        for (size_t i = 0; i < u->n; i++) {
                if (!snap_find(s, by_uid, u->v[i].uid)) {
                        closep(&u->v[i].fd);
                        continue;
                }
                u->v[m++] = u->v[i];
        }
        /* ... and open those of the pods it found, in one sort. */
        size_t known = m;
        for (size_t i = 0; i < s->n_pods; i++) {
                const struct mq_pod *pod = &s->pods[i];
                if (bsearch(pod->uid, u->v, known, sizeof(*u->v), cmp_key))
                        continue;
                int fd = open_current(a, pod->cgroup);
                if (fd < 0)
                        continue; /* read by path, or gone */
                u->v[m].fd = fd;
                (void)snprintf(u->v[m].uid, sizeof(u->v[m].uid), "%s", pod->uid);
                m++;
        }
        u->n = m;
        qsort(u->v, u->n, sizeof(*u->v), cmp_entry);
}

void curfd_close_all(struct agent *a) {
        for (size_t i = 0; i < a->curfds.n; i++)
                closep(&a->curfds.v[i].fd);
        free(a->curfds.v);
        a->curfds = (struct agent_curfds){0};
}
