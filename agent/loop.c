/* SPDX-License-Identifier: MIT */
#include "loop.h"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>

#include "act.h"
#include "cgfs.h"
#include "confine.h"
#include "ctl.h"
#include "log.h"
#include "persist.h"
#include "psi.h"
#include "records.h"
#include "scan.h"

#define MIN_EVENT_GAP_MS 100 /* memory.events can change ~50 times a second per pod */
#define PSI_FALLBACK_MS  1000
#define WATERMARK_MIN_MS 100
#define WATERMARK_MAX_MS 1000
/* earlyoom's worst case: RAM filling at 6000 MiB/s. Sleeping headroom / rate
 * means memory cannot run out between two reads of /proc/meminfo. */
#define WORST_FILL_BYTES_PER_MS (6000ULL * 1024 * 1024 / 1000)

enum tag {
        TAG_SIGNAL = 1,
        TAG_INOTIFY,
        TAG_TIMER,
        TAG_CONTROL,
        TAG_PSI_NODE,
        TAG_PSI_KUBE, /* + index of the kubepods root */
};

struct psi_watch {
        int fd;           /* -1 when not armed */
        bool unsupported; /* not a kernel PSI file, or the kernel refused: use the timer */
};

struct loop {
        struct agent *a;
        int epfd, sigfd, inofd, tfd, ctlfd;
        struct psi_watch node, kube[2];
        int records_wd;
        int dir_wds[8];
        size_t n_dir_wds;
        bool rewatch, records_dirty, pending, stop;
        enum mq_trigger pending_trigger;
        uint64_t last_scan_ms, last_reconcile_ms, last_decide_ms;
        uint64_t last_meminfo_ms; /* the watermark timer's last read of meminfo */
        bool reconcile_now;       /* first cycle, or the records changed */
        bool warned_persist;
};

/* Most urgent first: the order in which simultaneous wakeups are reported. */
static int urgency(enum mq_trigger t) {
        switch (t) {
        case MQ_TRIGGER_PSI_NODE:
                return 6;
        case MQ_TRIGGER_PSI_KUBEPODS:
                return 5;
        case MQ_TRIGGER_WATERMARK:
                return 4;
        case MQ_TRIGGER_EVENTS:
                return 3;
        case MQ_TRIGGER_RECORD:
                return 2;
        default:
                return 1;
        }
}

