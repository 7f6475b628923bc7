/* SPDX-License-Identifier: MIT */
/* One wakeup's work: a short sequence of named steps, one duty each
 * (cycle()), and the watermark timer's cheap check before it. */
#include "cycle.h"

#include "act/act.h"
#include "act/persist.h"
#include "act/reconcile.h"
#include "core/log.h"
#include "sense/curfd.h"
#include "sense/oomwatch.h"
#include "sense/records.h"
#include "sense/refresh.h"
#include "sense/scan.h"
#include "trigger.h"
#include "watch.h"

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
void cycle_save_state(struct loop *l) {
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
                cycle_save_state(l);
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
                watch_all_pods(l); /* watch the pods a full scan found */
        watch_born(l);
}

/* One wakeup's work, in order: each step is one duty. wake_us: when
 * epoll_wait returned (0: the first cycle, not a wakeup). */
void cycle(struct loop *l, enum mq_trigger trigger, uint64_t wake_us) {
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
        trigger_arm_node(l);
        trigger_arm_kubepods(l);
}

/* The watermark timer alone: read /proc/meminfo (one pread) and decide
 * only when the headroom fell below the reclaim line (or is critical by its
 * fill rate). Returns true when that was all there was to do. */
bool cycle_watermark_only(struct loop *l, uint64_t wake_us) {
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
