/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "cgfs.h"
#include "report.h"

/* Format into a buffer in the variadic function itself, as error.c does. */
void log_warn(const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        /* clang-tidy run over several files at once loses va_start here. */
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void)fprintf(stderr, "memqos-agent: warning: %s\n", msg);
}

void log_error(const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void)fprintf(stderr, "memqos-agent: error: %s\n", msg);
}

void log_info(const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        /* clang-tidy run over several files at once loses va_start here. */
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void)fprintf(stderr, "memqos-agent: %s\n", msg);
}

void log_time_text(char buf[static 32]) {
        struct timespec ts;
        struct tm tm;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        char sec[24];
        if (!gmtime_r(&ts.tv_sec, &tm) ||
            strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
                (void)snprintf(buf, 32, "?");
                return;
        }
        (void)snprintf(buf, 32, "%.20s.%03dZ", sec, (int)(ts.tv_nsec / 1000000));
}

static struct json_object *u64(uint64_t v) {
        /* "max" stays a string so that no reader mistakes it for a size. */
        if (v == MQ_UNLIMITED)
                return json_object_new_string("max");
        return json_object_new_uint64(v);
}

struct json_object *log_evidence(const struct mq_config *cfg, const struct mq_snapshot *snap,
                                 const struct mq_pod *pod) {
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "node_psi_some_avg10",
                               json_object_new_double(snap->node_psi.some_avg10));
        json_object_object_add(e, "node_psi_full_avg10",
                               json_object_new_double(snap->node_psi.full_avg10));
        json_object_object_add(e, "node_psi_some_total_us",
                               json_object_new_uint64(snap->node_psi.some_total_us));
        struct mq_headroom hr;
        mq_headroom_of_snapshot(cfg, snap, &hr);
        report_headroom_fields(e, &hr);
        if (!pod)
                return e;
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "uid", json_object_new_string(pod->uid));
        if (pod->name[0])
                json_object_object_add(p, "name", json_object_new_string(pod->name));
        if (pod->ns[0])
                json_object_object_add(p, "namespace", json_object_new_string(pod->ns));
        json_object_object_add(p, "qos", json_object_new_string(mq_qos_name(pod->qos)));
        json_object_object_add(p, "priority",
                               json_object_new_string(mq_priority_name(pod->priority)));
        json_object_object_add(p, "current", u64(pod->current));
        json_object_object_add(p, "anon", u64(pod->anon));
        json_object_object_add(p, "inactive_file", u64(pod->inactive_file));
        json_object_object_add(p, "min", u64(pod->min));
        json_object_object_add(p, "low", u64(pod->low));
        json_object_object_add(p, "high", u64(pod->high));
        json_object_object_add(p, "max", u64(pod->max));
        json_object_object_add(p, "events_high", json_object_new_uint64(pod->events.high));
        json_object_object_add(p, "psi_full_avg10", json_object_new_double(pod->psi.full_avg10));
        json_object_object_add(e, "pod", p);
        return e;
}

void log_json_line(struct json_object *o) {
        (void)puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
        (void)fflush(stdout);
}

static void remember(struct agent *a, const char *time, const struct mq_pod *pod,
                     const char *action, const char *target, const char *value, const char *reason,
                     const char *result) {
        struct agent_recent *r = &a->recent[a->n_recent % AGENT_RECENT_MAX];
        *r = (struct agent_recent){0};
        (void)snprintf(r->time, sizeof(r->time), "%s", time);
        (void)snprintf(r->action, sizeof(r->action), "%s", action);
        (void)snprintf(r->pod_uid, sizeof(r->pod_uid), "%s", pod ? pod->uid : "");
        (void)snprintf(r->target, sizeof(r->target), "%s", target);
        (void)snprintf(r->value, sizeof(r->value), "%s", value ? value : "");
        (void)snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
        (void)snprintf(r->result, sizeof(r->result), "%s", result);
        a->n_recent++;
}

/* Byte counts as JSON numbers, like `once` prints them; "max" stays text. */
static struct json_object *value_object(const char *value) {
        uint64_t v;
        if (value[0] >= '0' && value[0] <= '9' && cgroup_parse_u64(value, &v) == 0)
                return json_object_new_uint64(v);
        return json_object_new_string(value);
}

void log_action(struct agent *a, const struct mq_snapshot *snap, const struct mq_pod *pod,
                const char *action, const char *target, const char *value, const char *reason,
                const char *result) {
        char time[32];
        log_time_text(time);
        if (a)
                remember(a, time, pod, action, target, value, reason, result);
        if (a && a->quiet)
                return;

        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "time", json_object_new_string(time));
        json_object_object_add(o, "trigger",
                               json_object_new_string(mq_trigger_name(snap->trigger)));
        json_object_object_add(o, "evidence", log_evidence(&a->cfg, snap, pod));
        json_object_object_add(o, "action", json_object_new_string(action));
        json_object_object_add(o, "target", json_object_new_string(target));
        if (value)
                json_object_object_add(o, "value", value_object(value));
        if (reason)
                json_object_object_add(o, "reason", json_object_new_string(reason));
        json_object_object_add(o, "result", json_object_new_string(result));
        /* Wake-to-action latency: from epoll_wait returning to this write
         * being done (the figure the bench reports), and to the write being
         * issued: the kernel may reclaim inside a memory.high write. */
        if (a && a->wake_us) {
                json_object_object_add(o, "since_wakeup_us",
                                       json_object_new_uint64(agent_now_us() - a->wake_us));
                /* Where the time went: the snapshot, the decision, the
                 * write (decide_us includes a second read when the decision
                 * asked for current usage first). */
                if (a->scan_done_us >= a->wake_us && a->decide_done_us >= a->scan_done_us) {
                        json_object_object_add(
                                o, "scan_us", json_object_new_uint64(a->scan_done_us - a->wake_us));
                        json_object_object_add(
                                o, "decide_us",
                                json_object_new_uint64(a->decide_done_us - a->scan_done_us));
                }
                if (a->write_start_us >= a->wake_us && a->write_end_us >= a->write_start_us) {
                        json_object_object_add(
                                o, "issued_after_us",
                                json_object_new_uint64(a->write_start_us - a->wake_us));
                        json_object_object_add(
                                o, "write_us",
                                json_object_new_uint64(a->write_end_us - a->write_start_us));
                }
        }
        if (a)
                a->write_start_us = a->write_end_us = 0;
        log_json_line(o);
        json_object_put(o);
}