static void psi_close(struct loop *l, struct psi_watch *w) {
        if (w->fd >= 0) {
                (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
                (void)close(w->fd);
        }
        w->fd = -1;
}

/* psi_write() turns the last byte written into a NUL: send it. */
static int write_trigger(int fd, uint64_t stall_us, uint64_t window_us) {
        char trig[64];
        int r = psi_trigger_format(stall_us, window_us, trig, sizeof(trig));
        if (r < 0)
                return r;
        if (write(fd, trig, strlen(trig) + 1) < 0)
                return negative_errno();
        return 0;
}

/* Without CAP_SYS_RESOURCE (a container's root, say) kernels since 6.5
 * accept only triggers whose window is a multiple of 2 s: they ride on the
 * 2 s averaging instead of a real-time poller (psi.rst, "unprivileged
 * users"). Older kernels say EPERM or EINVAL alike. Retry once with the
 * window rounded up and the stall scaled to the same share. */
static int psi_write_trigger(int fd, uint64_t stall_us, uint64_t window_us, const char *what) {
        int r = write_trigger(fd, stall_us, window_us);
        if ((r != -EINVAL && r != -EPERM) || window_us % 2000000 == 0)
                return r;
        uint64_t w2 = (window_us + 1999999) / 2000000 * 2000000;
        uint64_t s2 = stall_us * w2 / window_us;
        if (w2 > 10000000 || write_trigger(fd, s2, w2) < 0)
                return r;
        log_warn("%s: no CAP_SYS_RESOURCE for a %" PRIu64 " us window; armed the unprivileged "
                 "trigger \"some %" PRIu64 " %" PRIu64 "\" (same share, 2 s granularity)",
                 what, window_us, s2, w2);
        return 0;
}

/* Open a PSI file O_RDWR|O_NONBLOCK and write a trigger (psi.rst). Only a
 * real procfs or cgroup2 file can carry one: on a plain file (a test's fake
 * tree) the write would just change the file, so check the file system
 * first and fall back to the timer. */
static int psi_arm(struct loop *l, struct psi_watch *w, int dirfd, const char *name, long magic,
                   uint64_t stall_us, uint64_t window_us, uint64_t tag, const char *what) {
        char trig[64];
        int r = psi_trigger_format(stall_us, window_us, trig, sizeof(trig));
        if (r < 0) {
                log_warn("%s: PSI trigger \"some %" PRIu64 " %" PRIu64 "\" is out of range (window "
                         "500000..10000000 us, stall <= window); using the timer",
                         what, stall_us, window_us);
                w->unsupported = true;
                return r;
        }
        _cleanup_close_ int fd =
                openat(dirfd, name, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return negative_errno(); /* the cgroup may come later */
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0 || sfs.f_type != magic) {
                log_info("%s is not a kernel PSI file (fake tree?): no trigger, waking by timer "
                         "every %d ms",
                         what, PSI_FALLBACK_MS);
                w->unsupported = true;
                return -EOPNOTSUPP;
        }
        r = psi_write_trigger(fd, stall_us, window_us, what);
        if (r < 0) {
                log_warn("%s: the kernel refused the PSI trigger \"%s\": %s; waking by timer "
                         "every %d ms instead",
                         what, trig, strerror(-r), PSI_FALLBACK_MS);
                w->unsupported = true;
                return r;
        }
        struct epoll_event ev = {.events = EPOLLPRI, .data.u64 = tag};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return negative_errno();
        w->fd = TAKE_FD(fd);
        return 0;
}

static void psi_arm_node(struct loop *l) {
        struct agent *a = l->a;
        if (l->node.fd >= 0 || l->node.unsupported)
                return;
        _cleanup_close_ int pfd =
                openat(a->proc_fd, "pressure", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pfd >= 0)
                (void)psi_arm(l, &l->node, pfd, "memory", PROC_SUPER_MAGIC, a->cfg.psi_node_some_us,
                              a->cfg.psi_node_window_us, TAG_PSI_NODE, "pressure/memory");
        a->psi_node_mode = l->node.fd >= 0 ? "trigger" : "timer";
}

static void psi_arm_kubepods(struct loop *l) {
        struct agent *a = l->a;
        bool any = false, armed = false;
        for (size_t i = 0; i < ELEMENTSOF(l->kube); i++) {
                _cleanup_close_ int dfd = openat(a->cg_fd, scan_kubepods_roots[i],
                                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0)
                        continue;
                any = true;
                if (l->kube[i].fd < 0 && !l->kube[i].unsupported) {
                        char what[64];
                        (void)snprintf(what, sizeof(what), "%s/memory.pressure",
                                       scan_kubepods_roots[i]);
                        (void)psi_arm(l, &l->kube[i], dfd, "memory.pressure", CGROUP2_SUPER_MAGIC,
                                      a->cfg.psi_kubepods_some_us, a->cfg.psi_kubepods_window_us,
                                      TAG_PSI_KUBE + i, what);
                }
                armed |= l->kube[i].fd >= 0;
        }
        a->psi_kubepods_mode = armed ? "trigger" : any ? "timer" : "none";
}

static void psi_rearm_all(struct loop *l) {
        psi_close(l, &l->node);
        l->node.unsupported = false;
        for (size_t i = 0; i < ELEMENTSOF(l->kube); i++) {
                psi_close(l, &l->kube[i]);
                l->kube[i].unsupported = false;
        }
        psi_arm_node(l);
        psi_arm_kubepods(l);
}

static int add_watch(struct loop *l, const char *cgpath, const char *file, uint32_t mask) {
        char path[MQ_CGROUP_PATH_MAX + 64];
        int n = snprintf(path, sizeof(path), "%s%s%s%s", l->a->opts.cgroup_root, cgpath,
                         file ? "/" : "", file ? file : "");
        if (n < 0 || (size_t)n >= sizeof(path))
                return -ENAMETOOLONG;
        int wd = inotify_add_watch(l->inofd, path, mask | IN_DONT_FOLLOW);
        return wd < 0 ? negative_errno() : wd;
}

/* Watch kubepods and QoS-level directories (new pods appear there) and
 * their memory.events; then each pod's memory.events. cgroup-v2.rst:
 * "memory.events ... a value change in this file generates a file modified
 * event". inotify_add_watch on a watched inode returns the same wd, so this
 * can run again whenever pods may have appeared. */
static void rewatch(struct loop *l) {
        const uint32_t dirmask = IN_CREATE | IN_DELETE | IN_ONLYDIR;
        l->n_dir_wds = 0;
        for (size_t i = 0; i < ELEMENTSOF(scan_kubepods_roots); i++) {
                char root[64];
                (void)snprintf(root, sizeof(root), "/%s", scan_kubepods_roots[i]);
                int wd = add_watch(l, root, NULL, dirmask);
                if (wd < 0)
                        continue;
                l->dir_wds[l->n_dir_wds++] = wd;
                (void)add_watch(l, root, "memory.events", IN_MODIFY);
                for (size_t q = 0; q < ELEMENTSOF(scan_qos_dirs); q++) {
                        char qos[128];
                        (void)snprintf(qos, sizeof(qos), "%s/%s", root, scan_qos_dirs[q]);
                        wd = add_watch(l, qos, NULL, dirmask);
                        if (wd < 0)
                                continue;
                        if (l->n_dir_wds < ELEMENTSOF(l->dir_wds))
                                l->dir_wds[l->n_dir_wds++] = wd;
                        (void)add_watch(l, qos, "memory.events", IN_MODIFY);
                }
        }
        for (size_t i = 0; i < l->a->snap.n_pods; i++)
                (void)add_watch(l, l->a->snap.pods[i].cgroup, "memory.events", IN_MODIFY);
        l->rewatch = false;
}

static uint64_t pct_of(uint64_t total, double pct) {
        if (pct <= 0)
                return 0;
        return (uint64_t)((double)total * pct / 100.0);
}

/* The adaptive MemAvailable timer (earlyoom's rule): sleep the headroom to
 * the next watermark divided by the worst-case fill rate, clamped to
 * 100 ms..1 s; 0 (off) only when the watermarks are disabled. It runs even
 * with plenty of memory: anonymous growth without swap records almost no
 * stall before the OOM killer fires (DESIGN.md), so neither PSI nor
 * memory.events would tell us that the watermark is near. Each tick reads
 * two small procfs files, a few microseconds. */
static uint64_t watermark_delay_ms(const struct agent *a) {
        const struct mq_snapshot *s = &a->snap;
        uint64_t reclaim = pct_of(s->mem_total, a->cfg.watermark_reclaim_pct);
        uint64_t kill = pct_of(s->mem_total, a->cfg.watermark_kill_pct);
        if ((reclaim == 0 && kill == 0) || s->mem_total == 0)
                return 0;
        uint64_t floor = s->mem_available > reclaim ? reclaim : kill;
        uint64_t headroom = s->mem_available > floor ? s->mem_available - floor : 0;
        uint64_t ms = headroom / WORST_FILL_BYTES_PER_MS;
        return ms < WATERMARK_MIN_MS   ? WATERMARK_MIN_MS
               : ms > WATERMARK_MAX_MS ? WATERMARK_MAX_MS
                                       : ms;
}

static void min_deadline(uint64_t *best, uint64_t t) {
        if (*best == 0 || t < *best)
                *best = t;
}

static void arm_timer(struct loop *l) {
        const struct agent *a = l->a;
        uint64_t next = 0;
        if (a->cfg.reconcile_ms)
                min_deadline(&next, l->last_reconcile_ms + a->cfg.reconcile_ms);
        /* The decision core's own schedule: next ladder step, relief check,
         * relax step, livelock sample. Never sooner than MIN_EVENT_GAP_MS
         * after the last decision, so a deadline the core leaves in the past
         * cannot turn into a busy loop. */
        uint64_t d = mq_next_deadline_ms(&a->cfg, &a->st);
        if (d)
                min_deadline(&next, d > l->last_decide_ms + MIN_EVENT_GAP_MS
                                            ? d
                                            : l->last_decide_ms + MIN_EVENT_GAP_MS);
        uint64_t wm = watermark_delay_ms(a);
        if (wm)
                min_deadline(&next, l->last_meminfo_ms + wm);
        if (l->node.fd < 0)
                min_deadline(&next, l->last_scan_ms + PSI_FALLBACK_MS);
        if (l->pending)
                min_deadline(&next, l->last_scan_ms + MIN_EVENT_GAP_MS);

        struct itimerspec its = {0};
        if (next) {
                uint64_t now = agent_now_ms();
                if (next <= now)
                        next = now + 1;
                its.it_value.tv_sec = (time_t)(next / 1000);
                its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
        }
        (void)timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static bool acted(const struct mq_actions *acts) {
        for (size_t i = 0; i < acts->n; i++)
                if (acts->v[i].kind != MQ_ACT_NOTE)
                        return true;
        return false;
}

/* Keep the decision state on disk after every step, so that an agent
 * killed and restarted neither forgets a throttle nor kills twice. */
static void save_state(struct loop *l) {
        int r = persist_save(l->a);
        if (r < 0 && !l->warned_persist) {
                log_warn("cannot save %s/%s: %s; a restarted agent would start afresh",
                         l->a->opts.state_dir, AGENT_STATE_FILE, strerror(-r));
                l->warned_persist = true;
        }
}

/* Scan, decide, act; reconcile and propagate when due. */
static void cycle(struct loop *l, enum mq_trigger trigger) {
        struct agent *a = l->a;
        if (l->records_dirty) {
                struct agent_records recs;
                int r = records_load_all(a->state_fd, &recs);
                if (r < 0)
                        log_warn("cannot read the records: %s", strerror(-r));
                else {
                        records_done(&a->recs);
                        a->recs = recs;
                        l->records_dirty = false;
                        /* A new container's protection only works once its
                         * ancestors carry it: propagate now, not in 30 s. */
                        l->reconcile_now = true;
                }
        }
        struct mq_snapshot snap;
        struct mq_error err = {{0}};
        int r = scan_snapshot(a, trigger, &snap, &err);
        l->last_scan_ms = l->last_meminfo_ms = agent_now_ms();
        l->pending = false;
        if (r < 0) {
                log_warn("scan failed: %s", err.msg);
                return;
        }
        a->cnt.scans++;
        if (trigger != MQ_TRIGGER_PSI_NODE && trigger != MQ_TRIGGER_PSI_KUBEPODS &&
            snap.mem_available < pct_of(snap.mem_total, a->cfg.watermark_reclaim_pct))
                snap.trigger = MQ_TRIGGER_WATERMARK;

        struct mq_actions acts = {0};
        bool was_in_episode = a->st.in_episode;
        r = mq_decide(&a->cfg, &snap, &a->st, &acts);
        a->cnt.decisions++;
        l->last_decide_ms = l->last_scan_ms;
        if (r < 0)
                log_warn("decision failed: %s", strerror(-r));
        else
                act_execute_all(a, &snap, &acts, NULL);
        if (r == 0 && (acted(&acts) || was_in_episode != a->st.in_episode))
                save_state(l);
        mq_actions_done(&acts);

        if (l->reconcile_now || (a->cfg.reconcile_ms &&
                                 l->last_scan_ms >= l->last_reconcile_ms + a->cfg.reconcile_ms)) {
                l->reconcile_now = false;
                act_reconcile(a, &snap);
                act_propagate(a, &snap);
                l->last_reconcile_ms = l->last_scan_ms;
        }
        snapshot_done(&a->snap);
        a->snap = snap;
        if (l->rewatch)
                rewatch(l);
        /* Re-arm what POLLERR closed (a kubepods cgroup recreated, say). */
        psi_arm_node(l);
        psi_arm_kubepods(l);
}

static void reload(struct loop *l) {
        struct agent *a = l->a;
        if (!a->opts.config_path) {
                log_info("SIGHUP: no --config given, the built-in defaults stay");
                return;
        }
        struct mq_config cfg;
        struct mq_error err = {{0}};
        int r = agent_config_load(a->opts.config_path, &cfg, &err);
        if (r < 0) {
                a->cnt.reload_errors++;
                log_warn("SIGHUP: %s; keeping the previous configuration", err.msg);
                return;
        }
        a->cfg = cfg;
        a->cnt.reloads++;
        log_info("SIGHUP: configuration reloaded from %s%s", a->opts.config_path,
                 agent_dry_run(a) ? " (dry-run)" : "");
        psi_rearm_all(l); /* thresholds may have changed */
}

static void on_signal(struct loop *l) {
        struct signalfd_siginfo si;
        while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                l->a->cnt.wakeups_signal++;
                if (si.ssi_signo == SIGHUP)
                        reload(l);
                else {
                        log_info("%s: exiting", strsignal((int)si.ssi_signo));
                        l->stop = true;
                }
        }
}

/* Drain inotify; returns the trigger it amounts to (TIMER = nothing). */
static enum mq_trigger on_inotify(struct loop *l) {
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        enum mq_trigger t = MQ_TRIGGER_TIMER;
        for (;;) {
                ssize_t n = read(l->inofd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        p += sizeof(*ev) + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                l->rewatch = l->records_dirty = true;
                                t = MQ_TRIGGER_EVENTS;
                                continue;
                        }
                        if (ev->wd == l->records_wd) {
                                l->records_dirty = true;
                                if (urgency(MQ_TRIGGER_RECORD) > urgency(t))
                                        t = MQ_TRIGGER_RECORD;
                                continue;
                        }
                        for (size_t i = 0; i < l->n_dir_wds; i++)
                                if (ev->wd == l->dir_wds[i])
                                        l->rewatch = true;
                        if (ev->mask & IN_IGNORED)
                                continue; /* the pod's cgroup is gone */
                        t = MQ_TRIGGER_EVENTS;
                }
        }
        return t;
}

