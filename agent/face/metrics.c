/* SPDX-License-Identifier: MIT */
/* The agent's metrics. Names follow Prometheus practice: base units
 * (bytes, seconds), counters end in _total, ratios are 0-1. */
#include "metrics.h"

#include <inttypes.h>
#include <math.h>

#include "metrics-pods.h"
#include "metrics-text.h"
#include "util.h"

static void build_info(FILE *f) {
        metrics_family(f, "memqos_build_info", "gauge", "The running memqos-agent's version.");
        char l[64] = "";
        metrics_label(l, sizeof(l), "version", MEMQOS_VERSION);
        metrics_u64(f, "memqos_build_info", l, 1);
}

/* PSI "total=" is the stall time in microseconds since boot (psi.rst). */
static void node_psi(FILE *f, const struct mq_psi *psi) {
        metrics_family(f, "memqos_node_pressure_memory_waiting_seconds_total", "counter",
                       "Time some task waited for memory (PSI memory some total).");
        metrics_real(f, "memqos_node_pressure_memory_waiting_seconds_total", "",
                     (double)psi->some_total_us / 1e6);
        metrics_family(f, "memqos_node_pressure_memory_stalled_seconds_total", "counter",
                       "Time every non-idle task stalled on memory (PSI memory full total).");
        metrics_real(f, "memqos_node_pressure_memory_stalled_seconds_total", "",
                     (double)psi->full_total_us / 1e6);
}

static void node_memory(FILE *f, const struct agent *a) {
        metrics_gauge(f, "memqos_node_memory_total_bytes", "MemTotal.", (double)a->snap.mem_total);
        metrics_gauge(f, "memqos_node_memory_available_bytes", "MemAvailable at the last read.",
                      (double)a->snap.mem_available);
        struct mq_headroom hr;
        agent_headroom(a, &hr);
        metrics_family(f, "memqos_node_protected_cache_bytes", "gauge",
                       "Page cache that effective memory.min (protection=\"min\") or memory.low "
                       "beyond it (protection=\"low\") keeps from reclaim.");
        metrics_u64(f, "memqos_node_protected_cache_bytes", "protection=\"min\"", hr.prot.min);
        metrics_u64(f, "memqos_node_protected_cache_bytes", "protection=\"low\"", hr.prot.low);
        metrics_gauge(
                f, "memqos_node_headroom_bytes",
                "MemAvailable net of the protected page cache: what the kernel can give back.",
                (double)hr.headroom);
        metrics_gauge(f, "memqos_node_headroom_ratio", "The headroom as a fraction of MemTotal.",
                      a->snap.mem_total ? (double)hr.headroom / (double)a->snap.mem_total : 0);
        metrics_gauge(f, "memqos_node_headroom_fill_rate_bytes_per_second",
                      "How fast MemAvailable fell over the last second (0 when it did not).",
                      (double)hr.fill_rate);
        metrics_gauge(f, "memqos_node_headroom_level",
                      "0 ok, 1 below the reclaim watermark, 2 critical.", (double)hr.level);
        if (a->stats.have_vmstat)
                metrics_counter(f, "memqos_node_oom_kills_total",
                                "Tasks the kernel OOM killer killed on the node (/proc/vmstat "
                                "oom_kill), in pods or not.",
                                a->stats.vmstat_oom_kill);
}

static void actions(FILE *f, const struct agent *a) {
        metrics_family(f, "memqos_actions_total", "counter",
                       "Actions carried out (or logged in dry-run), by action, reason and result.");
        for (int k = 0; k < _MQ_ACT_MAX; k++) {
                if (k == MQ_ACT_NOTE)
                        continue;
                for (int c = 0; c < _MQ_CAUSE_MAX; c++)
                        for (int r = 0; r < _AGENT_RESULT_MAX; r++) {
                                uint64_t v = a->stats.actions[k][c][r];
                                /* Every kind with result ok, so rate() has a series from
                                 * the start; other combinations once they happen. */
                                if (!v && (c != 0 || r != AGENT_RESULT_OK))
                                        continue;
                                char l[160] = "";
                                metrics_label(l, sizeof(l), "action",
                                              mq_action_name((enum mq_action_kind)k));
                                metrics_label(l, sizeof(l), "reason",
                                              mq_cause_name((enum mq_cause)c));
                                metrics_label(l, sizeof(l), "result",
                                              agent_result_name((enum agent_result)r));
                                metrics_u64(f, "memqos_actions_total", l, v);
                        }
        }
        metrics_counter(f, "memqos_notes_total",
                        "Decisions that found nothing to do under pressure, logged (at most one "
                        "per 10 s).",
                        a->cnt.actions[MQ_ACT_NOTE]);
}

static void latency(FILE *f, const struct agent_stats *s) {
        static const char n[] = "memqos_action_latency_seconds";
        metrics_family(f, n, "histogram",
                       "From the wakeup (epoll_wait returning) to the action's write being done.");
        uint64_t cum = 0;
        for (size_t b = 0; b <= AGENT_LATENCY_BUCKETS; b++) {
                cum += s->latency[b];
                char l[32];
                if (b < AGENT_LATENCY_BUCKETS)
                        (void)snprintf(l, sizeof(l), "le=\"%g\"", agent_latency_bounds[b]);
                else
                        (void)snprintf(l, sizeof(l), "le=\"+Inf\"");
                metrics_u64(f, "memqos_action_latency_seconds_bucket", l, cum);
        }
        metrics_real(f, "memqos_action_latency_seconds_sum", "", s->latency_sum);
        metrics_u64(f, "memqos_action_latency_seconds_count", "", s->latency_count);
}

