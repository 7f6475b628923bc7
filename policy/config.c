/* SPDX-License-Identifier: MIT */
/* The agent's configuration: defaults, the JSON file, and its serialisation.
 * One table below lists every key once; parsing, range checks, error texts
 * and the JSON output are all driven by it, so they cannot disagree. */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stddef.h>

#include "ctlproto.h"
#include "util.h"

#define MS_US UINT64_C(1000)

void mq_config_defaults(struct mq_config *cfg) {
        *cfg = (struct mq_config){
                /* Without swap, anonymous growth leaves little to reclaim, so
                 * little stall accrues before the kernel OOM killer fires
                 * (DESIGN.md: ~24 ms of total node stall before an OOM kill in
                 * the VM). A trigger must therefore be low and short: 10 % of a
                 * 1 s window is already the "ls takes seconds" state, far below
                 * systemd-oomd's 60 % over 30 s, which assumes swap. */
                .psi_node_some_us = 100 * MS_US,
                .psi_node_window_us = 1000 * MS_US,
                /* kubepods stall also counts pods held at their own
                 * memory.high, which is not node pressure: a little higher. */
                .psi_kubepods_some_us = 150 * MS_US,
                .psi_kubepods_window_us = 1000 * MS_US,
                /* earlyoom's defaults (10 % / 5 %), with the kill line a bit
                 * lower because our ladder acts earlier and more gently. */
                .watermark_reclaim_pct = 10.0,
                .watermark_kill_pct = 4.0,
                /* One PSI window: a step's effect is visible in the next
                 * window, and memory.reclaim of a few hundred MiB returns well
                 * within it. */
                .step_interval_ms = 1000,
                /* A quarter of a pod's reclaimable page cache per step: enough
                 * to matter, little enough that its hot files stay cached. */
                .reclaim_fraction_pct = 25,
                /* memory.high at or above usage only caps growth; leave the pod
                 * a quarter of its headroom so a burst stalls instead of
                 * eating the node. */
                .throttle_step_pct = 75,
                /* Four steps back to the original limit. */
                .relax_step_pct = 25,
                /* The horizon of PSI avg10: pressure gone this long is not a
                 * lull between two bursts. */
                .relief_ms = 10000,
                /* A killed pod's anonymous memory is freed as its tasks exit,
                 * within about a second even for large pods; 5 s lets several
                 * snapshots show the effect before another pod dies. */
                .kill_cooldown_ms = 5000,
                /* Without swap the only other way out is the kernel OOM killer,
                 * which knows nothing of priorities. */
                .kill_enabled = true,
                .protected_priority = MQ_PRIO_CRITICAL,
                .protect_guaranteed = true,
                /* A task stuck at memory.high without swap shows its own full
                 * PSI rising ~1 s per second (BACKGROUND.md); 40 % for 10 s
                 * (the avg10 horizon) is stuck, not merely busy reclaiming. */
                .livelock_ms = 10000,
                .livelock_full_pct = 40.0,
                /* Raising memory.high loses nothing; killing is opt-in. */
                .livelock_kill = false,
                /* Runtime updates rewrite limits rarely; records drift slowly. */
                .reconcile_ms = 30000,
                /* cgroup-v2.rst: a child's effective min/low is capped by what
                 * its ancestors carry, so unpropagated protection is void. */
                .propagate_protection = true,
                .dry_run = false,
        };
}

enum key_kind {
        K_MS_US,    /* integer ms in the file, uint64_t µs in the struct */
        K_U64,      /* integer, uint64_t */
        K_PCT_REAL, /* number 0-100, double */
        K_BOOL,
        K_PRIORITY, /* tier name or "none" */
        K_LISTEN,   /* "ADDR:PORT" or "", char[] */
};

struct key_spec {
        const char *path;
        const char *unit; /* "ms", "percent" */
        size_t off;
        uint64_t min, max; /* inclusive; for K_PCT_REAL too */
        enum key_kind kind;
        bool zero_off; /* 0 is also allowed and means "off" */
};

#define KEY(path, kind, field, min, max, zero_off, unit)                                           \
        { path, unit, offsetof(struct mq_config, field), min, max, kind, zero_off }