static int setup_fds(struct loop *l) {
        struct agent *a = l->a;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return negative_errno();
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        l->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        l->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (l->epfd < 0 || l->sigfd < 0 || l->inofd < 0 || l->tfd < 0)
                return negative_errno();
        struct mq_error err = {{0}};
        int r = ctl_listen(a->opts.state_dir, &l->ctlfd, &err);
        if (r < 0) {
                log_warn("%s", err.msg);
                return r;
        }
        const struct {
                int fd;
                uint64_t tag;
        } fixed[] = {{l->sigfd, TAG_SIGNAL},
                     {l->inofd, TAG_INOTIFY},
                     {l->tfd, TAG_TIMER},
                     {l->ctlfd, TAG_CONTROL}};
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = fixed[i].tag};
                if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fixed[i].fd, &ev) < 0)
                        return negative_errno();
        }
        /* The hook creates containers/ on its first record; create it now so
         * that it can be watched from the start. */
        (void)mkdirat(a->state_fd, MQ_RECORD_DIR, 0755);
        char dir[4096];
        if (agent_path_join(dir, sizeof(dir), a->opts.state_dir, MQ_RECORD_DIR) == 0)
                l->records_wd = inotify_add_watch(l->inofd, dir,
                                                  IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                                          IN_DELETE | IN_CLOSE_WRITE | IN_ONLYDIR);
        if (l->records_wd < 0)
                log_warn("cannot watch %s: %s; records are re-read on each reconcile", dir,
                         strerror(errno));
        return 0;
}

