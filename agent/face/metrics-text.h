/* SPDX-License-Identifier: MIT */
/* Writing the Prometheus text format (version 0.0.4), for metrics.c (node
 * and agent series) and metrics-pods.c (per-pod series). */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "decide.h"

/* "# HELP" and "# TYPE" of a family; its samples must follow at once. */
void metrics_family(FILE *f, const char *name, const char *type, const char *help);
/* name{labels} value; labels is "" or "a=\"x\",b=\"y\"" (escaped). */
void metrics_u64(FILE *f, const char *name, const char *labels, uint64_t v);
void metrics_real(FILE *f, const char *name, const char *labels, double v);
/* Bytes, with MQ_UNLIMITED ("max") as +Inf. */
void metrics_bytes(FILE *f, const char *name, const char *labels, uint64_t v);
/* A one-sample family. */
void metrics_counter(FILE *f, const char *name, const char *help, uint64_t v);
void metrics_gauge(FILE *f, const char *name, const char *help, double v);

#define METRICS_LABEL_VALUE_MAX 1024 /* longer values are cut short */

/* Append name="value" (value escaped as the format asks: \\ \" \n) to
 * buf, with a comma when buf is not empty. Bytes that are not UTF-8
 * become U+FFFD. Cut short (never inside an escape or a character) when
 * buf is full. */
void metrics_label(char *buf, size_t size, const char *name, const char *value);
