/* SPDX-License-Identifier: MIT */
/* `status` and `explain` as tables, from the daemon's JSON reply. */
#include "ctl-print.h"

#include <stdio.h>

#include "escape.h"
#include "util.h"

/* Every field printed comes from the reply and may quote a name a pod
 * chose: escaped, so one row stays one line. A ring of buffers lets one
 * printf() take several fields. */
static const char *escaped(const char *text) {
        static char ring[16][1024];
        static unsigned next;
        char *buf = ring[next++ % ELEMENTSOF(ring)];
        return mq_escape(text, buf, sizeof(ring[0]));
}

static const char *jstr(struct json_object *o, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !v)
                return "";
        return escaped(json_object_get_string(v));
}

struct json_object *ctl_json_get(struct json_object *o, const char *key) {
        struct json_object *v = NULL;
        (void)json_object_object_get_ex(o, key, &v);
        return v;
}

static void print_kv_line(const char *title, struct json_object *obj) {
        printf("%-14s", title);
        json_object_object_foreach(obj, k, v) {
                printf(" %s=%s", escaped(k), escaped(json_object_get_string(v)));
        }
        printf("\n");
}

static void print_recent(struct json_object *arr) {
        size_t n = arr ? json_object_array_length(arr) : 0;
        if (n == 0)
                return;
        printf("\n%-24s %-12s %-40s %-12s %s\n", "TIME", "ACTION", "TARGET", "VALUE", "RESULT");
        for (size_t i = 0; i < n; i++) {
                struct json_object *x = json_object_array_get_idx(arr, i);
                printf("%-24s %-12s %-40s %-12s %s\n", jstr(x, "time"), jstr(x, "action"),
                       jstr(x, "target"), jstr(x, "value"), jstr(x, "result"));
        }
}

/* The latest kernel OOM kill, as the agent explained it. */
static void print_oom(struct json_object *x) {
        if (!x)
                return;
        printf("\n%-14s %s %s scope=%s kills=%s\n%-14s %s\n", "kernel oom", jstr(x, "time"),
               *jstr(x, "pod_uid") ? jstr(x, "pod_uid") : "(outside pods)", jstr(x, "scope"),
               jstr(x, "kills"), "", jstr(x, "reason"));
}

void ctl_print_status(struct json_object *o) {
        struct json_object *node = ctl_json_get(o, "node"), *psi = ctl_json_get(node, "psi");
        printf("memqos-agent %s  pid %s  up %s ms  dry-run %s\n", jstr(o, "version"),
               jstr(o, "pid"), jstr(o, "uptime_ms"), jstr(o, "dry_run"));
        printf("%-14s %s\n", "cgroup root", jstr(o, "cgroup_root"));
        if (*jstr(o, "metrics_listen"))
                printf("%-14s http://%s/metrics\n", "metrics", jstr(o, "metrics_listen"));
        print_kv_line("psi wakeup", ctl_json_get(o, "psi_wakeup"));
        printf("%-14s available %s of %s bytes (%s%%), psi some avg10 %s full avg10 %s\n", "node",
               jstr(node, "mem_available"), jstr(node, "mem_total"),
               jstr(node, "mem_available_pct"), jstr(psi, "some_avg10"), jstr(psi, "full_avg10"));
        printf("%-14s %s bytes (%s%%) after protected cache min %s low %s, shrinking %s B/s, "
               "level %s\n",
               "headroom", jstr(node, "headroom"), jstr(node, "headroom_pct"),
               jstr(node, "protected_cache_min"), jstr(node, "protected_cache_low"),
               jstr(node, "fill_rate"), jstr(node, "headroom_level"));
        printf("%-14s %s pods, %s records, episode %s\n", "pods", jstr(o, "pods"),
               jstr(o, "records"), jstr(o, "in_episode"));
        struct json_object *c = ctl_json_get(o, "counters");
        print_kv_line("actions", ctl_json_get(c, "actions"));
        print_kv_line("wakeups", ctl_json_get(c, "wakeups"));
        printf("%-14s kills=%s kill_fallbacks=%s reconciles=%s propagations=%s "
               "propagation_caps=%s errors=%s reloads=%s reload_errors=%s odd_pod_cgroups=%s\n",
               "counters", jstr(c, "kills"), jstr(c, "kill_fallbacks"), jstr(c, "reconciles"),
               jstr(c, "propagations"), jstr(c, "propagation_caps"), jstr(c, "action_errors"),
               jstr(c, "reloads"), jstr(c, "reload_errors"), jstr(c, "odd_pod_cgroups"));
        print_recent(ctl_json_get(o, "recent"));
        print_oom(ctl_json_get(o, "last_kernel_oom_kill"));
}

void ctl_print_explain(struct json_object *o) {
        struct json_object *pod = ctl_json_get(o, "pod");
        printf("%-14s %s\n", "pod uid", jstr(o, "pod_uid"));
        if (pod) {
                if (*jstr(pod, "name"))
                        printf("%-14s %s/%s\n", "name", jstr(pod, "namespace"), jstr(pod, "name"));
                else
                        printf("%-14s (no record: priority and name unknown)\n", "name");
                printf("%-14s %s\n", "cgroup", jstr(pod, "cgroup"));
                printf("%-14s %s of %s (1 = acted on first)\n", "rank", jstr(pod, "rank"),
                       jstr(o, "pods_ranked"));
                printf("%-14s qos %s, priority %s, protected %s\n", "class", jstr(pod, "qos"),
                       jstr(pod, "priority"), jstr(pod, "protected"));
                printf("%-14s current %s anon %s file %s inactive_file %s shmem %s\n", "usage",
                       jstr(pod, "current"), jstr(pod, "anon"), jstr(pod, "file"),
                       jstr(pod, "inactive_file"), jstr(pod, "shmem"));
                printf("%-14s min %s low %s high %s max %s\n", "limits", jstr(pod, "min"),
                       jstr(pod, "low"), jstr(pod, "high"), jstr(pod, "max"));
                print_kv_line("events", ctl_json_get(pod, "events"));
        } else
                printf("%-14s not in the last scan\n", "pod");
        struct json_object *st = ctl_json_get(o, "state");
        if (st)
                printf("%-14s step %s, original high %s, throttled high %s\n", "agent",
                       jstr(st, "step"), jstr(st, "original_high"), jstr(st, "throttled_high"));
        struct json_object *ctrs = ctl_json_get(o, "containers");
        for (size_t i = 0; ctrs && i < json_object_array_length(ctrs); i++) {
                struct json_object *x = json_object_array_get_idx(ctrs, i);
                printf("%-14s %s (%s) priority %s\n", i ? "" : "containers", jstr(x, "container"),
                       jstr(x, "id"), jstr(x, "priority"));
                print_kv_line("  applied", ctl_json_get(x, "applied"));
        }
        print_recent(ctl_json_get(o, "recent"));
        print_oom(ctl_json_get(o, "kernel_oom_kill"));
}