static void loop_close(struct loop *l) {
        char sock[4096];
        /* Ours to remove: a later `status` then says "not running" at once. */
        if (l->ctlfd >= 0 &&
            agent_path_join(sock, sizeof(sock), l->a->opts.state_dir, AGENT_SOCKET_NAME) == 0)
                (void)unlink(sock);
        psi_close(l, &l->node);
        for (size_t i = 0; i < ELEMENTSOF(l->kube); i++)
                psi_close(l, &l->kube[i]);
        closep(&l->epfd);
        closep(&l->sigfd);
        closep(&l->inofd);
        closep(&l->tfd);
        closep(&l->ctlfd);
}

/* Timer slack: a deadline this close counts as due. */
#define DUE_SLACK_MS 2

/* Is anything other than the watermark due: a pending event, the PSI
 * fallback, a ladder step of the decision core, or reconcile? */
static bool full_cycle_due(const struct loop *l, uint64_t now) {
        const struct agent *a = l->a;
        uint64_t soon = now + DUE_SLACK_MS;
        uint64_t d = mq_next_deadline_ms(&a->cfg, &a->st);
        return l->pending || l->reconcile_now ||
               (l->node.fd < 0 && soon >= l->last_scan_ms + PSI_FALLBACK_MS) || (d && soon >= d) ||
               (a->cfg.reconcile_ms && soon >= l->last_reconcile_ms + a->cfg.reconcile_ms);
}