static const struct key_spec keys[] = {
        KEY("psi.node.some_ms", K_MS_US, psi_node_some_us, 1, 9999, false, "ms"),
        KEY("psi.node.window_ms", K_MS_US, psi_node_window_us, 500, 10000, false, "ms"),
        KEY("psi.kubepods.some_ms", K_MS_US, psi_kubepods_some_us, 1, 9999, false, "ms"),
        KEY("psi.kubepods.window_ms", K_MS_US, psi_kubepods_window_us, 500, 10000, false, "ms"),
        KEY("watermarks.reclaim_pct", K_PCT_REAL, watermark_reclaim_pct, 0, 100, false, "percent"),
        KEY("watermarks.kill_pct", K_PCT_REAL, watermark_kill_pct, 0, 100, false, "percent"),
        KEY("ladder.step_interval_ms", K_U64, step_interval_ms, 100, 60000, false, "ms"),
        KEY("ladder.reclaim_pct", K_U64, reclaim_fraction_pct, 0, 100, false, "percent"),
        KEY("ladder.throttle_pct", K_U64, throttle_step_pct, 0, 100, false, "percent"),
        KEY("ladder.relax_pct", K_U64, relax_step_pct, 1, 100, false, "percent"),
        KEY("ladder.relief_ms", K_U64, relief_ms, 0, 600000, false, "ms"),
        KEY("ladder.kill", K_BOOL, kill_enabled, 0, 0, false, NULL),
        KEY("ladder.kill_cooldown_ms", K_U64, kill_cooldown_ms, 0, 600000, false, "ms"),
        KEY("protect.priority", K_PRIORITY, protected_priority, 0, 0, false, NULL),
        KEY("protect.guaranteed", K_BOOL, protect_guaranteed, 0, 0, false, NULL),
        KEY("livelock.stuck_ms", K_U64, livelock_ms, 1000, 600000, true, "ms"),
        KEY("livelock.full_pct", K_PCT_REAL, livelock_full_pct, 1, 100, false, "percent"),
        KEY("livelock.kill", K_BOOL, livelock_kill, 0, 0, false, NULL),
        KEY("reconcile_ms", K_U64, reconcile_ms, 1000, 86400000, false, "ms"),
        KEY("propagate_protection", K_BOOL, propagate_protection, 0, 0, false, NULL),
        KEY("dry_run", K_BOOL, dry_run, 0, 0, false, NULL),
        KEY("metrics_listen", K_LISTEN, metrics_listen, 0, 0, false, NULL),
};

static void *field(struct mq_config *c, const struct key_spec *k) {
        return (char *)c + k->off;
}

static const void *cfield(const struct mq_config *c, const struct key_spec *k) {
        return (const char *)c + k->off;
}

static const struct key_spec *key_find(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(keys[i].path, path))
                        return &keys[i];
        return NULL;
}

/* Does `path` name an object holding keys (e.g. "psi", "psi.node")? */
static bool is_section(const char *path) {
        size_t n = strlen(path);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strncmp(keys[i].path, path, n) == 0 && keys[i].path[n] == '.')
                        return true;
        return false;
}

/* "a, b, c": the keys allowed directly inside section `prefix` ("" = top). */
static void allowed_keys(const char *prefix, char *buf, size_t size) {
        size_t plen = strlen(prefix), used = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *p = keys[i].path;
                if (plen > 0 && (strncmp(p, prefix, plen) != 0 || p[plen] != '.'))
                        continue;
                const char *name = plen > 0 ? p + plen + 1 : p;
                size_t nlen = strcspn(name, ".");
                /* Skip a name already listed (sections repeat per key). */
                bool dup = false;
                for (size_t j = 0; j < i && !dup; j++) {
                        const char *q = keys[j].path;
                        if (plen > 0 && (strncmp(q, prefix, plen) != 0 || q[plen] != '.'))
                                continue;
                        const char *qn = plen > 0 ? q + plen + 1 : q;
                        dup = strcspn(qn, ".") == nlen && strncmp(qn, name, nlen) == 0;
                }
                if (dup)
                        continue;
                int w = snprintf(buf + used, size - used, "%s%.*s", used ? ", " : "", (int)nlen,
                                 name);
                if (w < 0 || (size_t)w >= size - used)
                        return;
                used += (size_t)w;
        }
}

