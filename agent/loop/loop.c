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

#include "act/act.h"
#include "act/persist.h"
#include "act/reconcile.h"
#include "cgfs.h"
#include "confine.h"
#include "core/log.h"
#include "face/ctl-server.h"
#include "loop-int.h"
#include "sense/curfd.h"
#include "sense/oomwatch.h"
#include "sense/records.h"
#include "sense/refresh.h"
#include "sense/scan.h"

/* One wakeup's snapshot and how it was taken; lives for the wakeup. */
struct wakeup_snapshot {
        struct mq_snapshot snap;
        bool partial;        /* the fast path served it (refresh.c) */
        bool usage_deferred; /* ranked on old usage where it could act: read it after */
};

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

/* A wakeup may decide on a refreshed copy of the last snapshot
 * (refresh.c): not when records changed (priorities and names come from
 * them), nor, unless pressure cannot wait, when a QoS directory came or went,
 * inotify lost events, or the last full scan is SCAN_FULL_MS old. */
static bool fast_path_ok(const struct loop *l, enum mq_trigger trigger) {
        const struct agent *a = l->a;
        bool pressure = trigger == MQ_TRIGGER_PSI_NODE || trigger == MQ_TRIGGER_PSI_KUBEPODS ||
                        trigger == MQ_TRIGGER_WATERMARK;
        bool stale = l->rewatch || a->events_watch.all_changed ||
                     now_ms() + DUE_SLACK_MS >= a->snap_full_ms + SCAN_FULL_MS;
        return (pressure || !stale) && !l->reconcile_now && !l->records_dirty;
}

/* Every pod read: every memory.events is as read, until its next event. */
static int full_scan(struct loop *l, enum mq_trigger trigger, struct mq_snapshot *ret,
                     struct mq_error *err) {
        int r = scan_snapshot(l->a, trigger, ret, err);
        if (r < 0)
                return r;
        l->a->snap_full_ms = ret->now_ms;
        l->a->cnt.full_scans++;
        curfd_sync(l->a, ret);
        mq_podwatch_clear_all(&l->a->events_watch);
        return 0;
}

/* The decision refused to kill on a ranking by old usage (-ESTALE): read
 * the usage, or every pod, and decide again. */
static int decide_again(struct loop *l, struct wakeup_snapshot *w, struct mq_actions *acts) {
        struct mq_error err = {{0}};
        int r = refresh_snapshot_usage(l->a, &w->snap, &err);
        if (r == 0)
                w->usage_deferred = false;
        if (r == -EAGAIN) {
                struct mq_snapshot full;
                r = full_scan(l, w->snap.trigger, &full, &err);
                if (r == 0) {
                        snapshot_done(&w->snap);
                        w->snap = full;
                        w->partial = false;
                        l->a->cnt.scans++;
                }
        }
        if (r < 0) {
                log_warn("scan failed: %s", err.msg);
                return r;
        }
        return mq_decide(&l->a->cfg, &w->snap, &l->a->st, acts);
}

/* New or changed records (inotify on the state dir) replace the loaded set. */
static void reload_records(struct loop *l) {
        struct agent *a = l->a;
        if (!l->records_dirty)
                return;
        struct agent_records recs;
        int r = records_load_all(a->state_fd, &recs);
        if (r < 0) {
                log_warn("cannot read the records: %s", strerror(-r));
                return;
        }
        records_done(&a->recs);
        a->recs = recs;
        l->records_dirty = false;
        /* A new container's protection only works once its ancestors carry
         * it: propagate now, not in 30 s. */
        l->reconcile_now = true;
}

/* The wakeup's snapshot: the fast path when it can serve, else a full scan.
 * A headroom below the reclaim line makes any wakeup but a PSI trigger's a
 * watermark one. */