/* The watermark timer alone: read /proc/meminfo and PSI (microseconds) and
 * take a full snapshot only when MemAvailable fell below the reclaim
 * watermark. Returns true when that was all there was to do. */
static bool watermark_only(struct loop *l) {
        struct agent *a = l->a;
        struct mq_meminfo mi;
        struct mq_psi psi;
        struct mq_error err = {{0}};
        a->cnt.wakeups[MQ_TRIGGER_WATERMARK]++;
        l->last_meminfo_ms = agent_now_ms();
        if (scan_node(a->proc_fd, &psi, &mi, &err) < 0)
                return false; /* let the full cycle report it */
        a->snap.node_psi = psi;
        a->snap.mem_total = mi.mem_total;
        a->snap.mem_available = mi.mem_available;
        if (mi.mem_available >= pct_of(mi.mem_total, a->cfg.watermark_reclaim_pct))
                return true;
        cycle(l, MQ_TRIGGER_WATERMARK);
        return true;
}

static void handle(struct loop *l, const struct epoll_event *evs, int n) {
        enum mq_trigger best = MQ_TRIGGER_TIMER;
        bool woke = false, timer = false, control = false;
        for (int i = 0; i < n; i++) {
                uint64_t tag = evs[i].data.u64;
                enum mq_trigger t = MQ_TRIGGER_TIMER;
                if (tag == TAG_SIGNAL)
                        on_signal(l);
                else if (tag == TAG_CONTROL)
                        control = true;
                else if (tag == TAG_TIMER) {
                        uint64_t ticks;
                        (void)!read(l->tfd, &ticks, sizeof(ticks));
                        timer = true;
                } else if (tag == TAG_INOTIFY)
                        t = on_inotify(l);
                else if (tag == TAG_PSI_NODE || tag >= TAG_PSI_KUBE) {
                        struct psi_watch *w =
                                tag == TAG_PSI_NODE ? &l->node : &l->kube[tag - TAG_PSI_KUBE];
                        if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                                /* psi.rst: POLLERR when the monitored cgroup
                                 * is deleted; re-armed after the next scan. */
                                psi_close(l, w);
                                l->a->cnt.psi_lost++;
                                continue;
                        }
                        t = tag == TAG_PSI_NODE ? MQ_TRIGGER_PSI_NODE : MQ_TRIGGER_PSI_KUBEPODS;
                }
                if (t != MQ_TRIGGER_TIMER) {
                        l->a->cnt.wakeups[t]++;
                        woke = true;
                        if (urgency(t) > urgency(best))
                                best = t;
                }
        }
        if (l->stop)
                return;
        uint64_t now = agent_now_ms();
        bool pressure = best == MQ_TRIGGER_PSI_NODE || best == MQ_TRIGGER_PSI_KUBEPODS;
        if (pressure || (woke && now >= l->last_scan_ms + MIN_EVENT_GAP_MS))
                cycle(l, best); /* pressure acts at once; other events at most every 100 ms */
        else if (woke) {
                if (!l->pending || urgency(best) > urgency(l->pending_trigger))
                        l->pending_trigger = best;
                l->pending = true;
        } else if (timer && (full_cycle_due(l, now) || !watermark_only(l))) {
                enum mq_trigger t = l->pending ? l->pending_trigger : MQ_TRIGGER_TIMER;
                l->a->cnt.wakeups[t]++;
                cycle(l, t);
        }
        if (control)
                ctl_serve_one(l->a, l->ctlfd);
}

