/* SPDX-License-Identifier: MIT */
#include "loop.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "act/persist.h"
#include "confine.h"
#include "core/log.h"
#include "cycle.h"
#include "face/ctl-server.h"
#include "loop-int.h"
#include "sense/curfd.h"
#include "sense/scan.h"
#include "timer.h"
#include "trigger.h"
#include "watch.h"

static void reload(struct loop *l) {
        struct agent *a = l->a;
        /* The node policy's propagation cap may have changed: read it again
         * (a bad file means the built-in policy, as at start-up) and let
         * the next cycle propagate under it. */
        if (agent_policy_load(a) == 0) {
                l->reconcile_now = true;
                log_info("SIGHUP: node policy from %s", a->policy.source);
        }
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
        /* The listener stays as it was opened: binding a new address is a
         * restart's business, and the old one must not vanish with a typo. */
        char listening[sizeof(cfg.metrics_listen)];
        memcpy(listening, a->cfg.metrics_listen, sizeof(listening));
        a->cfg = cfg;
        struct mq_error lerr = {{0}};
        (void)agent_listen_override(a, &lerr); /* validated at start-up */
        if (!streq(listening, a->cfg.metrics_listen)) {
                log_warn("SIGHUP: metrics_listen \"%s\" takes effect at the next start; "
                         "still serving \"%s\"",
                         a->cfg.metrics_listen, listening);
        }
        memcpy(a->cfg.metrics_listen, listening, sizeof(listening));
        l->decide_deadline_ms = mq_next_deadline_ms(&a->cfg, &a->st);
        a->cnt.reloads++;
        log_info("SIGHUP: configuration reloaded from %s%s", a->opts.config_path,
                 agent_dry_run(a) ? " (dry-run)" : "");
        trigger_rearm_all(l); /* thresholds may have changed */
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
        int r = ctl_server_open(&l->ctl, l->epfd, a->opts.state_dir, a->cfg.metrics_listen, &err);
        if (r < 0) {
                log_warn("%s", err.msg);
                return r;
        }
        if (*a->cfg.metrics_listen)
                log_info("metrics on http://%s/metrics", a->cfg.metrics_listen);
        const struct {
                int fd;
                uint64_t tag;
        } fixed[] = {{l->sigfd, TAG_SIGNAL}, {l->inofd, TAG_INOTIFY}, {l->tfd, TAG_TIMER}};
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
        ctl_server_close(&l->ctl, l->a->opts.state_dir);
        trigger_close(l, &l->node);
        for (size_t i = 0; i < ELEMENTSOF(l->kube); i++)
                trigger_close(l, &l->kube[i]);
        closep(&l->epfd);
        closep(&l->sigfd);
        closep(&l->inofd);
        closep(&l->tfd);
}

/* Control clients after everything else in this wakeup: a pressure
 * decision never waits for a reply to be built or written. */
static void serve_control(struct loop *l, const struct epoll_event *evs, int n) {
        for (int i = 0; i < n; i++)
                if (evs[i].data.u64 >= CTL_TAG_BASE)
                        ctl_server_event(&l->ctl, l->a, evs[i].data.u64, evs[i].events);
}

static void handle(struct loop *l, const struct epoll_event *evs, int n, uint64_t wake_us) {
        enum mq_trigger best = MQ_TRIGGER_TIMER;
        bool woke = false, timer = false;
        for (int i = 0; i < n; i++) {
                uint64_t tag = evs[i].data.u64;
                enum mq_trigger t = MQ_TRIGGER_TIMER;
                if (tag >= CTL_TAG_BASE)
                        continue; /* serve_control() */
                if (tag == TAG_SIGNAL)
                        on_signal(l);
                else if (tag == TAG_TIMER) {
                        uint64_t ticks;
                        (void)!read(l->tfd, &ticks, sizeof(ticks));
                        timer = true;
                } else if (tag == TAG_INOTIFY)
                        t = watch_on_inotify(l);
                else if (tag == TAG_PSI_NODE || tag >= TAG_PSI_KUBE) {
                        struct psi_watch *w =
                                tag == TAG_PSI_NODE ? &l->node : &l->kube[tag - TAG_PSI_KUBE];
                        if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                                /* psi.rst: POLLERR when the monitored cgroup
                                 * is deleted; re-armed after the next scan. */
                                trigger_close(l, w);
                                l->a->cnt.psi_lost++;
                                continue;
                        }
                        t = tag == TAG_PSI_NODE ? MQ_TRIGGER_PSI_NODE : MQ_TRIGGER_PSI_KUBEPODS;
                }
                if (t != MQ_TRIGGER_TIMER) {
                        l->a->cnt.wakeups[t]++;
                        woke = true;
                        if (mq_trigger_urgency(t) > mq_trigger_urgency(best))
                                best = t;
                }
        }
        if (l->stop)
                return;
        uint64_t now = now_ms();
        bool pressure = best == MQ_TRIGGER_PSI_NODE || best == MQ_TRIGGER_PSI_KUBEPODS;
        if (pressure || (woke && now >= l->last_scan_ms + MIN_EVENT_GAP_MS))
                cycle(l, best, wake_us); /* pressure at once; other events at most every 100 ms */
        else if (woke) {
                if (!l->pending ||
                    mq_trigger_urgency(best) > mq_trigger_urgency(l->pending_trigger))
                        l->pending_trigger = best;
                l->pending = true;
        } else if (timer && (timer_full_cycle_due(l, now) || !cycle_watermark_only(l, wake_us))) {
                enum mq_trigger t = l->pending ? l->pending_trigger : MQ_TRIGGER_TIMER;
                l->a->cnt.wakeups[t]++;
                cycle(l, t, wake_us);
        }
        serve_control(l, evs, n);
}

