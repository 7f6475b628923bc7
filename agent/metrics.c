/* SPDX-License-Identifier: MIT */
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>

#include "util.h"

static void counter(FILE *f, const char *name, const char *help, uint64_t v) {
        (void)fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name,
                      name, v);
}

static void gauge(FILE *f, const char *name, const char *help, double v) {
        (void)fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, v);
}

char *metrics_text(const struct agent *a) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        const struct agent_counters *c = &a->cnt;

        (void)fputs("# HELP memqos_actions_total Actions decided, by kind (dry-run included).\n"
                    "# TYPE memqos_actions_total counter\n",
                    f);
        for (int k = 0; k < _MQ_ACT_MAX; k++)
                (void)fprintf(f, "memqos_actions_total{action=\"%s\"} %" PRIu64 "\n",
                              mq_action_name((enum mq_action_kind)k), c->actions[k]);
        (void)fputs("# HELP memqos_wakeups_total Event-loop wakeups, by source.\n"
                    "# TYPE memqos_wakeups_total counter\n",
                    f);
        for (int t = 0; t < _MQ_TRIGGER_MAX; t++)
                (void)fprintf(f, "memqos_wakeups_total{source=\"%s\"} %" PRIu64 "\n",
                              mq_trigger_name((enum mq_trigger)t), c->wakeups[t]);
        (void)fprintf(f, "memqos_wakeups_total{source=\"signal\"} %" PRIu64 "\n",
                      c->wakeups_signal);
        (void)fprintf(f, "memqos_wakeups_total{source=\"control\"} %" PRIu64 "\n",
                      c->wakeups_control);
        counter(f, "memqos_action_errors_total", "Actions whose write failed.", c->action_errors);
        counter(f, "memqos_kills_total", "Pods killed.", c->kills);
        counter(f, "memqos_kill_fallbacks_total", "Kills by SIGKILL (no cgroup.kill).",
                c->kill_fallbacks);
        counter(f, "memqos_reconciles_total", "Record values re-applied after drift.",
                c->reconciles);
        counter(f, "memqos_propagations_total", "Ancestor memory.min/low raised.", c->propagations);
        counter(f, "memqos_propagation_caps_total",
                "Propagation walks that scaled the ancestors' protection down to the cap "
                "(propagation.max_share_pct of MemTotal).",
                c->propagation_caps);
        counter(f, "memqos_scans_total", "Snapshots taken, full or refreshed.", c->scans);
        counter(f, "memqos_full_scans_total", "Snapshots that read every pod.", c->full_scans);
        counter(f, "memqos_partial_scans_total",
                "Decisions on the last full scan with the pods that matter read afresh.",
                c->partial_scans);
        counter(f, "memqos_usage_passes_total",
                "Usage of the lowest-ranked pods read after a decision ranked on older usage.",
                c->usage_passes);
        counter(f, "memqos_usage_reads_total",
                "Pod memory.current files read by usage passes (the rest bounded by their parent).",
                c->usage_reads);
        counter(f, "memqos_events_unchanged_total",
                "Pod memory.events reads saved: no inotify event since the last read.",
                c->events_unchanged);
        counter(f, "memqos_decisions_total", "Decisions made.", c->decisions);
        counter(f, "memqos_reloads_total", "Configuration reloads.", c->reloads);
        counter(f, "memqos_reload_errors_total", "Rejected configuration reloads.",
                c->reload_errors);
        counter(f, "memqos_psi_lost_total", "PSI triggers lost to POLLERR.", c->psi_lost);
        counter(f, "memqos_odd_pod_cgroups_total",
                "Cgroups under kubepods named like pods whose UID does not parse (not ranked).",
                c->odd_pod_cgroups);
        gauge(f, "memqos_pods", "Pods in the last scan.", (double)a->snap.n_pods);
        gauge(f, "memqos_records", "Container records loaded.", (double)a->recs.n);
        gauge(f, "memqos_in_episode", "1 while a pressure episode is open.",
              a->st.in_episode ? 1 : 0);
        gauge(f, "memqos_dry_run", "1 when no action is executed.", agent_dry_run(a) ? 1 : 0);
        gauge(f, "memqos_mem_total_bytes", "MemTotal.", (double)a->snap.mem_total);
        gauge(f, "memqos_mem_available_bytes", "MemAvailable at the last read.",
              (double)a->snap.mem_available);
        struct mq_headroom hr;
        agent_headroom(a, &hr);
        gauge(f, "memqos_protected_cache_min_bytes",
              "Page cache that effective memory.min keeps from reclaim.", (double)hr.prot.min);
        gauge(f, "memqos_protected_cache_low_bytes",
              "Page cache that effective memory.low keeps from reclaim, beyond memory.min.",
              (double)hr.prot.low);
        gauge(f, "memqos_headroom_bytes",
              "MemAvailable net of the protected page cache: what the kernel can give back.",
              (double)hr.headroom);
        gauge(f, "memqos_headroom_fill_rate_bytes_per_second",
              "How fast MemAvailable fell over the last second (0 when it did not).",
              (double)hr.fill_rate);
        gauge(f, "memqos_headroom_level", "0 ok, 1 below the reclaim watermark, 2 critical.",
              (double)hr.level);
        gauge(f, "memqos_node_psi_some_avg10", "Node memory PSI some avg10 (percent).",
              a->snap.node_psi.some_avg10);
        gauge(f, "memqos_node_psi_full_avg10", "Node memory PSI full avg10 (percent).",
              a->snap.node_psi.full_avg10);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