/* The JSON text of a value, for "got ..." in error messages. */
static const char *json_text(struct json_object *v) {
        return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
}

static int range_error(const struct key_spec *k, const char *got, struct mq_error *err) {
        if (k->kind == K_PCT_REAL)
                return mq_error_set(err, EINVAL,
                                    "\"%s\" must be a number from %" PRIu64 " to %" PRIu64
                                    " (%s), got %.40s",
                                    k->path, k->min, k->max, k->unit, got);
        if (k->zero_off)
                return mq_error_set(err, EINVAL,
                                    "\"%s\" must be 0 (off) or an integer from %" PRIu64
                                    " to %" PRIu64 " (%s), got %.40s",
                                    k->path, k->min, k->max, k->unit, got);
        return mq_error_set(err, EINVAL,
                            "\"%s\" must be an integer from %" PRIu64 " to %" PRIu64
                            " (%s), got %.40s",
                            k->path, k->min, k->max, k->unit, got);
}

static bool in_range(const struct key_spec *k, double v) {
        if (k->zero_off && v == 0.0)
                return true;
        return v >= (double)k->min && v <= (double)k->max;
}

static int parse_integer(const struct key_spec *k, struct json_object *v, struct mq_config *c,
                         struct mq_error *err) {
        if (!json_object_is_type(v, json_type_int))
                return range_error(k, json_text(v), err);
        int64_t i = json_object_get_int64(v); /* saturates, so huge values fail below */
        if (i < 0 || !in_range(k, (double)i))
                return range_error(k, json_text(v), err);
        uint64_t u = (uint64_t)i;
        *(uint64_t *)field(c, k) = k->kind == K_MS_US ? u * MS_US : u;
        return 0;
}

/* "" turns the listener off; anything else must parse as ADDR:PORT. */
static int check_listen(const char *path, const char *s, struct mq_error *err) {
        char host[MQ_LISTEN_HOST_MAX];
        uint16_t port;
        struct mq_error why = {{0}};
        if (!*s || mq_listen_addr_parse(s, host, &port, &why) == 0)
                return 0;
        return mq_error_set(err, EINVAL, "\"%s\": %s", path, why.msg);
}

static int parse_listen(const struct key_spec *k, struct json_object *v, struct mq_config *c,
                        struct mq_error *err) {
        char *dst = field(c, k);
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (!s || strlen(s) >= sizeof(c->metrics_listen))
                return mq_error_set(err, EINVAL,
                                    "\"%s\" must be a string \"ADDR:PORT\" (or \"\" for off), "
                                    "got %.40s",
                                    k->path, json_text(v));
        int r = check_listen(k->path, s, err);
        if (r < 0)
                return r;
        memcpy(dst, s, strlen(s) + 1);
        return 0;
}

static int parse_value(const struct key_spec *k, struct json_object *v, struct mq_config *c,
                       struct mq_error *err) {
        switch (k->kind) {
        case K_MS_US:
        case K_U64:
                return parse_integer(k, v, c, err);
        case K_PCT_REAL: {
                if (!json_object_is_type(v, json_type_int) &&
                    !json_object_is_type(v, json_type_double))
                        return range_error(k, json_text(v), err);
                double d = json_object_get_double(v);
                if (!in_range(k, d))
                        return range_error(k, json_text(v), err);
                *(double *)field(c, k) = d;
                return 0;
        }
        case K_BOOL:
                if (!json_object_is_type(v, json_type_boolean))
                        return mq_error_set(err, EINVAL, "\"%s\" must be true or false, got %.40s",
                                            k->path, json_text(v));
                *(bool *)field(c, k) = json_object_get_boolean(v);
                return 0;
        case K_PRIORITY: {
                enum mq_priority p;
                const char *s =
                        json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
                if (streq(s, "none"))
                        p = _MQ_PRIO_MAX;
                else if (mq_priority_from_name(s, &p) < 0)
                        return mq_error_set(err, EINVAL,
                                            "\"%s\" must be one of \"batch\", \"low\", "
                                            "\"normal\", \"high\", \"critical\", \"none\", got "
                                            "%.40s",
                                            k->path, json_text(v));
                *(enum mq_priority *)field(c, k) = p;
                return 0;
        }
        case K_LISTEN:
                return parse_listen(k, v, c, err);
        }
        return -EINVAL;
}