/* Before the first wakeup: PSI present, the fds, the restored decision
 * state, a first full cycle, then memory locked and the seccomp filter.
 * Errors are printed. */
static int loop_start(struct loop *l) {
        struct agent *a = l->a;
        /* A kernel without PSI cannot be watched the way this agent works:
         * say so before anything else is set up. */
        struct mq_psi psi;
        struct mq_meminfo mi;
        struct mq_error err = {{0}};
        int r = scan_node(a, &psi, &mi, &err);
        if (r < 0) {
                log_error("cannot start: %s", err.msg);
                return r;
        }
        curfd_raise_nofile();
        r = setup_fds(l);
        if (r < 0) {
                if (r != -EADDRINUSE)
                        log_warn("cannot set up the event loop: %s", strerror(-r));
                return r;
        }
        trigger_arm_node(l);
        persist_boot_id(a);
        if (persist_load(a) > 0)
                log_info("restored the decision state of %zu pods from %s/%s%s", a->st.n_pods,
                         a->opts.state_dir, AGENT_STATE_FILE,
                         a->st.in_episode ? " (in a pressure episode)" : "");
        l->reconcile_now = true; /* reconcile and propagate on the first cycle */
        cycle(l, MQ_TRIGGER_TIMER, 0);
        if (!a->snap.mem_total)
                return -ENOENT; /* the first scan failed: no PSI, or no meminfo */
        bool locked = agent_lock_memory(&err) == 0;
        if (!locked)
                log_warn("%s", err.msg);
        if (!a->opts.no_seccomp && agent_seccomp(&err) < 0)
                log_warn("%s; running without a seccomp filter", err.msg);
        log_info("running: %zu pods, %zu records, PSI node %s, kubepods %s, memory %s%s",
                 a->snap.n_pods, a->recs.n, a->psi_node_mode, a->psi_kubepods_mode,
                 locked ? "locked" : "not locked",
                 agent_dry_run(a) ? ", dry-run: no action is executed" : "");
        return 0;
}

/* Wait, handle, until a signal says stop (0) or epoll_wait fails. */
static int loop_serve(struct loop *l) {
        while (!l->stop) {
                timer_arm(l);
                struct epoll_event evs[16];
                int n = epoll_wait(l->epfd, evs, (int)ELEMENTSOF(evs), -1);
                uint64_t wake_us = now_us();
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = negative_errno();
                        log_warn("epoll_wait: %s", strerror(-r));
                        return r;
                }
                handle(l, evs, n, wake_us);
        }
        cycle_save_state(l);
        return 0;
}

int loop_run(struct agent *a) {
        struct loop l = {
                .a = a,
                .epfd = -1,
                .sigfd = -1,
                .inofd = -1,
                .tfd = -1,
                .ctl = {.unix_fd = -1, .tcp_fd = -1, .timer_fd = -1},
                .node = {.fd = -1},
                .kube = {{.fd = -1}, {.fd = -1}},
                .records_wd = -1,
                .rewatch = true,
                .records_dirty = true,
        };
        int r = loop_start(&l);
        if (r == 0)
                r = loop_serve(&l);
        loop_close(&l);
        return r;
}
