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

/* One line: {"time", "trigger", "evidence", "action", "target", "value",
 * "reason", "result"}. value may be NULL. Remembers it for status. */
void log_action(struct agent *a, const struct mq_snapshot *snap, const struct mq_pod *pod,
                const char *action, const char *target, const char *value, const char *reason,
                const char *result);

/* Print a JSON object on one line to stdout and flush. */
void log_json_line(struct json_object *o);
