/* SPDX-License-Identifier: MIT */
#include "scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cgfs.h"
#include "core/log.h"
#include "kubepath.h"
#include "memstat.h"
#include "oomkill.h"
#include "psi.h"
#include "records.h"

const char *const scan_kubepods_roots[2] = {"kubepods.slice", "kubepods"};
const char *const scan_qos_dirs[4] = {"kubepods-besteffort.slice", "kubepods-burstable.slice",
                                      "besteffort", "burstable"};

void snapshot_done(struct mq_snapshot *s) {
        for (size_t i = 0; i < s->n_pods; i++)
                free(s->pods[i].containers);
        free(s->pods);
        *s = (struct mq_snapshot){0};
}

/* Read a /proc file through an fd kept open: the watermark timer reads
 * pressure/memory and meminfo up to 10 times a second, and a pread() from
 * offset 0 makes a seq_file generate its text afresh, one syscall instead of
 * an open, a read and a close. */
static int read_proc(int proc_fd, int *fd, const char *dir, const char *name, char *buf,
                     size_t size) {
        if (*fd < 0) {
                _cleanup_close_ int dfd =
                        dir ? openat(proc_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                            : -1;
                if (dir && dfd < 0)
                        return negative_errno();
                int r = cgroup_open_read(dir ? dfd : proc_fd, name);
                if (r < 0)
                        return r;
                *fd = r;
        }
        int r = cgroup_pread_file(*fd, buf, size);
        if (r < 0) {
                closep(fd); /* open it again next time */
                *fd = -1;
        }
        return r;
}

int scan_node(struct agent *a, struct mq_psi *ret_psi, struct mq_meminfo *ret_mi,
              struct mq_error *err) {
        char buf[1024];
        int r = read_proc(a->proc_fd, &a->psi_fd, "pressure", "memory", buf, sizeof(buf));
        if (r == -ENOENT || r == -EOPNOTSUPP)
                return mq_error_set(err, ENOENT,
                                    "this kernel has no PSI: pressure/memory is missing under the "
                                    "proc root (needs CONFIG_PSI=y, and psi=1 on the kernel "
                                    "command line when CONFIG_PSI_DEFAULT_DISABLED=y)");
        if (r < 0)
                return mq_error_set(err, -r, "cannot read pressure/memory: %s", strerror(-r));
        struct mq_psi psi;
        if (parse_psi_buf(buf, &psi) < 0)
                return mq_error_set(err, EINVAL, "cannot parse pressure/memory: \"%.80s\"", buf);

        struct mq_meminfo mi;
        r = scan_meminfo(a, &mi, err);
        if (r < 0)
                return r;
        *ret_psi = psi;
        *ret_mi = mi;
        return 0;
}

int scan_meminfo(struct agent *a, struct mq_meminfo *ret, struct mq_error *err) {
        /* ~1.5 KiB today; 4 KiB leaves room, and stays on the stack. */
        char buf[4096];
        int r = read_proc(a->proc_fd, &a->meminfo_fd, NULL, "meminfo", buf, sizeof(buf));
        if (r < 0)
                return mq_error_set(err, -r, "cannot read meminfo: %s", strerror(-r));
        struct mq_meminfo mi;
        if (parse_meminfo_buf(buf, &mi) < 0)
                return mq_error_set(err, EINVAL,
                                    "cannot parse meminfo: expected MemTotal and MemAvailable "
                                    "lines in kB");
        /* Every reading feeds the fill rate (policy/headroom.h). */
        mq_fill_meter_add(&a->fill, now_ms(), mi.mem_available);
        *ret = mi;
        return 0;
}

int scan_vmstat_oom_kill(struct agent *a, uint64_t *ret) {
        /* ~6 KiB on 6.x kernels with every counter configured. */
        char buf[16384];
        int r = read_proc(a->proc_fd, &a->vmstat_fd, NULL, "vmstat", buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_vmstat_oom_kill_buf(buf, ret);
}

static int vanished(int r) {
        /* kernfs: ENOENT once the directory is gone, ENODEV when reading a
         * file of a cgroup removed after open. */
        return r == -ENOENT || r == -ENODEV;
}

static void read_limit(int fd, const char *name, uint64_t dflt, uint64_t *ret) {
        if (cgroup_read_u64(fd, name, ret) < 0)
                *ret = dflt;
}

static int containers_push(struct mq_pod *pod, size_t *cap, const struct mq_container *c) {
        if (grow_array((void **)&pod->containers, cap, pod->n_containers, sizeof(*c), 4) < 0)
                return -ENOMEM;
        pod->containers[pod->n_containers++] = *c;
        return 0;
}

/* The containers of a pod, for the livelock guard: the hook sets
 * memory.high on containers, so a stuck task is held by its container's
 * limit. crun puts the task one level deeper, in a "container" child, where
 * the hook's values are; use that when present. */
static int read_containers(int pod_fd, struct mq_pod *pod) {
        _cleanup_closedir_ DIR *d = NULL;
        int r = cgroup_opendir(pod_fd, &d);
        if (r < 0)
                return r;
        size_t cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                struct mq_container c = {0};
                if (de->d_name[0] == '.' ||
                    kube_container_id_from_name(de->d_name, c.id, sizeof(c.id)) < 0)
                        continue;
                _cleanup_close_ int fd =
                        openat(pod_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                _cleanup_close_ int inner =
                        openat(fd, "container", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int n = snprintf(c.cgroup, sizeof(c.cgroup), "%s/%s%s", pod->cgroup, de->d_name,
                                 inner >= 0 ? "/container" : "");
                if (n < 0 || (size_t)n >= sizeof(c.cgroup))
                        continue;
                int cfd = inner >= 0 ? inner : fd;
                if (cgroup_read_u64(cfd, "memory.current", &c.current) < 0)
                        continue; /* gone, or not a memory cgroup */
                read_limit(cfd, "memory.high", MQ_UNLIMITED, &c.high);
                read_limit(cfd, "memory.max", MQ_UNLIMITED, &c.max);
                r = containers_push(pod, &cap, &c);
                if (r < 0)
                        return r;
        }
        return 0;
}

int scan_read_pod_limits(int fd, struct mq_pod *pod, char *big) {
        int r = cgroup_read_u64(fd, "memory.current", &pod->current);
        if (r < 0)
                return vanished(r) ? -ENOENT : r;

        r = cgroup_read_file(fd, "memory.stat", big, BIG_FILE_MAX);
        if (vanished(r))
                return -ENOENT;
        struct mq_memory_stat ms = {0};
        if (r >= 0 && parse_memory_stat_buf(big, &ms) < 0)
                log_warn("%s/memory.stat: unexpected format, reading as zeros", pod->cgroup);
        pod->anon = ms.anon;
        pod->file = ms.file;
        pod->inactive_file = ms.inactive_file;
        pod->shmem = ms.shmem;

        read_limit(fd, "memory.min", 0, &pod->min);
        read_limit(fd, "memory.low", 0, &pod->low);
        read_limit(fd, "memory.high", MQ_UNLIMITED, &pod->high);
        read_limit(fd, "memory.max", MQ_UNLIMITED, &pod->max);
        return 0;
}

int scan_read_pod(int fd, struct mq_pod *pod, char *big) {
        int r = scan_read_pod_limits(fd, pod, big);
        if (r < 0)
                return r;
        if (cgroup_read_file(fd, "memory.events", big, BIG_FILE_MAX) >= 0)
                (void)parse_memory_events_buf(big, &pod->events);
        if (cgroup_read_file(fd, "memory.pressure", big, BIG_FILE_MAX) >= 0)
                (void)parse_psi_buf(big, &pod->psi);
        return read_containers(fd, pod) == -ENOMEM ? -ENOMEM : 0;
}

const struct mq_pod *scan_find_pod(const struct mq_snapshot *s, const char *cgroup) {
        for (size_t i = 0; i < s->n_pods; i++)
                if (streq(s->pods[i].cgroup, cgroup))
                        return &s->pods[i];
        return NULL;
}

void scan_pod_init(struct mq_pod *p, const char *uid, const char *cgroup) {
        *p = (struct mq_pod){.qos = kube_qos_from_path(cgroup),
                             .priority = MQ_PRIO_NORMAL,
                             .record_high = MQ_UNLIMITED};
        (void)snprintf(p->uid, sizeof(p->uid), "%s", uid);
        (void)snprintf(p->cgroup, sizeof(p->cgroup), "%s", cgroup);
}

static int pods_push(struct mq_snapshot *s, size_t *cap, const struct mq_pod *pod) {
        if (grow_array((void **)&s->pods, cap, s->n_pods, sizeof(*pod), 32) < 0)
                return -ENOMEM;
        s->pods[s->n_pods++] = *pod;
        return 0;
}

static int is_dir(int dfd, const struct dirent *de) {
        if (de->d_type == DT_DIR)
                return 1;
        if (de->d_type != DT_UNKNOWN)
                return 0;
        struct stat st;
        return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int is_qos_dir(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(scan_qos_dirs); i++)
                if (streq(name, scan_qos_dirs[i]))
                        return 1;
        return 0;
}

/* A cgroup under kubepods named like a pod but not one (a UID that is not
 * the kubelet's UUID, say): the agent cannot rank or act on it, so say so
 * once per name, and count it, instead of leaving "0 pods" unexplained. */
static void note_odd_pod(struct agent *a, const char *path, const char *name) {
        const char *why = kube_pod_name_problem(name);
        if (!why)
                return;
        for (size_t i = 0; i < a->odd.n && i < AGENT_ODD_MAX; i++)
                if (strncmp(a->odd.path[i], path, sizeof(a->odd.path[i])) == 0)
                        return;
        a->cnt.odd_pod_cgroups++;
        if (a->odd.n >= AGENT_ODD_MAX) {
                if (a->odd.n++ == AGENT_ODD_MAX)
                        log_warn("more pod-shaped cgroups that are not pods: counted "
                                 "(memqos_odd_pod_cgroups_total), no longer named");
                return;
        }
        (void)snprintf(a->odd.path[a->odd.n++], sizeof(a->odd.path[0]), "%s", path);
        log_warn("%s: named like a pod cgroup but not one: %s; not ranked or acted on", path, why);
}

/* Add every pod below the directory dfd (path `path`); descend once into
 * QoS-level directories when `descend`. */
static int scan_dir(struct agent *a, int dfd, const char *path, int descend, struct mq_snapshot *s,
                    size_t *cap, char *big) {
        _cleanup_closedir_ DIR *d = NULL;
        int r = cgroup_opendir(dfd, &d);
        if (r < 0)
                return r;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !is_dir(dfd, de))
                        continue;
                char uid[MQ_POD_UID_MAX];
                int pod = kube_pod_uid_from_name(de->d_name, uid) == 0;
                if (!pod && !(descend && is_qos_dir(de->d_name))) {
                        char odd[sizeof(s->pods[0].cgroup)];
                        int n = snprintf(odd, sizeof(odd), "%s/%s", path, de->d_name);
                        if (n > 0 && (size_t)n < sizeof(odd))
                                note_odd_pod(a, odd, de->d_name);
                        continue;
                }
                _cleanup_close_ int fd =
                        openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue; /* gone since readdir */
                char sub[sizeof(s->pods[0].cgroup)];
                int n = snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                if (n < 0 || (size_t)n >= sizeof(sub))
                        continue;
                if (!pod) {
                        r = scan_dir(a, fd, sub, 0, s, cap, big);
                        if (r == -ENOMEM)
                                return r;
                        continue;
                }
                struct mq_pod p;
                scan_pod_init(&p, uid, sub);
                r = scan_read_pod(fd, &p, big);
                if (r == -ENOMEM) {
                        free(p.containers);
                        return r;
                }
                if (r == -ENOENT) {
                        free(p.containers);
                        continue;
                }
                if (r < 0) {
                        free(p.containers);
                        log_warn("skipping pod cgroup %s: %s", sub, strerror(-r));
                        continue;
                }
                r = pods_push(s, cap, &p);
                if (r < 0) {
                        free(p.containers);
                        return r;
                }
        }
        return 0;
}

/* Apply what the records say about a pod: the lowest priority among its
 * containers, its name, namespace and the memory.high its containers got. */
void scan_apply_records_pod(const struct agent_records *recs, struct mq_pod *p) {
        uint64_t high_sum = 0;
        bool high_all = true;
        for (size_t j = 0; j < recs->n; j++) {
                const struct mq_record *rec = &recs->v[j];
                char uid[MQ_POD_UID_MAX];
                if (records_pod_uid(rec, uid) < 0 || !streq(uid, p->uid))
                        continue;
                if (!p->has_record || rec->priority < p->priority)
                        p->priority = rec->priority;
                if (!p->has_record) {
                        (void)snprintf(p->name, sizeof(p->name), "%s",
                                       rec->pod_name ? rec->pod_name : "");
                        (void)snprintf(p->ns, sizeof(p->ns), "%s",
                                       rec->pod_namespace ? rec->pod_namespace : "");
                }
                p->has_record = true;
                const char *og = record_applied(rec, "memory.oom.group");
                if (og && streq(og, "1"))
                        p->oom_group = true;
                uint64_t h;
                const char *hs = record_applied(rec, "memory.high");
                if (!hs || cgroup_parse_u64(hs, &h) < 0 || h == MQ_UNLIMITED ||
                    h > MQ_UNLIMITED - 1 - high_sum)
                        high_all = false;
                else
                        high_sum += h;
        }
        /* A container without a memory.high leaves the pod unbounded. */
        p->record_high = p->has_record && high_all ? high_sum : MQ_UNLIMITED;
}

static void read_ancestor(int fd, struct mq_ancestor_prot *ret) {
        struct mq_ancestor_prot ap = {0};
        ap.known = cgroup_read_u64(fd, "memory.min", &ap.min) == 0 &&
                   cgroup_read_u64(fd, "memory.low", &ap.low) == 0;
        *ret = ap.known ? ap : (struct mq_ancestor_prot){0};
}

/* The protection of kubepods and its QoS-class cgroups: the kernel caps
 * the pods' by theirs (policy/protection.h). */
static void read_ancestors(int root_fd, struct mq_snapshot *s) {
        read_ancestor(root_fd, &s->ancestors[MQ_ANC_KUBEPODS]);
        for (size_t i = 0; i < ELEMENTSOF(scan_qos_dirs); i++) {
                _cleanup_close_ int fd = openat(root_fd, scan_qos_dirs[i],
                                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                enum mq_ancestor a = strstr(scan_qos_dirs[i], "burstable") ? MQ_ANC_BURSTABLE
                                                                           : MQ_ANC_BESTEFFORT;
                read_ancestor(fd, &s->ancestors[a]);
        }
}

void scan_read_protection(struct agent *a, struct mq_snapshot *s) {
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++) {
                _cleanup_close_ int fd = openat(a->cg_fd, scan_kubepods_roots[i],
                                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        read_ancestors(fd, s);
        }
        for (size_t i = 0; i < s->n_pods; i++) {
                struct mq_pod *p = &s->pods[i];
                _cleanup_close_ int fd = openat(a->cg_fd, p->cgroup + 1,
                                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue; /* gone: the next refresh drops it */
                read_limit(fd, "memory.min", p->min, &p->min);
                read_limit(fd, "memory.low", p->low, &p->low);
        }
}

static void apply_records(const struct agent_records *recs, struct mq_snapshot *s) {
        for (size_t i = 0; i < s->n_pods; i++)
                scan_apply_records_pod(recs, &s->pods[i]);
}

int scan_snapshot(struct agent *a, enum mq_trigger trigger, struct mq_snapshot *ret,
                  struct mq_error *err) {
        struct mq_snapshot s = {.trigger = trigger, .now_ms = now_ms()};
        struct mq_meminfo mi = {0};
        int r = scan_node(a, &s.node_psi, &mi, err);
        if (r < 0)
                return r;
        s.mem_total = mi.mem_total;
        s.mem_available = mi.mem_available;
        s.fill_rate = mq_fill_meter_rate(&a->fill);

        char *big = malloc(BIG_FILE_MAX);
        if (!big)
                return -ENOMEM;
        size_t cap = 0;
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++) {
                char path[64];
                (void)snprintf(path, sizeof(path), "/%s", scan_kubepods_roots[i]);
                _cleanup_close_ int fd = openat(a->cg_fd, scan_kubepods_roots[i],
                                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                read_ancestors(fd, &s);
                r = scan_dir(a, fd, path, 1, &s, &cap, big);
                if (r < 0) {
                        free(big);
                        snapshot_done(&s);
                        return mq_error_set(err, -r, "cannot scan %s: %s", path, strerror(-r));
                }
        }
        free(big);
        apply_records(&a->recs, &s);
        *ret = s;
        return 0;
}
