/* SPDX-License-Identifier: MIT */
/* Parsing a container record. Records are written by our own hook, but the
 * agent reads them after restarts and upgrades, so every field is checked. */
#include <json-c/json.h>

#include "record.h"

static void json_putp(struct json_object **o) {
        if (*o)
                json_object_put(*o);
}

static int get_string(struct json_object *o, const char *key, bool required, char **ret,
                      struct mq_error *err) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v)) {
                if (required)
                        return mq_error_set(err, EINVAL, "record has no \"%s\"", key);
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return mq_error_set(err, EINVAL, "record field \"%s\" is not a string", key);
        char *s = strdup(json_object_get_string(v));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int get_int(struct json_object *o, const char *key, int64_t *ret, struct mq_error *err) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return mq_error_set(err, EINVAL, "record field \"%s\" is not an integer", key);
        *ret = json_object_get_int64(v);
        return 0;
}

static int get_map(struct json_object *o, const char *key, struct mq_record *rec,
                   int (*add)(struct mq_record *, const char *, const char *),
                   struct mq_error *err) {
        struct json_object *m;
        if (!json_object_object_get_ex(o, key, &m))
                return 0;
        if (!json_object_is_type(m, json_type_object))
                return mq_error_set(err, EINVAL, "record field \"%s\" is not an object", key);
        json_object_object_foreach(m, k, v) {
                if (!json_object_is_type(v, json_type_string))
                        return mq_error_set(err, EINVAL,
                                            "record \"%s\" entry \"%s\" is not a string", key, k);
                int r = add(rec, k, json_object_get_string(v));
                if (r == -E2BIG)
                        return mq_error_set(err, E2BIG, "record \"%s\" has over %d entries", key,
                                            MQ_RECORD_MAX_KV);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int get_enum(struct json_object *o, const char *key, int (*from)(const char *, void *),
                    void *ret, struct mq_error *err) {
        char *s = NULL;
        int r = get_string(o, key, false, &s, err);
        if (r < 0 || !s)
                return r;
        if (from(s, ret) < 0)
                r = mq_error_set(err, EINVAL, "record field \"%s\" has unknown value \"%s\"", key,
                                 s);
        free(s);
        return r;
}

static int qos_from(const char *s, void *ret) {
        return mq_qos_from_name(s, ret);
}

static int priority_from(const char *s, void *ret) {
        return mq_priority_from_name(s, ret);
}

static int get_clamp(struct json_object *c, struct mq_record *rec, struct mq_error *err) {
        static const char *const keys[] = {"annotation", "asked", "applied", "why"};
        char *v[4] = {NULL};
        int r = 0;
        if (!json_object_is_type(c, json_type_object))
                return mq_error_set(err, EINVAL,
                                    "record \"policy.clamped\" entry is not an object");
        for (size_t i = 0; i < 4 && r >= 0; i++)
                r = get_string(c, keys[i], true, &v[i], err);
        if (r >= 0)
                r = record_add_clamp(rec, v[0], v[1], v[2], v[3]);
        /* explicit frees: the analyzer does not follow cleanup attributes */
        for (size_t i = 0; i < 4; i++)
                free(v[i]);
        if (r == -E2BIG)
                return mq_error_set(err, E2BIG, "record \"policy.clamped\" has over %d entries",
                                    MQ_RECORD_MAX_CLAMPS);
        return r;
}

static int get_policy(struct json_object *o, struct mq_record *rec, struct mq_error *err) {
        struct json_object *pol, *arr;
        int r;
        if (!json_object_object_get_ex(o, "policy", &pol))
                return 0;
        if (!json_object_is_type(pol, json_type_object))
                return mq_error_set(err, EINVAL, "record field \"policy\" is not an object");
        if ((r = get_string(pol, "source", true, &rec->policy_source, err)) < 0)
                return r;
        if (!json_object_object_get_ex(pol, "clamped", &arr))
                return 0;
        if (!json_object_is_type(arr, json_type_array))
                return mq_error_set(err, EINVAL, "record field \"policy.clamped\" is not an array");
        for (size_t i = 0; i < json_object_array_length(arr); i++)
                if ((r = get_clamp(json_object_array_get_idx(arr, i), rec, err)) < 0)
                        return r;
        return 0;
}

static int parse_object(struct json_object *o, struct mq_record *rec, struct mq_error *err) {
        int64_t version = 0;
        struct json_object *pod;
        int r;

        if (!json_object_is_type(o, json_type_object))
                return mq_error_set(err, EINVAL, "record is not a JSON object");
        if ((r = get_int(o, "version", &version, err)) < 0)
                return r;
        if (version != MQ_RECORD_VERSION)
                return mq_error_set(err, EPROTO, "record version %lld, expected %d",
                                    (long long)version, MQ_RECORD_VERSION);
        if ((r = get_string(o, "id", true, &rec->id, err)) < 0)
                return r;
        if (!record_id_valid(rec->id))
                return mq_error_set(err, EINVAL, "record id \"%s\" is not a valid container id",
                                    rec->id);
        if ((r = get_string(o, "cgroup", true, &rec->cgroup, err)) < 0 ||
            (r = get_int(o, "pid", &rec->pid, err)) < 0 ||
            (r = get_int(o, "time", &rec->time, err)) < 0 ||
            (r = get_string(o, "container", false, &rec->container, err)) < 0 ||
            (r = get_enum(o, "qos", qos_from, &rec->qos, err)) < 0 ||
            (r = get_enum(o, "priority", priority_from, &rec->priority, err)) < 0 ||
            (r = get_map(o, "annotations", rec, record_add_annotation, err)) < 0 ||
            (r = get_map(o, "applied", rec, record_add_applied, err)) < 0 ||
            (r = get_policy(o, rec, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "pod", &pod)) {
                if (!json_object_is_type(pod, json_type_object))
                        return mq_error_set(err, EINVAL, "record field \"pod\" is not an object");
                if ((r = get_string(pod, "uid", false, &rec->pod_uid, err)) < 0 ||
                    (r = get_string(pod, "name", false, &rec->pod_name, err)) < 0 ||
                    (r = get_string(pod, "namespace", false, &rec->pod_namespace, err)) < 0)
                        return r;
        }
        return 0;
}

int record_parse_buf(const char *buf, struct mq_record *ret, struct mq_error *err) {
        struct mq_record rec = {.priority = MQ_PRIO_NORMAL};
        enum json_tokener_error jerr;
        __attribute__((cleanup(json_putp))) struct json_object *o =
                json_tokener_parse_verbose(buf, &jerr);

        if (!o)
                return mq_error_set(err, EINVAL, "record is not valid JSON: %s",
                                    json_tokener_error_desc(jerr));
        int r = parse_object(o, &rec, err);
        if (r < 0) {
                record_done(&rec);
                return r;
        }
        *ret = rec;
        return 0;
}