static int take_snapshot(struct loop *l, enum mq_trigger trigger, struct log_timing *t,
                         struct wakeup_snapshot *ret) {
        struct agent *a = l->a;
        struct mq_error err = {{0}};
        struct wakeup_snapshot w = {.partial = false};
        int r = fast_path_ok(l, trigger)
                        ? refresh_snapshot(a, trigger, &w.snap, &w.usage_deferred, &err)
                        : -EAGAIN;
        w.partial = r == 0;
        if (r == -EAGAIN)
                r = full_scan(l, trigger, &w.snap, &err);
        l->last_scan_ms = l->last_meminfo_ms = now_ms();
        t->scan_done_us = now_us();
        l->pending = false;
        if (r < 0) {
                log_warn("scan failed: %s", err.msg);
                return r;
        }
        a->cnt.scans++;
        a->cnt.partial_scans += w.partial;
        struct mq_headroom hr;
        mq_headroom_of_snapshot(&a->cfg, &w.snap, &hr);
        if (trigger != MQ_TRIGGER_PSI_NODE && trigger != MQ_TRIGGER_PSI_KUBEPODS &&
            hr.level != MQ_HEADROOM_OK)
                w.snap.trigger = MQ_TRIGGER_WATERMARK;
        *ret = w;
        return 0;
}

/* Decide on the snapshot, persist the state, write the actions; then, when
 * the decision ranked on old usage, read the usage for the next one. */
static void decide_and_act(struct loop *l, struct wakeup_snapshot *w, struct log_timing *t) {
        struct agent *a = l->a;
        struct mq_actions acts = {0};
        bool was_in_episode = a->st.in_episode;
        int r = mq_decide(&a->cfg, &w->snap, &a->st, &acts);
        if (r == -ESTALE)
                r = decide_again(l, w, &acts);
        t->decide_done_us = now_us();
        l->decide_deadline_ms = mq_next_deadline_ms(&a->cfg, &a->st);
        a->cnt.decisions++;
        l->last_decide_ms = l->last_scan_ms;
        if (r < 0)
                log_warn("decision failed: %s", strerror(-r));
        /* Write-ahead: the state is on disk before the writes it describes.
         * An agent killed between the two restarts believing the step was
         * taken, so at worst it relaxes a throttle that never landed; saved
         * after, a kill in between made the restarted agent throttle or kill
         * the same pod a second time (seen in the VM's agent-restart). */
        if (r == 0 && (acted(&acts) || was_in_episode != a->st.in_episode))
                save_state(l);
        if (r == 0)
                act_execute_all(a, t, &w->snap, &acts, NULL);
        mq_actions_done(&acts);
        /* Ranked on old usage: read it now, after the writes, so the next
         * wakeup ranks on current figures without paying for it. */
        if (w->partial && w->usage_deferred && refresh_usage_pass(a, &w->snap) == 0)
                a->cnt.usage_passes++;
}

/* Every reconcile_ms (or at once after a record change): values a record
 * applied that drifted, and protection propagated up the kubepods tree. */
static void reconcile_due(struct loop *l, const struct log_timing *t, struct mq_snapshot *snap) {
        struct agent *a = l->a;
        if (!l->reconcile_now &&
            !(a->cfg.reconcile_ms && l->last_scan_ms >= l->last_reconcile_ms + a->cfg.reconcile_ms))
                return;
        reconcile_records(a, t, snap);
        /* Protection comes from the hook's records (a change sets
         * reconcile_now) or from another writer: walking every pod and
         * container for it (~30 ms at 1,000 pods natively) every reconcile_ms
         * was the bulk of the idle cost; the walk runs on record changes and
         * as often as the full scan. */
        if (l->reconcile_now || l->last_scan_ms >= l->last_propagate_ms + SCAN_FULL_MS) {
                uint64_t before = a->cnt.propagations + a->cnt.propagation_caps;
                reconcile_propagate(a, t, snap);
                if (a->cnt.propagations + a->cnt.propagation_caps != before)
                        scan_read_protection(a, snap);
                l->last_propagate_ms = l->last_scan_ms;
        }
        l->reconcile_now = false;
        l->last_reconcile_ms = l->last_scan_ms;
}

/* The snapshot becomes the agent's: what status, metrics and the next fast
 * path start from; the watches follow the pods it holds. */
static void keep_snapshot(struct loop *l, struct mq_snapshot *snap, bool partial) {
        struct agent *a = l->a;
        /* Metrics skip the entries of pods gone; dropping them (a search
         * per entry) waits for a full scan. */
        if (!partial)
                stats_prune(&a->stats, snap);
        snapshot_done(&a->snap);
        a->snap = *snap;
        /* The watermark timer measures the headroom between snapshots
         * against this snapshot's protection. */
        mq_protection_compute(&a->snap, NULL, &a->prot);
        if (l->rewatch && !partial)
                rewatch(l); /* watch the pods a full scan found */
        watch_born(l);
}

