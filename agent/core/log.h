/* SPDX-License-Identifier: MIT */
/* Output: one JSON line per action on stdout (for machines and log
 * collectors), human warnings on stderr. */
#pragma once

#include <stdbool.h>

#include <json-c/json.h>

#include "agent.h"
#include "util.h"

/* "memqos-agent: <prefix><msg>" on stderr, msg escaped (escape.h). */
void log_message(const char *prefix, const char *msg);
/* The same, formatted: for command-line errors, with no level word. */
void log_plain(const char *fmt, ...) _printf_(1, 2);
void log_warn(const char *fmt, ...) _printf_(1, 2);
void log_info(const char *fmt, ...) _printf_(1, 2);
void log_error(const char *fmt, ...) _printf_(1, 2);

/* Wall-clock time as "2026-11-21T22:48:12.345Z". */
void log_time_text(char buf[static 32]);

/* The evidence object of a decision: node PSI, MemAvailable, the protected
 * page cache and the headroom (policy/headroom.h) and, if pod is
 * non-NULL, the pod's usage, priority and QoS. */
struct json_object *log_evidence(const struct mq_config *cfg, const struct mq_snapshot *snap,
                                 const struct mq_pod *pod);

/* Where one wakeup's time went (CLOCK_MONOTONIC microseconds, 0: not
 * measured). The loop fills the first three for each wakeup and hands it
 * down; the actuator adds the write it is about to log. Never kept in
 * struct agent: it lives for one wakeup (`once` has none). */
struct log_timing {
        uint64_t wake_us;                      /* epoll_wait returned */
        uint64_t scan_done_us, decide_done_us; /* the snapshot, the decision */
        uint64_t write_start_us, write_end_us; /* around the write being logged */
};

/* One line: {"time", "trigger", "evidence", "action", "target", "value",
 * "reason", "result"} and, with a timing, where the wakeup's time went.
 * value and t may be NULL. Remembers it for status. */
void log_action(struct agent *a, const struct log_timing *t, const struct mq_snapshot *snap,
                const struct mq_pod *pod, const char *action, const char *target, const char *value,
                const char *reason, const char *result);
/* Remember an action for status without a log line (`once --act` prints
 * its actions in its own JSON document). */
void log_action_remember(struct agent *a, const struct mq_pod *pod, const char *action,
                         const char *target, const char *value, const char *reason,
                         const char *result);

/* Print a JSON object on one line to stdout and flush. */
void log_json_line(struct json_object *o);
