/* SPDX-License-Identifier: MIT */
#include "state.h"

#include <yajl/yajl_parse.h>

#include "annot.h"

static const char *const kept_keys[] = {
        ANNOT_CONTAINERD_NAME, ANNOT_CONTAINERD_TYPE,    ANNOT_CONTAINERD_POD,
        ANNOT_CONTAINERD_NS,   ANNOT_CONTAINERD_POD_UID, ANNOT_CRIO_NAME,
        ANNOT_CRIO_TYPE,       ANNOT_CRIO_POD,           ANNOT_CRIO_NS,
        ANNOT_CRIO_POD_UID,
};

_Static_assert(ELEMENTSOF(kept_keys) == MQ_STATE_RUNTIME_KEYS, "MQ_STATE_RUNTIME_KEYS");

enum field { F_NONE = 0, F_ID, F_STATUS, F_BUNDLE, F_PID, F_ANNOTATIONS };

struct parser {
        struct oci_state *st;
        struct mq_error *err;
        int depth;        /* map/array nesting: 1 inside the top object */
        enum field field; /* top-level key whose value comes next */
        bool in_annotations;
        char *annot_key; /* kept annotation whose value comes next */
        int failed;      /* our own error, as negative errno */
        bool saw_object;
};

static int fail(struct parser *p, int r) {
        p->failed = r;
        return 0; /* stop yajl */
}

static bool key_kept(const char *key) {
        if (annotation_key_is_memqos(key))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(kept_keys); i++)
                if (streq(key, kept_keys[i]))
                        return true;
        return false;
}

static char *dup_bounded(struct parser *p, const unsigned char *s, size_t len, const char *what) {
        if (len > MQ_STATE_STRING_MAX) {
                fail(p, mq_error_set(p->err, EINVAL, "%s is longer than %d bytes", what,
                                     MQ_STATE_STRING_MAX));
                return NULL;
        }
        if (memchr(s, '\0', len)) {
                fail(p, mq_error_set(p->err, EINVAL, "%s contains a NUL byte", what));
                return NULL;
        }
        char *d = strndup((const char *)s, len);
        if (!d)
                fail(p, -ENOMEM);
        return d;
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len) {
        struct parser *p = ctx;
        p->field = F_NONE;
        if (p->depth == 1) {
                static const struct {
                        const char *name;
                        enum field f;
                } top[] = {{"id", F_ID},         {"status", F_STATUS},
                           {"bundle", F_BUNDLE}, {"bundlePath", F_BUNDLE},
                           {"pid", F_PID},       {"annotations", F_ANNOTATIONS}};
                for (size_t i = 0; i < ELEMENTSOF(top); i++)
                        if (strlen(top[i].name) == len && memcmp(top[i].name, key, len) == 0)
                                p->field = top[i].f;
                return 1;
        }
        if (p->depth == 2 && p->in_annotations) {
                free(p->annot_key);
                p->annot_key = NULL;
                if (len > MQ_STATE_STRING_MAX || memchr(key, '\0', len))
                        return 1; /* not a key we could want */
                char *k = strndup((const char *)key, len);
                if (!k)
                        return fail(p, -ENOMEM);
                if (startswith(k, ANNOT_CRIO_PREFIX))
                        p->st->has_crio_key = true;
                if (startswith(k, ANNOT_CONTAINERD_PREFIX))
                        p->st->has_containerd_key = true;
                if (key_kept(k))
                        p->annot_key = k;
                else
                        free(k);
        }
        return 1;
}

/* A memqos annotation over a limit: noted (the first one), not kept; the
 * parse goes on so that the container's id is known. */
static int note_over_limit(struct parser *p, bool too_many) {
        struct mq_error *e = &p->st->over_limit;
        if (e->msg[0])
                return 1;
        if (too_many)
                (void)mq_error_set(e, E2BIG, "more than %d memqos-related annotations",
                                   MQ_STATE_ANNOT_MAX);
        else
                (void)mq_error_set(e, E2BIG, "a memqos annotation value is longer than %d bytes",
                                   MQ_STATE_STRING_MAX);
        return 1;
}