/* One wakeup's work, in order: each step is one duty. wake_us: when
 * epoll_wait returned (0: the first cycle, not a wakeup). */
static void cycle(struct loop *l, enum mq_trigger trigger, uint64_t wake_us) {
        struct log_timing t = {.wake_us = wake_us};
        struct wakeup_snapshot w;

        reload_records(l);
        if (l->rewatch)
                watch_dirs(l);
        if (take_snapshot(l, trigger, &t, &w) < 0)
                return;
        decide_and_act(l, &w, &t);
        reconcile_due(l, &t, &w.snap);
        oomwatch_check(l->a, &w.snap, !w.partial);
        keep_snapshot(l, &w.snap, w.partial);
        /* Re-arm what POLLERR closed (a kubepods cgroup recreated, say). */
        psi_arm_node(l);
        psi_arm_kubepods(l);
}

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
        psi_close(l, &l->node);
        for (size_t i = 0; i < ELEMENTSOF(l->kube); i++)
                psi_close(l, &l->kube[i]);
        closep(&l->epfd);
        closep(&l->sigfd);
        closep(&l->inofd);
        closep(&l->tfd);
}

/* The watermark timer alone: read /proc/meminfo (one pread) and decide
 * only when the headroom fell below the reclaim line (or is critical by its
 * fill rate). Returns true when that was all there was to do. */
static bool watermark_only(struct loop *l, uint64_t wake_us) {
        struct agent *a = l->a;
        struct mq_meminfo mi;
        struct mq_error err = {{0}};
        a->cnt.wakeups[MQ_TRIGGER_WATERMARK]++;
        l->last_meminfo_ms = now_ms();
        if (scan_meminfo(a, &mi, &err) < 0)
                return false; /* let the full cycle report it */
        a->snap.mem_total = mi.mem_total;
        a->snap.mem_available = mi.mem_available;
        struct mq_headroom hr;
        agent_headroom(a, &hr);
        if (hr.level == MQ_HEADROOM_OK)
                return true;
        cycle(l, MQ_TRIGGER_WATERMARK, wake_us);
        return true;
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
        } else if (timer && (full_cycle_due(l, now) || !watermark_only(l, wake_us))) {
                enum mq_trigger t = l->pending ? l->pending_trigger : MQ_TRIGGER_TIMER;
                l->a->cnt.wakeups[t]++;
                cycle(l, t, wake_us);
        }
        serve_control(l, evs, n);
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
        /* A kernel without PSI cannot be watched the way this agent works:
         * say so before anything else is set up. */
        struct mq_psi psi;
        struct mq_meminfo mi;
        struct mq_error perr = {{0}};
        int r = scan_node(a, &psi, &mi, &perr);
        if (r < 0) {
                log_error("cannot start: %s", perr.msg);
                return r;
        }
        curfd_raise_nofile();
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
        cycle(&l, MQ_TRIGGER_TIMER, 0);
        if (!a->snap.mem_total) {
                loop_close(&l);
                return -ENOENT; /* the first scan failed: no PSI, or no meminfo */
        }
        struct mq_error err = {{0}};
        bool locked = agent_lock_memory(&err) == 0;
        if (!locked)
                log_warn("%s", err.msg);
        if (!a->opts.no_seccomp && (r = agent_seccomp(&err)) < 0)
                log_warn("%s; running without a seccomp filter", err.msg);
        log_info("running: %zu pods, %zu records, PSI node %s, kubepods %s, memory %s%s",
                 a->snap.n_pods, a->recs.n, a->psi_node_mode, a->psi_kubepods_mode,
                 locked ? "locked" : "not locked",
                 agent_dry_run(a) ? ", dry-run: no action is executed" : "");

        while (!l.stop) {
                arm_timer(&l);
                struct epoll_event evs[16];
                int n = epoll_wait(l.epfd, evs, (int)ELEMENTSOF(evs), -1);
                uint64_t wake_us = now_us();
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        log_warn("epoll_wait: %s", strerror(-r));
                        break;
                }
                handle(&l, evs, n, wake_us);
        }
        if (l.stop)
                save_state(&l);
        loop_close(&l);
        return l.stop ? 0 : r;
}
