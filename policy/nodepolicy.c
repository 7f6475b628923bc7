/* SPDX-License-Identifier: MIT */
/* The node policy file: built-in defaults and parsing. The checks are in
 * nodepolicy-check.c. */
#include "nodepolicy.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>

#include "config.h"
#include "quantity.h"

#define DEFAULT_MAX_SHARE_PCT 50

/* Every knob but swap-max: memory.swap.max above what the kubelet set lets a
 * pod swap without bound on a node with swap, which no Kubernetes object
 * admitted. The others either only restrict the pod (memory-high,
 * oom-group) or are bounded below (protection, priority). */
static void default_rules(struct mq_ns_rules *r) {
        *r = (struct mq_ns_rules){
                .max_priority = MQ_PRIO_NORMAL,
                .protection = MQ_PROTECT_LIMIT,
        };
        for (unsigned k = 0; k < _MQ_KNOB_MAX; k++)
                r->knobs[k] = k != MQ_KNOB_SWAP_MAX;
}

static void set_source(struct mq_nodepolicy *p, const char *source) {
        (void)snprintf(p->source, sizeof(p->source), "%s", source ? source : "built-in defaults");
}

/* kube-system alone may ask for "critical": it always exists (no tenant can
 * create it first), only cluster administrators write to it, and it is the
 * namespace Kubernetes itself reserves for node- and cluster-critical pods
 * (the system-*-critical PriorityClasses). */
int mq_nodepolicy_defaults(const char *source, struct mq_nodepolicy *ret) {
        struct mq_nodepolicy p = {.on_violation = MQ_VIOLATION_REFUSE,
                                  .max_share_pct = DEFAULT_MAX_SHARE_PCT};
        default_rules(&p.dflt);
        p.ns = calloc(1, sizeof(*p.ns));
        if (!p.ns)
                return -ENOMEM;
        p.n_ns = 1;
        (void)snprintf(p.ns[0].name, sizeof(p.ns[0].name), "kube-system");
        p.ns[0].rules = p.dflt;
        p.ns[0].rules.max_priority = MQ_PRIO_CRITICAL;
        set_source(&p, source);
        *ret = p;
        return 0;
}

void mq_nodepolicy_done(struct mq_nodepolicy *p) {
        free(p->ns);
        *p = (struct mq_nodepolicy){0};
}

bool mq_namespace_valid(const char *s) {
        return s && mq_dns_label_valid(s);
}

const struct mq_ns_rules *mq_nodepolicy_rules(const struct mq_nodepolicy *p, const char *ns) {
        if (ns && *ns)
                for (size_t i = 0; i < p->n_ns; i++)
                        if (streq(p->ns[i].name, ns))
                                return &p->ns[i].rules;
        return &p->dflt;
}

/* ---- parsing ---- */

static const char *json_text(struct json_object *v) {
        return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
}

static int parse_knobs(const char *path, struct json_object *v, struct mq_ns_rules *r,
                       struct mq_error *err) {
        static const char expected[] =
                "memory-high, memory-low, memory-min, swap-max, oom-group, priority";
        if (!json_object_is_type(v, json_type_array))
                return mq_error_set(err, EINVAL,
                                    "\"%s\" must be an array of knob names (%s), got %.40s", path,
                                    expected, json_text(v));
        bool knobs[_MQ_KNOB_MAX] = {false};
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(v, i);
                enum mq_knob k;
                if (!json_object_is_type(e, json_type_string) ||
                    mq_knob_from_name(json_object_get_string(e), &k) < 0)
                        return mq_error_set(err, EINVAL, "\"%s[%zu]\" must be one of %s, got %.40s",
                                            path, i, expected, json_text(e));
                knobs[k] = true;
        }
        memcpy(r->knobs, knobs, sizeof(knobs));
        return 0;
}

static int parse_priority(const char *path, struct json_object *v, struct mq_ns_rules *r,
                          struct mq_error *err) {
        enum mq_priority prio;
        if (!json_object_is_type(v, json_type_string) ||
            mq_priority_from_name(json_object_get_string(v), &prio) < 0)
                return mq_error_set(err, EINVAL,
                                    "\"%s\" must be one of \"batch\", \"low\", \"normal\", "
                                    "\"high\", \"critical\", got %.40s",
                                    path, json_text(v));
        r->max_priority = prio;
        return 0;
}

static int parse_protection(const char *path, struct json_object *v, struct mq_ns_rules *r,
                            struct mq_error *err) {
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        uint64_t bytes;

        if (s && streq(s, "limit"))
                r->protection = MQ_PROTECT_LIMIT;
        else if (s && streq(s, "none"))
                r->protection = MQ_PROTECT_NONE;
        else if (s && !streq(s, "max") && quantity_parse(s, &bytes, NULL) == 0) {
                r->protection = MQ_PROTECT_FIXED;
                r->protection_bytes = bytes;
        } else
                return mq_error_set(err, EINVAL,
                                    "\"%s\" must be \"limit\", \"none\" or a quantity such as "
                                    "\"512Mi\" (\"max\" is never allowed), got %.40s",
                                    path, json_text(v));
        return 0;
}

