/* SPDX-License-Identifier: MIT */
#pragma once

#include "util.h"

/* Log to stderr (warnings and errors) and syslog; the message is escaped
 * (escape.h), id names the container ("(unknown)" when NULL). */
void hook_log(int priority, const char *id, const char *fmt, ...) _printf_(3, 4);
