/* SPDX-License-Identifier: MIT */
#include "agent_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fstree.h"
#include "runbin.h"

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
        va_list ap;
        char *p;
        va_start(ap, fmt);
        int r = vasprintf(&p, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return p;
}

static const char psi_zero[] = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                               "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
static const char events_zero[] = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n";

/* The files the kernel shows in every non-root cgroup with memory enabled. */
static void cgroup_dir(const struct agent_tree *t, const char *rel) {
        static const char *const files[][2] = {
                {"memory.min", "0\n"},         {"memory.low", "0\n"},
                {"memory.high", "max\n"},      {"memory.max", "max\n"},
                {"memory.current", "0\n"},     {"memory.events", events_zero},
                {"memory.pressure", psi_zero}, {"memory.reclaim", ""},
                {"cgroup.kill", ""},           {"cgroup.procs", ""},
                {"memory.swap.max", "max\n"},  {"memory.oom.group", "0\n"},
        };
        fstree_mkdirs(t->cg, rel);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *p = xasprintf("%s/%s", rel, files[i][0]);
                fstree_write(t->cg, p, files[i][1]);
                free(p);
        }
        char *p = xasprintf("%s/memory.stat", rel);
        fstree_write(t->cg, p, "anon 0\nfile 0\nactive_file 0\ninactive_file 0\nshmem 0\n");
        free(p);
}

static const char *qos_dir(enum agent_tree_driver d, const char *qos) {
        bool sd = d == AGENT_TREE_SYSTEMD;
        if (strcmp(qos, "besteffort") == 0)
                return sd ? "/kubepods.slice/kubepods-besteffort.slice" : "/kubepods/besteffort";
        if (strcmp(qos, "burstable") == 0)
                return sd ? "/kubepods.slice/kubepods-burstable.slice" : "/kubepods/burstable";
        return sd ? "/kubepods.slice" : "/kubepods";
}

void agent_tree_new(struct agent_tree *t, enum agent_tree_driver d) {
        t->root = fstree_mkdtemp();
        t->cg = xasprintf("%s/cg", t->root);
        t->proc = xasprintf("%s/proc", t->root);
        t->state = xasprintf("%s/state", t->root);
        fstree_write(t->root, "cg/cgroup.controllers", "cpu memory pids\n");
        fstree_mkdirs(t->root, "state");
        static const char *const qos[] = {"guaranteed", "besteffort", "burstable"};
        for (size_t i = 0; i < 3; i++)
                cgroup_dir(t, qos_dir(d, qos[i]));
        agent_tree_node(t, 4194304, 3145728, 0.0);
}

void agent_tree_free(struct agent_tree *t) {
        fstree_remove(t->root);
        free(t->root);
        free(t->cg);
        free(t->proc);
        free(t->state);
}

