/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "cgfs.h"
#include "escape.h"
#include "jsonval.h"

/* Messages quote cgroup paths, record names and configuration values: each
 * is escaped whole as it is printed (escape.h), so one message stays one
 * line on stderr and in the journal. Formatted in the variadic function
 * itself, as error.c does. */
void log_message(const char *prefix, const char *msg) {
        char esc[4096];
        (void)fprintf(stderr, "memqos-agent: %s%s\n", prefix, mq_escape(msg, esc, sizeof(esc)));
}

/* One formatted message with its level word, escaped once at print. */
_printf_(2, 0) static void log_formatted(const char *prefix, const char *fmt, va_list ap) {
        char msg[1024];
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        log_message(prefix, msg);
}

void log_warn(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_formatted("warning: ", fmt, ap);
        va_end(ap);
}

void log_plain(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_formatted("", fmt, ap);
        va_end(ap);
}

void log_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_formatted("error: ", fmt, ap);
        va_end(ap);
}

void log_info(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_formatted("", fmt, ap);
        va_end(ap);
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
                return jsonval_text("max");
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
        jsonval_headroom_fields(e, &hr);
        if (!pod)
                return e;
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "uid", jsonval_text(pod->uid));
        if (pod->name[0])
                json_object_object_add(p, "name", jsonval_text(pod->name));
        if (pod->ns[0])
                json_object_object_add(p, "namespace", jsonval_text(pod->ns));
        json_object_object_add(p, "qos", jsonval_text(mq_qos_name(pod->qos)));
        json_object_object_add(p, "priority", jsonval_text(mq_priority_name(pod->priority)));
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
        return jsonval_text(value);
}

void log_action_remember(struct agent *a, const struct mq_pod *pod, const char *action,
                         const char *target, const char *value, const char *reason,
                         const char *result) {
        char time[32];
        log_time_text(time);
        remember(a, time, pod, action, target, value, reason, result);
}

/* Wake-to-action latency: from epoll_wait returning to this write being
 * done (the figure the bench reports), and to the write being issued: the
 * kernel may reclaim inside a memory.high write. */
static void add_timing(struct json_object *o, const struct log_timing *t) {
        json_object_object_add(o, "since_wakeup_us", json_object_new_uint64(now_us() - t->wake_us));
        /* Where the time went: the snapshot, the decision, the write
         * (decide_us includes a second read when the decision asked for
         * current usage first). */
        if (t->scan_done_us >= t->wake_us && t->decide_done_us >= t->scan_done_us) {
                json_object_object_add(o, "scan_us",
                                       json_object_new_uint64(t->scan_done_us - t->wake_us));
                json_object_object_add(o, "decide_us",
                                       json_object_new_uint64(t->decide_done_us - t->scan_done_us));
        }
        if (t->write_start_us >= t->wake_us && t->write_end_us >= t->write_start_us) {
                json_object_object_add(o, "issued_after_us",
                                       json_object_new_uint64(t->write_start_us - t->wake_us));
                json_object_object_add(o, "write_us",
                                       json_object_new_uint64(t->write_end_us - t->write_start_us));
        }
}

void log_action(struct agent *a, const struct log_timing *t, const struct mq_snapshot *snap,
                const struct mq_pod *pod, const char *action, const char *target, const char *value,
                const char *reason, const char *result) {
        char time[32];
        log_time_text(time);
        remember(a, time, pod, action, target, value, reason, result);

        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "time", jsonval_text(time));
        json_object_object_add(o, "trigger", jsonval_text(mq_trigger_name(snap->trigger)));
        json_object_object_add(o, "evidence", log_evidence(&a->cfg, snap, pod));
        json_object_object_add(o, "action", jsonval_text(action));
        json_object_object_add(o, "target", jsonval_text(target));
        if (value)
                json_object_object_add(o, "value", value_object(value));
        if (reason)
                json_object_object_add(o, "reason", jsonval_text(reason));
        json_object_object_add(o, "result", jsonval_text(result));
        if (t && t->wake_us)
                add_timing(o, t);
        log_json_line(o);
        json_object_put(o);
}