/* One of the runtime's keys. A runtime writes a map, so each once; a crafted
 * state may repeat one, and identity.c must see a disagreement: a copy equal
 * to a kept one is dropped, a second different one kept, any further one
 * dropped. So they never count against the memqos annotations' limit. */
static int keep_runtime_annotation(struct parser *p, char *key, char *value) {
        struct oci_state *st = p->st;
        size_t copies = 0;
        for (size_t i = 0; i < st->n_annotations; i++) {
                if (!streq(st->annotations[i].key, key))
                        continue;
                copies++;
                if (copies == 2 || streq(st->annotations[i].value, value)) {
                        free(key);
                        free(value);
                        return 1;
                }
        }
        st->annotations[st->n_annotations++] = (struct mq_kv){key, value};
        return 1;
}

static int keep_annotation(struct parser *p, const unsigned char *s, size_t len) {
        _cleanup_free_ char *key = TAKE_PTR(p->annot_key);
        bool memqos = annotation_key_is_memqos(key);
        if (memqos && p->st->n_memqos >= MQ_STATE_ANNOT_MAX)
                return note_over_limit(p, true);
        if (memqos && len > MQ_STATE_STRING_MAX)
                return note_over_limit(p, false);
        if (!memqos && len > MQ_STATE_STRING_MAX)
                return 1; /* no pod name is that long: as if absent, never fatal */
        char *value = dup_bounded(p, s, len, "an annotation value");
        if (!value)
                return 0;
        if (!memqos)
                return keep_runtime_annotation(p, TAKE_PTR(key), value);
        p->st->annotations[p->st->n_annotations++] = (struct mq_kv){TAKE_PTR(key), value};
        p->st->n_memqos++;
        return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len) {
        struct parser *p = ctx;
        char **slot = NULL;

        if (p->depth == 2 && p->in_annotations && p->annot_key)
                return keep_annotation(p, s, len);
        if (p->depth != 1)
                return 1;
        switch (p->field) {
        case F_ID:
                slot = &p->st->id;
                break;
        case F_STATUS:
                slot = &p->st->status;
                break;
        case F_BUNDLE:
                slot = &p->st->bundle;
                break;
        case F_PID:
                return fail(p, mq_error_set(p->err, EINVAL,
                                            "\"pid\" is a string, expected an "
                                            "integer"));
        default:
                return 1;
        }
        free(*slot);
        *slot = dup_bounded(p, s, len, "a state field");
        return *slot ? 1 : 0;
}

static int on_integer(void *ctx, long long v) {
        struct parser *p = ctx;
        if (p->depth == 1 && p->field == F_PID) {
                p->st->pid = v;
                p->st->has_pid = true;
        }
        return 1;
}

static int on_double(void *ctx, double v) {
        struct parser *p = ctx;
        (void)v;
        if (p->depth == 1 && p->field == F_PID)
                return fail(p, mq_error_set(p->err, EINVAL, "\"pid\" is not an integer"));
        return 1;
}

static int on_scalar(void *ctx) {
        struct parser *p = ctx;
        if (p->depth == 1 && p->field == F_PID)
                return fail(p, mq_error_set(p->err, EINVAL, "\"pid\" is not an integer"));
        return 1;
}

static int on_bool(void *ctx, int v) {
        (void)v;
        return on_scalar(ctx);
}

static int on_start(struct parser *p, bool is_map) {
        if (p->depth == 0) {
                if (!is_map)
                        return fail(p, mq_error_set(p->err, EINVAL,
                                                    "the state is a JSON array, expected an "
                                                    "object"));
                p->saw_object = true;
                p->depth = 1;
                return 1;
        }
        if (p->depth == 1 && p->field == F_PID)
                return fail(p, mq_error_set(p->err, EINVAL, "\"pid\" is not an integer"));
        if (p->depth == 1)
                p->in_annotations = is_map && p->field == F_ANNOTATIONS;
        p->depth++;
        return 1;
}

static int on_start_map(void *ctx) {
        return on_start(ctx, true);
}

static int on_start_array(void *ctx) {
        return on_start(ctx, false);
}

static int on_end(void *ctx) {
        struct parser *p = ctx;
        p->depth--;
        if (p->depth <= 1)
                p->in_annotations = false;
        free(p->annot_key);
        p->annot_key = NULL;
        return 1;
}