static void oom_kills(FILE *f, const struct agent_stats *s) {
        metrics_family(f, "memqos_kernel_oom_kills_total", "counter",
                       "Kernel OOM kills the agent explained (one log line each), by scope: "
                       "cgroup (a memory.max in the pod), node (the node ran out, victim in a "
                       "pod), outside (the node ran out, victim outside the pods).");
        metrics_u64(f, "memqos_kernel_oom_kills_total", "scope=\"cgroup\"",
                    s->oom_kills[MQ_OOM_CGROUP]);
        metrics_u64(f, "memqos_kernel_oom_kills_total", "scope=\"node\"",
                    s->oom_kills[MQ_OOM_NODE]);
        metrics_u64(f, "memqos_kernel_oom_kills_total", "scope=\"outside\"",
                    s->oom_kills_elsewhere);
}

static void wakeups(FILE *f, const struct agent_counters *c) {
        metrics_family(f, "memqos_wakeups_total", "counter", "Event-loop wakeups, by source.");
        for (int t = 0; t < _MQ_TRIGGER_MAX; t++) {
                char l[64] = "";
                metrics_label(l, sizeof(l), "source", mq_trigger_name((enum mq_trigger)t));
                metrics_u64(f, "memqos_wakeups_total", l, c->wakeups[t]);
        }
        metrics_u64(f, "memqos_wakeups_total", "source=\"signal\"", c->wakeups_signal);
        metrics_u64(f, "memqos_wakeups_total", "source=\"control\"", c->wakeups_control);
}

static void counters(FILE *f, const struct agent_counters *c) {
        metrics_counter(f, "memqos_action_errors_total", "Actions whose write failed.",
                        c->action_errors);
        metrics_counter(f, "memqos_kills_total", "Pods killed by the agent.", c->kills);
        metrics_counter(f, "memqos_kill_fallbacks_total", "Kills by SIGKILL (no cgroup.kill).",
                        c->kill_fallbacks);
        metrics_counter(f, "memqos_reconciles_total", "Record values re-applied after drift.",
                        c->reconciles);
        metrics_counter(f, "memqos_propagations_total", "Ancestor memory.min/low raised.",
                        c->propagations);
        metrics_counter(f, "memqos_propagation_caps_total",
                        "Propagation walks that scaled the ancestors' protection down to the cap "
                        "(propagation.max_share_pct of MemTotal).",
                        c->propagation_caps);
        metrics_counter(f, "memqos_scans_total", "Snapshots taken, full or refreshed.", c->scans);
        metrics_counter(f, "memqos_full_scans_total", "Snapshots that read every pod.",
                        c->full_scans);
        metrics_counter(f, "memqos_partial_scans_total",
                        "Decisions on the last full scan with the pods that matter read afresh.",
                        c->partial_scans);
        metrics_counter(f, "memqos_usage_passes_total",
                        "Usage of the lowest-ranked pods read after a decision ranked on older "
                        "usage.",
                        c->usage_passes);
        metrics_counter(f, "memqos_usage_reads_total",
                        "Pod memory.current files read by usage passes (the rest bounded by "
                        "their parent).",
                        c->usage_reads);
        metrics_counter(f, "memqos_events_unchanged_total",
                        "Pod memory.events reads saved: no inotify event since the last read.",
                        c->events_unchanged);
        metrics_counter(f, "memqos_decisions_total", "Decisions made.", c->decisions);
        metrics_counter(f, "memqos_reloads_total", "Configuration reloads.", c->reloads);
        metrics_counter(f, "memqos_reload_errors_total", "Rejected configuration reloads.",
                        c->reload_errors);
        metrics_counter(f, "memqos_psi_lost_total", "PSI triggers lost to POLLERR.", c->psi_lost);
        metrics_counter(f, "memqos_odd_pod_cgroups_total",
                        "Cgroups under kubepods named like pods whose UID does not parse (not "
                        "ranked).",
                        c->odd_pod_cgroups);
        metrics_counter(f, "memqos_control_refused_total",
                        "Control connections turned away: every client slot was taken.",
                        c->control_refused);
        metrics_counter(f, "memqos_control_expired_total",
                        "Control connections closed at their deadline.", c->control_expired);
}

int metrics_write(const struct agent *a, struct textbuf *ret) {
        struct textbuf b = {0};
        FILE *f = textbuf_open(&b);
        if (!f)
                return -ENOMEM;
        build_info(f);
        metrics_gauge(f, "memqos_pods", "Pods in the last scan.", (double)a->snap.n_pods);
        metrics_gauge(f, "memqos_records", "Container records loaded.", (double)a->recs.n);
        metrics_gauge(f, "memqos_in_episode", "1 while a pressure episode is open.",
                      a->st.in_episode ? 1 : 0);
        metrics_gauge(f, "memqos_dry_run", "1 when no action is executed.",
                      agent_dry_run(a) ? 1 : 0);
        node_memory(f, a);
        node_psi(f, &a->snap.node_psi);
        actions(f, a);
        latency(f, &a->stats);
        oom_kills(f, &a->stats);
        wakeups(f, &a->cnt);
        counters(f, &a->cnt);
        metrics_pods(f, a);
        if (fclose(f) != 0 || !b.p) {
                textbuf_free(&b);
                return -ENOMEM;
        }
        *ret = b;
        return 0;
}
