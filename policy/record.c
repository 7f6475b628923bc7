/* SPDX-License-Identifier: MIT */
#include "record.h"

#include <json-c/json.h>
#include <stdio.h>
#include <time.h>

static void json_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

int record_id_valid(const char *id) {
        size_t n = strlen(id);
        if (n == 0 || n > MQ_ID_MAX || id[0] == '.')
                return 0;
        for (size_t i = 0; i < n; i++) {
                char c = id[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '+' || c == '-'))
                        return 0;
        }
        return 1;
}

static void kv_free(struct mq_kv *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(v[i].key);
                free(v[i].value);
        }
}

void record_done(struct mq_record *rec) {
        free(rec->id);
        free(rec->cgroup);
        free(rec->pod_uid);
        free(rec->pod_name);
        free(rec->pod_namespace);
        free(rec->container);
        kv_free(rec->annotations, rec->n_annotations);
        kv_free(rec->applied, rec->n_applied);
        free(rec->policy_source);
        for (size_t i = 0; i < rec->n_clamped; i++) {
                free(rec->clamped[i].annotation);
                free(rec->clamped[i].asked);
                free(rec->clamped[i].applied);
                free(rec->clamped[i].why);
        }
        memset(rec, 0, sizeof(*rec));
}

static int kv_add(struct mq_kv *v, size_t *n, const char *key, const char *value) {
        if (*n >= MQ_RECORD_MAX_KV)
                return -E2BIG;
        struct mq_kv *slot = &v[*n];
        slot->key = strdup(key);
        slot->value = strdup(value);
        if (!slot->key || !slot->value) {
                free(slot->key);
                free(slot->value);
                *slot = (struct mq_kv){NULL, NULL};
                return -ENOMEM;
        }
        (*n)++;
        return 0;
}

int record_add_annotation(struct mq_record *rec, const char *key, const char *value) {
        return kv_add(rec->annotations, &rec->n_annotations, key, value);
}

int record_add_applied(struct mq_record *rec, const char *file, const char *value) {
        return kv_add(rec->applied, &rec->n_applied, file, value);
}

int record_add_clamp(struct mq_record *rec, const char *annotation, const char *asked,
                     const char *applied, const char *why) {
        if (rec->n_clamped >= MQ_RECORD_MAX_CLAMPS)
                return -E2BIG;
        struct mq_record_clamp c = {strdup(annotation), strdup(asked), strdup(applied),
                                    strdup(why)};
        if (!c.annotation || !c.asked || !c.applied || !c.why) {
                free(c.annotation);
                free(c.asked);
                free(c.applied);
                free(c.why);
                return -ENOMEM;
        }
        rec->clamped[rec->n_clamped++] = c;
        return 0;
}

const char *record_applied(const struct mq_record *rec, const char *file) {
        for (size_t i = 0; i < rec->n_applied; i++)
                if (streq(rec->applied[i].key, file))
                        return rec->applied[i].value;
        return NULL;
}

static int add_string(struct json_object *o, const char *key, const char *value) {
        struct json_object *s = json_object_new_string(value ? value : "");
        if (!s || json_object_object_add(o, key, s) < 0) {
                json_object_put(s);
                return -ENOMEM;
        }
        return 0;
}

static int add_int(struct json_object *o, const char *key, int64_t value) {
        struct json_object *i = json_object_new_int64(value);
        if (!i || json_object_object_add(o, key, i) < 0) {
                json_object_put(i);
                return -ENOMEM;
        }
        return 0;
}

static int add_map(struct json_object *o, const char *key, const struct mq_kv *v, size_t n) {
        struct json_object *m = json_object_new_object();
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (add_string(m, v[i].key, v[i].value) < 0) {
                        json_object_put(m);
                        return -ENOMEM;
                }
        if (json_object_object_add(o, key, m) < 0) {
                json_object_put(m);
                return -ENOMEM;
        }
        return 0;
}

static int add_clamp_object(struct json_object *arr, const struct mq_record_clamp *c) {
        struct json_object *o = json_object_new_object();
        if (!o || add_string(o, "annotation", c->annotation) < 0 ||
            add_string(o, "asked", c->asked) < 0 || add_string(o, "applied", c->applied) < 0 ||
            add_string(o, "why", c->why) < 0 || json_object_array_add(arr, o) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        return 0;
}

/* "policy": only in records of a hook that checked one. */
static int add_policy(struct json_object *o, const struct mq_record *rec) {
        if (!rec->policy_source)
                return 0;
        struct json_object *pol = json_object_new_object(), *arr = json_object_new_array();
        if (!pol || !arr || add_string(pol, "source", rec->policy_source) < 0) {
                json_object_put(pol);
                json_object_put(arr);
                return -ENOMEM;
        }
        for (size_t i = 0; i < rec->n_clamped; i++)
                if (add_clamp_object(arr, &rec->clamped[i]) < 0) {
                        json_object_put(pol);
                        json_object_put(arr);
                        return -ENOMEM;
                }
        if (json_object_object_add(pol, "clamped", arr) < 0) {
                json_object_put(pol);
                json_object_put(arr);
                return -ENOMEM;
        }
        if (json_object_object_add(o, "policy", pol) < 0) {
                json_object_put(pol);
                return -ENOMEM;
        }
        return 0;
}

static void format_time(int64_t t, char buf[static 32]) {
        struct tm tm;
        time_t tt = (time_t)t;
        if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                buf[0] = '\0';
}

static struct json_object *record_to_object(const struct mq_record *rec) {
        _cleanup_json_ struct json_object *o = json_object_new_object();
        struct json_object *pod = json_object_new_object();
        char when[32];

        if (!o || !pod || json_object_object_add(o, "version", json_object_new_int(1)) < 0) {
                json_object_put(pod);
                return NULL;
        }
        if (add_string(pod, "uid", rec->pod_uid) < 0 ||
            add_string(pod, "name", rec->pod_name) < 0 ||
            add_string(pod, "namespace", rec->pod_namespace) < 0) {
                json_object_put(pod);
                return NULL;
        }
        format_time(rec->time, when);
        if (add_string(o, "id", rec->id) < 0 || add_int(o, "pid", rec->pid) < 0 ||
            add_string(o, "cgroup", rec->cgroup) < 0 || json_object_object_add(o, "pod", pod) < 0 ||
            add_string(o, "container", rec->container) < 0 ||
            add_string(o, "qos", mq_qos_name(rec->qos)) < 0 ||
            add_string(o, "priority", mq_priority_name(rec->priority)) < 0 ||
            add_map(o, "annotations", rec->annotations, rec->n_annotations) < 0 ||
            add_map(o, "applied", rec->applied, rec->n_applied) < 0 ||
            add_int(o, "time", rec->time) < 0 || add_string(o, "time_text", when) < 0 ||
            add_policy(o, rec) < 0)
                return NULL;
        return TAKE_PTR(o);
}

int record_to_json(const struct mq_record *rec, char **ret) {
        _cleanup_json_ struct json_object *o = record_to_object(rec);
        if (!o)
                return -ENOMEM;
        const char *text = json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        char *copy = text ? strdup(text) : NULL;
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}