static const yajl_callbacks callbacks = {
        .yajl_null = on_scalar,
        .yajl_boolean = on_bool,
        .yajl_integer = on_integer,
        .yajl_double = on_double,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_map_key,
        .yajl_end_map = on_end,
        .yajl_start_array = on_start_array,
        .yajl_end_array = on_end,
};

void oci_state_done(struct oci_state *st) {
        free(st->id);
        free(st->status);
        free(st->bundle);
        for (size_t i = 0; i < st->n_annotations; i++) {
                free(st->annotations[i].key);
                free(st->annotations[i].value);
        }
        memset(st, 0, sizeof(*st));
}

const char *oci_state_annotation(const struct oci_state *st, const char *key) {
        for (size_t i = 0; i < st->n_annotations; i++)
                if (streq(st->annotations[i].key, key))
                        return st->annotations[i].value;
        return NULL;
}

static void yajl_freep(yajl_handle *h) {
        if (*h)
                yajl_free(*h);
}

/* Feed one chunk; on a syntax error, describe it without echoing the input
 * (yajl's verbose error prints the text around the error, which may be a
 * secret from another annotation). */
static int feed(yajl_handle h, struct parser *p, const unsigned char *buf, size_t len, bool last) {
        yajl_status s = last ? yajl_complete_parse(h) : yajl_parse(h, buf, len);
        if (s == yajl_status_ok)
                return 0;
        if (p->failed < 0)
                return p->failed;
        unsigned char *msg = yajl_get_error(h, 0, buf, len);
        size_t mlen = msg ? strlen((const char *)msg) : 0;
        while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == ' '))
                msg[--mlen] = '\0';
        int r = mq_error_set(p->err, EINVAL, "the state is not valid JSON: %s",
                             msg ? (const char *)msg : "parse error");
        if (msg)
                yajl_free_error(h, msg);
        return r;
}

static int finish(struct parser *p) {
        struct oci_state *st = p->st;
        if (!p->saw_object)
                return mq_error_set(p->err, EINVAL, "the state is not a JSON object");
        if (!st->id || !*st->id)
                return mq_error_set(p->err, EINVAL, "the state has no \"id\"");
        return 0;
}

/* One yajl_parse call over the whole text: yajl re-scans a token that spans
 * two chunks, so feeding a 512 KiB annotation in 64 KiB pieces costs several
 * passes over it (bench/bench_hook_parse.c measured it 3x slower). */
int oci_state_parse_buf(const char *buf, size_t len, struct oci_state *ret, struct mq_error *err) {
        struct oci_state st = {0};
        struct parser p = {.st = &st, .err = err};
        __attribute__((cleanup(yajl_freep))) yajl_handle h = yajl_alloc(&callbacks, NULL, &p);
        int r;

        if (!h)
                return -ENOMEM;
        if (len > MQ_STATE_MAX)
                return mq_error_set(err, EFBIG, "the state is larger than %d bytes", MQ_STATE_MAX);
        r = feed(h, &p, (const unsigned char *)buf, len, false);
        if (r == 0)
                r = feed(h, &p, NULL, 0, true);
        free(p.annot_key);
        if (r == 0)
                r = finish(&p);
        if (r < 0) {
                oci_state_done(&st);
                return r;
        }
        *ret = st;
        return 0;
}

/* Read the whole state (at most MQ_STATE_MAX bytes) and parse it. */
int oci_state_read(FILE *in, struct oci_state *ret, struct mq_error *err) {
        size_t cap = (size_t)64 * 1024, len = 0;
        _cleanup_free_ char *buf = malloc(cap);

        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap > MQ_STATE_MAX)
                                return mq_error_set(err, EFBIG, "the state is larger than %d bytes",
                                                    MQ_STATE_MAX);
                        char *bigger = realloc(buf, cap * 2);
                        if (!bigger)
                                return -ENOMEM;
                        buf = bigger;
                        cap *= 2;
                }
                size_t n = fread(buf + len, 1, cap - len, in);
                if (n == 0) {
                        if (ferror(in))
                                return mq_error_set(err, EIO, "cannot read the state: %s",
                                                    strerror(errno));
                        break;
                }
                len += n;
        }
        return oci_state_parse_buf(buf, len, ret, err);
}
