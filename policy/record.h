/* SPDX-License-Identifier: MIT */
/* The container record: what the hook read and applied, written to
 * <state-dir>/containers/<id>.json for the agent. Format (version 1):
 * {
 *   "version": 1,
 *   "id": "<container id>", "pid": 1234,
 *   "cgroup": "/kubepods/burstable/pod<uid>/<id>",   // the container cgroup
 *   "pod": { "uid": "...", "name": "...", "namespace": "..." },
 *   "container": "app", "qos": "burstable", "priority": "normal",
 *   "annotations": { "memqos.io/memory-high": "90%", ... },  // those it used
 *   "applied": { "memory.high": "94371840", "memory.oom.group": "1", ... },
 *   "time": 1795301741, "time_text": "2026-11-21T22:55:41Z",
 *   "policy": {                                  // the node policy in force
 *     "source": "/etc/memqos/policy.json",
 *     "clamped": [ { "annotation": "memqos.io/memory-min", "asked": "max",
 *                    "applied": "536870912", "why": "..." } ]  // "" = not written
 *   }
 * }
 * "applied" holds each file's value exactly as written, which is also what
 * the kernel reads back (byte values are page-aligned by the hook), so drift
 * is a plain string comparison. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "types.h"

#define MQ_RECORD_VERSION 1
/* Runtimes use 64 hex digits; the cap keeps ".<id>.json.<pid>" within
 * NAME_MAX (255). */
#define MQ_ID_MAX            240
#define MQ_NAME_MAX          254 /* a DNS subdomain (pod name, namespace) */
#define MQ_RECORD_MAX_KV     32
#define MQ_RECORD_DIR        "containers"
#define MQ_RECORD_MAX_CLAMPS 8

struct mq_kv {
        char *key;
        char *value;
};

struct mq_record {
        char *id;
        int64_t pid;
        char *cgroup;
        char *pod_uid, *pod_name, *pod_namespace, *container;
        enum mq_qos qos;
        enum mq_priority priority;
        size_t n_annotations;
        struct mq_kv annotations[MQ_RECORD_MAX_KV];
        size_t n_applied;
        struct mq_kv applied[MQ_RECORD_MAX_KV];
        int64_t time;
        char *policy_source; /* NULL: written before the node policy existed */
        size_t n_clamped;
        struct mq_record_clamp {
                char *annotation, *asked, *applied, *why;
        } clamped[MQ_RECORD_MAX_CLAMPS];
};

/* A container id is safe as a file name: 1..MQ_ID_MAX bytes of
 * [A-Za-z0-9_.+-], not starting with '.'. */
int record_id_valid(const char *id);

/* Free every string the record owns and zero it. */
void record_done(struct mq_record *rec);

/* Append a key/value (copied) to annotations or applied. -E2BIG when full. */
int record_add_annotation(struct mq_record *rec, const char *key, const char *value);
int record_add_applied(struct mq_record *rec, const char *file, const char *value);

/* Append what the node policy bounded (strings copied). -E2BIG when full. */
int record_add_clamp(struct mq_record *rec, const char *annotation, const char *asked,
                     const char *applied, const char *why);

/* Look up an applied value by file name; NULL if absent. */
const char *record_applied(const struct mq_record *rec, const char *file);

/* Serialise to a JSON text (caller frees). */
int record_to_json(const struct mq_record *rec, char **ret);

/* Parse a JSON text. On success *ret owns its strings (record_done). */
int record_parse_buf(const char *buf, struct mq_record *ret, struct mq_error *err);

/* Write containers/<id>.json beneath state_fd atomically: a temp file in the
 * same directory, fsync, rename. Creates containers/ (0755) if missing. */
int record_write(int state_fd, const struct mq_record *rec, struct mq_error *err);

/* Read and parse containers/<name> beneath state_fd. */
int record_load(int state_fd, const char *name, struct mq_record *ret, struct mq_error *err);

/* Remove containers/<id>.json; -ENOENT if absent. */
int record_remove(int state_fd, const char *id);