static int parse_object(struct json_object *obj, const char *prefix, struct mq_config *c,
                        struct mq_error *err) {
        json_object_object_foreach(obj, name, val) {
                char path[128];
                int w = snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", name);
                const struct key_spec *k =
                        w > 0 && (size_t)w < sizeof(path) ? key_find(path) : NULL;
                int r;
                if (k)
                        r = parse_value(k, val, c, err);
                else if (w > 0 && (size_t)w < sizeof(path) && is_section(path)) {
                        if (!json_object_is_type(val, json_type_object))
                                return mq_error_set(err, EINVAL,
                                                    "\"%s\" must be an object, got %.40s", path,
                                                    json_text(val));
                        r = parse_object(val, path, c, err);
                } else {
                        char allowed[256];
                        allowed_keys(prefix, allowed, sizeof(allowed));
                        return mq_error_set(err, EINVAL,
                                            "unknown key \"%.100s\"; expected one of: %s", path,
                                            allowed);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Re-check one key's range from the struct (for configs built in code). */
static int check_key(const struct mq_config *c, const struct key_spec *k, struct mq_error *err) {
        char got[32];
        double v;
        switch (k->kind) {
        case K_MS_US:
                v = (double)*(const uint64_t *)cfield(c, k) / (double)MS_US;
                break;
        case K_U64:
                v = (double)*(const uint64_t *)cfield(c, k);
                break;
        case K_PCT_REAL:
                v = *(const double *)cfield(c, k);
                break;
        case K_PRIORITY:
                if ((unsigned)*(const enum mq_priority *)cfield(c, k) > _MQ_PRIO_MAX)
                        return mq_error_set(err, EINVAL, "\"%s\" is not a known tier", k->path);
                return 0;
        case K_LISTEN:
                return check_listen(k->path, cfield(c, k), err);
        case K_BOOL:
        default:
                return 0;
        }
        if (in_range(k, v))
                return 0;
        (void)snprintf(got, sizeof(got), "%g", v);
        return range_error(k, got, err);
}

static int check_trigger(uint64_t some_us, uint64_t window_us, const char *name,
                         struct mq_error *err) {
        /* psi.rst: the threshold is a stall time within the window, so it
         * must be shorter than the window to ever be crossed by growth. */
        if (some_us < window_us)
                return 0;
        return mq_error_set(err, EINVAL,
                            "\"psi.%s.some_ms\" (%" PRIu64
                            ") must be less than \"psi.%s.window_ms\" (%" PRIu64 ")",
                            name, some_us / MS_US, name, window_us / MS_US);
}

int mq_config_validate(const struct mq_config *cfg, struct mq_error *err) {
        int r;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                r = check_key(cfg, &keys[i], err);
                if (r < 0)
                        return r;
        }
        r = check_trigger(cfg->psi_node_some_us, cfg->psi_node_window_us, "node", err);
        if (r < 0)
                return r;
        r = check_trigger(cfg->psi_kubepods_some_us, cfg->psi_kubepods_window_us, "kubepods", err);
        if (r < 0)
                return r;
        if (cfg->watermark_reclaim_pct > 0 && cfg->watermark_kill_pct > cfg->watermark_reclaim_pct)
                return mq_error_set(err, EINVAL,
                                    "\"watermarks.kill_pct\" (%g) must not be above "
                                    "\"watermarks.reclaim_pct\" (%g)",
                                    cfg->watermark_kill_pct, cfg->watermark_reclaim_pct);
        return 0;
}

int mq_json_parse(const char *buf, struct json_object **ret, struct mq_error *err) {
        struct json_tokener *tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        size_t len = strlen(buf);
        /* json-c takes an int length; a config file is small. */
        if (len > INT32_MAX) {
                json_tokener_free(tok);
                return mq_error_set(err, EFBIG, "the file is too large");
        }
        struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
        enum json_tokener_error e = json_tokener_get_error(tok);
        size_t off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!o || e != json_tokener_success) {
                json_object_put(o);
                if (e == json_tokener_continue || e == json_tokener_success)
                        return mq_error_set(err, EINVAL,
                                            "not valid JSON: the text ends before the "
                                            "JSON value does");
                return mq_error_set(err, EINVAL, "not valid JSON at byte %zu: %s", off,
                                    json_tokener_error_desc(e));
        }
        while (off < len && isspace((unsigned char)buf[off]))
                off++;
        if (off < len) {
                json_object_put(o);
                return mq_error_set(err, EINVAL,
                                    "not valid JSON at byte %zu: text after the end of "
                                    "the object",
                                    off);
        }
        if (!json_object_is_type(o, json_type_object)) {
                int r = mq_error_set(err, EINVAL, "the top level must be a JSON object, got %.40s",
                                     json_text(o));
                json_object_put(o);
                return r;
        }
        *ret = o;
        return 0;
}

int mq_config_parse_buf(const char *buf, struct mq_config *cfg, struct mq_error *err) {
        struct json_object *root = NULL;
        int r = mq_json_parse(buf, &root, err);
        if (r < 0)
                return r;
        /* Parse into a copy and commit only when everything is valid, so a
         * bad file (e.g. on SIGHUP) leaves the running config untouched. */
        struct mq_config next = *cfg;
        r = parse_object(root, "", &next, err);
        json_object_put(root);
        if (r < 0)
                return r;
        r = mq_config_validate(&next, err);
        if (r < 0)
                return r;
        *cfg = next;
        return 0;
}

/* The object at `path`'s parent inside root, creating sections on the way;
 * *ret_leaf points at the last path component. */
static struct json_object *section_for(struct json_object *root, const char *path,
                                       const char **ret_leaf) {
        struct json_object *cur = root;
        const char *p = path;
        for (const char *dot; (dot = strchr(p, '.')); p = dot + 1) {
                char name[32];
                (void)snprintf(name, sizeof(name), "%.*s", (int)(dot - p), p);
                struct json_object *next;
                if (!json_object_object_get_ex(cur, name, &next)) {
                        next = json_object_new_object();
                        if (!next || json_object_object_add(cur, name, next) < 0) {
                                json_object_put(next);
                                return NULL;
                        }
                }
                cur = next;
        }
        *ret_leaf = p;
        return cur;
}

static struct json_object *value_json(const struct mq_config *c, const struct key_spec *k) {
        switch (k->kind) {
        case K_MS_US:
                return json_object_new_uint64(*(const uint64_t *)cfield(c, k) / MS_US);
        case K_U64:
                return json_object_new_uint64(*(const uint64_t *)cfield(c, k));
        case K_PCT_REAL:
                return json_object_new_double(*(const double *)cfield(c, k));
        case K_BOOL:
                return json_object_new_boolean(*(const bool *)cfield(c, k));
        case K_PRIORITY: {
                enum mq_priority p = *(const enum mq_priority *)cfield(c, k);
                return json_object_new_string(p >= _MQ_PRIO_MAX ? "none" : mq_priority_name(p));
        }
        case K_LISTEN:
                return json_object_new_string(cfield(c, k));
        }
        return NULL;
}

int mq_config_to_json(const struct mq_config *cfg, char **ret) {
        struct json_object *root = json_object_new_object();
        if (!root)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const char *leaf;
                struct json_object *sec = section_for(root, keys[i].path, &leaf);
                struct json_object *v = sec ? value_json(cfg, &keys[i]) : NULL;
                if (!v || json_object_object_add(sec, leaf, v) < 0) {
                        json_object_put(v);
                        json_object_put(root);
                        return -ENOMEM;
                }
        }
        char *s = strdup(json_object_to_json_string_ext(
                root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