int loop_run(struct agent *a) {
        struct loop l = {
                .a = a,
                .epfd = -1,
                .sigfd = -1,
                .inofd = -1,
                .tfd = -1,
                .ctlfd = -1,
                .node = {.fd = -1},
                .kube = {{.fd = -1}, {.fd = -1}},
                .records_wd = -1,
                .rewatch = true,
                .records_dirty = true,
        };
        /* A kernel without PSI cannot be watched the way this agent works:
         * say so before anything else is set up. */
        struct mq_psi psi;
        struct mq_meminfo mi;
        struct mq_error perr = {{0}};
        int r = scan_node(a->proc_fd, &psi, &mi, &perr);
        if (r < 0) {
                log_error("cannot start: %s", perr.msg);
                return r;
        }
        r = setup_fds(&l);
        if (r < 0) {
                if (r != -EADDRINUSE)
                        log_warn("cannot set up the event loop: %s", strerror(-r));
                loop_close(&l);
                return r;
        }
        psi_arm_node(&l);
        persist_boot_id(a);
        if (persist_load(a) > 0)
                log_info("restored the decision state of %zu pods from %s/%s%s", a->st.n_pods,
                         a->opts.state_dir, AGENT_STATE_FILE,
                         a->st.in_episode ? " (in a pressure episode)" : "");
        l.reconcile_now = true; /* reconcile and propagate on the first cycle */
        cycle(&l, MQ_TRIGGER_TIMER);
        if (!a->snap.mem_total) {
                loop_close(&l);
                return -ENOENT; /* the first scan failed: no PSI, or no meminfo */
        }
        struct mq_error err = {{0}};
        if (!a->opts.no_seccomp && (r = agent_seccomp(&err)) < 0)
                log_warn("%s; running without a seccomp filter", err.msg);
        log_info("running: %zu pods, %zu records, PSI node %s, kubepods %s%s", a->snap.n_pods,
                 a->recs.n, a->psi_node_mode, a->psi_kubepods_mode,
                 agent_dry_run(a) ? ", dry-run: no action is executed" : "");

        while (!l.stop) {
                arm_timer(&l);
                struct epoll_event evs[16];
                int n = epoll_wait(l.epfd, evs, (int)ELEMENTSOF(evs), -1);
                a->wake_us = agent_now_us();
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        log_warn("epoll_wait: %s", strerror(-r));
                        break;
                }
                handle(&l, evs, n);
        }
        if (l.stop)
                save_state(&l);
        loop_close(&l);
        return l.stop ? 0 : r;
}