void agent_tree_node(const struct agent_tree *t, uint64_t total_kb, uint64_t avail_kb,
                     double some_avg10) {
        char *psi = xasprintf("some avg10=%.2f avg60=0.00 avg300=0.00 total=%llu\n"
                              "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                              some_avg10, (unsigned long long)(some_avg10 * 100000));
        char *mi = xasprintf("MemTotal:       %llu kB\nMemFree:        %llu kB\n"
                             "MemAvailable:   %llu kB\nBuffers:            0 kB\n",
                             (unsigned long long)total_kb, (unsigned long long)avail_kb / 2,
                             (unsigned long long)avail_kb);
        fstree_write(t->root, "proc/pressure/memory", psi);
        fstree_write(t->root, "proc/meminfo", mi);
        free(psi);
        free(mi);
}

static void write_u64(const struct agent_tree *t, const char *dir, const char *file, uint64_t v) {
        char *p = xasprintf("%s/%s", dir, file), *s = xasprintf("%llu\n", (unsigned long long)v);
        fstree_write(t->cg, p, s);
        free(p);
        free(s);
}

static uint64_t read_current(const struct agent_tree *t, const char *dir) {
        char *rel = xasprintf("%s/memory.current", dir + 1);
        char *v = fstree_read(t->cg, rel);
        uint64_t n = v ? strtoull(v, NULL, 10) : 0;
        free(v);
        free(rel);
        return n;
}

/* As the kernel's hierarchical counter: every ancestor's memory.current
 * moves with the child's (the agent bounds unread pods by their parent's).
 * Growth goes to the ancestors first and a shrink to the child first, so a
 * parent never reads less than its children hold, even to an agent reading
 * between the writes. */
static void move_ancestors(const struct agent_tree *t, const char *cgpath, uint64_t old,
                           uint64_t v) {
        char *dir = xasprintf("%s", cgpath);
        for (char *slash = strrchr(dir, '/'); slash && slash != dir; slash = strrchr(dir, '/')) {
                *slash = '\0';
                uint64_t cur = read_current(t, dir);
                write_u64(t, dir + 1, "memory.current", cur + v - old);
        }
        free(dir);
}

void agent_tree_set_current(const struct agent_tree *t, const char *cgpath, uint64_t v) {
        uint64_t old = read_current(t, cgpath);
        if (v > old)
                move_ancestors(t, cgpath, old, v);
        write_u64(t, cgpath + 1, "memory.current", v);
        if (v <= old)
                move_ancestors(t, cgpath, old, v);
}

char *agent_tree_pod(const struct agent_tree *t, enum agent_tree_driver d,
                     const struct agent_tree_pod *p) {
        char *path;
        if (d == AGENT_TREE_CGROUPFS)
                path = xasprintf("%s/pod%s", qos_dir(d, p->qos), p->uid);
        else {
                char uid[64];
                snprintf(uid, sizeof(uid), "%s", p->uid);
                for (char *c = uid; *c; c++)
                        if (*c == '-')
                                *c = '_';
                bool g = strcmp(p->qos, "guaranteed") == 0;
                path = xasprintf("%s/kubepods%s%s-pod%s.slice", qos_dir(d, p->qos), g ? "" : "-",
                                 g ? "" : p->qos, uid);
        }
        cgroup_dir(t, path);
        agent_tree_set_current(t, path, p->current);
        write_u64(t, path, "memory.min", p->min);
        write_u64(t, path, "memory.low", p->low);
        char *hp = xasprintf("%s/memory.high", path),
             *hv = xasprintf("%s\n", p->high ? p->high : "max");
        fstree_write(t->cg, hp, hv);
        free(hp);
        free(hv);
        char *sp = xasprintf("%s/memory.stat", path);
        char *sv = xasprintf("anon %llu\nfile %llu\nkernel 0\nshmem 0\nactive_file %llu\n"
                             "inactive_file %llu\n",
                             (unsigned long long)p->anon, (unsigned long long)p->file,
                             (unsigned long long)(p->file - p->inactive_file),
                             (unsigned long long)p->inactive_file);
        fstree_write(t->cg, sp, sv);
        free(sp);
        free(sv);
        return path;
}

char *agent_tree_container(const struct agent_tree *t, enum agent_tree_driver d,
                           const char *pod_path, const char *id, const char *high) {
        char *path = d == AGENT_TREE_SYSTEMD ? xasprintf("%s/cri-containerd-%s.scope", pod_path, id)
                                             : xasprintf("%s/%s", pod_path, id);
        cgroup_dir(t, path);
        if (high) {
                char *hp = xasprintf("%s/memory.high", path), *hv = xasprintf("%s\n", high);
                fstree_write(t->cg, hp, hv);
                free(hp);
                free(hv);
        }
        return path;
}

void agent_tree_record(const struct agent_tree *t, const char *id, const char *cgroup,
                       const char *pod_uid, const char *name, const char *ns, const char *priority,
                       const char *applied_json) {
        char *rel = xasprintf("containers/%s.json", id);
        char *text = xasprintf("{\"version\": 1, \"id\": \"%s\", \"pid\": 4242, \"cgroup\": \"%s\","
                               " \"pod\": {\"uid\": \"%s\", \"name\": \"%s\", \"namespace\": "
                               "\"%s\"}, \"container\": \"app\", \"qos\": \"burstable\", "
                               "\"priority\": \"%s\", \"annotations\": {}, \"applied\": {%s}, "
                               "\"time\": 1763765292}\n",
                               id, cgroup, pod_uid, name, ns, priority,
                               applied_json ? applied_json : "");
        fstree_write(t->state, rel, text);
        free(rel);
        free(text);
}

void agent_daemon_start(const struct agent_tree *t, const char *const argv[],
                        struct agent_daemon *ret) {
        static int seq;
        char *bin = runbin_path("memqos-agent");
        ret->out = xasprintf("%s/daemon%d.out", t->root, seq);
        ret->err = xasprintf("%s/daemon%d.err", t->root, seq);
        seq++;
        size_t n = 0;
        while (argv[n])
                n++;
        char **av = calloc(n + 1, sizeof(*av));
        if (!av)
                abort();
        av[0] = bin;
        for (size_t i = 1; i < n; i++)
                av[i] = (char *)argv[i];
        pid_t pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                int o = open(ret->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                int e = open(ret->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
                        _exit(127);
                runbin_assume_cgroup2();
                execv(bin, av);
                _exit(127);
        }
        free(av);
        free(bin);
        ret->pid = pid;
}

static void sleep_ms(int ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int agent_daemon_wait(struct agent_daemon *d, int timeout_ms) {
        int status;
        for (int waited = 0; waited <= timeout_ms; waited += 20) {
                pid_t r = waitpid(d->pid, &status, WNOHANG);
                if (r == d->pid) {
                        d->pid = 0;
                        return status;
                }
                sleep_ms(20);
        }
        (void)kill(d->pid, SIGKILL);
        (void)waitpid(d->pid, &status, 0);
        d->pid = 0;
        return -1;
}

void agent_daemon_free(struct agent_daemon *d) {
        if (d->pid > 0) {
                (void)kill(d->pid, SIGKILL);
                (void)waitpid(d->pid, NULL, 0);
        }
        free(d->out);
        free(d->err);
        d->out = d->err = NULL;
}

bool agent_wait_exists(const char *path, int timeout_ms) {
        struct stat st;
        for (int waited = 0; waited <= timeout_ms; waited += 20) {
                if (lstat(path, &st) == 0)
                        return true;
                sleep_ms(20);
        }
        return false;
}

char *agent_slurp(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;
        if (!f)
                return strdup("");
        FILE *m = open_memstream(&buf, &len);
        if (!m)
                abort();
        int c;
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        return buf;
}

bool agent_wait_text(const char *path, const char *needle, int timeout_ms) {
        for (int waited = 0; waited <= timeout_ms; waited += 20) {
                char *s = agent_slurp(path);
                bool found = strstr(s, needle) != NULL;
                free(s);
                if (found)
                        return true;
                sleep_ms(20);
        }
        return false;
}