/* One rules object ("default" or a namespace's) over the rules in *r. */
static int parse_rules(const char *path, struct json_object *obj, struct mq_ns_rules *r,
                       struct mq_error *err) {
        if (!json_object_is_type(obj, json_type_object))
                return mq_error_set(err, EINVAL, "\"%s\" must be an object, got %.40s", path,
                                    json_text(obj));
        json_object_object_foreach(obj, name, val) {
                char sub[160];
                (void)snprintf(sub, sizeof(sub), "%s.%.64s", path, name);
                int r_;
                if (streq(name, "knobs"))
                        r_ = parse_knobs(sub, val, r, err);
                else if (streq(name, "max_priority"))
                        r_ = parse_priority(sub, val, r, err);
                else if (streq(name, "protection"))
                        r_ = parse_protection(sub, val, r, err);
                else
                        r_ = mq_error_set(err, EINVAL,
                                          "unknown key \"%s\"; expected one of: knobs, "
                                          "max_priority, protection",
                                          sub);
                if (r_ < 0)
                        return r_;
        }
        return 0;
}

static int parse_namespaces(struct json_object *obj, struct mq_nodepolicy *p,
                            struct mq_error *err) {
        if (!json_object_is_type(obj, json_type_object))
                return mq_error_set(err, EINVAL, "\"namespaces\" must be an object, got %.40s",
                                    json_text(obj));
        size_t n = (size_t)json_object_object_length(obj);
        if (n > MQ_NODEPOLICY_NS_MAX)
                return mq_error_set(err, E2BIG, "\"namespaces\" has %zu entries, at most %d", n,
                                    MQ_NODEPOLICY_NS_MAX);
        struct mq_ns_entry *v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        size_t i = 0;
        json_object_object_foreach(obj, name, val) {
                char path[160];
                if (!mq_namespace_valid(name)) {
                        free(v);
                        return mq_error_set(err, EINVAL,
                                            "\"namespaces\" key \"%s\" is not a namespace name "
                                            "(expected a DNS-1123 label: 1-63 lower-case letters, "
                                            "digits and '-')",
                                            name);
                }
                (void)snprintf(v[i].name, sizeof(v[i].name), "%s", name);
                v[i].rules = p->dflt; /* a key the entry leaves out comes from "default" */
                (void)snprintf(path, sizeof(path), "namespaces.%s", name);
                int r = parse_rules(path, val, &v[i].rules, err);
                if (r < 0) {
                        free(v);
                        return r;
                }
                i++;
        }
        free(p->ns);
        p->ns = v;
        p->n_ns = i;
        return 0;
}

static int parse_propagation(struct json_object *obj, struct mq_nodepolicy *p,
                             struct mq_error *err) {
        if (!json_object_is_type(obj, json_type_object))
                return mq_error_set(err, EINVAL, "\"propagation\" must be an object, got %.40s",
                                    json_text(obj));
        json_object_object_foreach(obj, name, val) {
                if (!streq(name, "max_share_pct"))
                        return mq_error_set(err, EINVAL,
                                            "unknown key \"propagation.%.64s\"; expected one of: "
                                            "max_share_pct",
                                            name);
                int64_t pct =
                        json_object_is_type(val, json_type_int) ? json_object_get_int64(val) : -1;
                if (pct < 1 || pct > 100)
                        return mq_error_set(err, EINVAL,
                                            "\"propagation.max_share_pct\" must be an integer from "
                                            "1 to 100 (percent of MemTotal), got %.40s",
                                            json_text(val));
                p->max_share_pct = (unsigned)pct;
        }
        return 0;
}

static int parse_on_violation(struct json_object *v, struct mq_nodepolicy *p,
                              struct mq_error *err) {
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        if (streq(s, "refuse"))
                p->on_violation = MQ_VIOLATION_REFUSE;
        else if (streq(s, "clamp"))
                p->on_violation = MQ_VIOLATION_CLAMP;
        else
                return mq_error_set(err, EINVAL,
                                    "\"on_violation\" must be \"refuse\" or \"clamp\", got %.40s",
                                    json_text(v));
        return 0;
}

static int parse_top(struct json_object *root, struct mq_nodepolicy *p, struct mq_error *err) {
        struct json_object *v;
        int r;
        /* "default" first: namespace entries inherit what they leave out. */
        if (json_object_object_get_ex(root, "default", &v) &&
            (r = parse_rules("default", v, &p->dflt, err)) < 0)
                return r;
        json_object_object_foreach(root, name, val) {
                if (streq(name, "default"))
                        continue;
                if (streq(name, "on_violation"))
                        r = parse_on_violation(val, p, err);
                else if (streq(name, "namespaces"))
                        r = parse_namespaces(val, p, err);
                else if (streq(name, "propagation"))
                        r = parse_propagation(val, p, err);
                else
                        r = mq_error_set(err, EINVAL,
                                         "unknown key \"%.64s\"; expected one of: on_violation, "
                                         "default, namespaces, propagation",
                                         name);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mq_nodepolicy_parse_buf(const char *buf, const char *source, struct mq_nodepolicy *ret,
                            struct mq_error *err) {
        struct json_object *root = NULL;
        struct mq_nodepolicy p = {0};

        if (strlen(buf) > MQ_NODEPOLICY_MAX_BYTES)
                return mq_error_set(err, EFBIG, "the file is larger than %d bytes",
                                    MQ_NODEPOLICY_MAX_BYTES);
        int r = mq_json_parse(buf, &root, err);
        if (r < 0)
                return r;
        r = mq_nodepolicy_defaults(source, &p);
        if (r >= 0)
                r = parse_top(root, &p, err);
        /* No "namespaces": the built-in kube-system entry, over this file's
         * "default" like any entry. */
        if (r >= 0 && !json_object_object_get_ex(root, "namespaces", NULL)) {
                p.ns[0].rules = p.dflt;
                p.ns[0].rules.max_priority = MQ_PRIO_CRITICAL;
        }
        json_object_put(root);
        if (r < 0) {
                mq_nodepolicy_done(&p);
                return r;
        }
        *ret = p;
        return 0;
}
