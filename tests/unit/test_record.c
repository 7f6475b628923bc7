/* SPDX-License-Identifier: MIT */
/* The container record: JSON round trip of every field, the documented
 * format, atomic write and load beneath a state directory fd, id checks and
 * parse errors. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fstree.h"
#include "record.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CID  "4b825dc642cb6eb9a060e54bf8d69288fbee4904c1a2b3c4d5e6f708192a3b4c"
#define UID  "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
#define CGP  "/kubepods/burstable/pod" UID "/" CID

static void fill(struct mq_record *r, const char *id) {
        *r = (struct mq_record){0};
        r->id = strdup(id);
        r->pid = 4242;
        r->cgroup = strdup(CGP);
        r->pod_uid = strdup(UID);
        r->pod_name = strdup("web-7d9f8-abcde");
        r->pod_namespace = strdup("shop");
        r->container = strdup("app");
        r->qos = MQ_QOS_BURSTABLE;
        r->priority = MQ_PRIO_HIGH;
        r->time = 1763765292;
        assert_int_equal(record_add_annotation(r, "memqos.io/memory-high", "90%"), 0);
        assert_int_equal(record_add_annotation(r, "oom-group.memqos.io/app", "true"), 0);
        assert_int_equal(record_add_applied(r, "memory.high", "966365184"), 0);
        assert_int_equal(record_add_applied(r, "memory.oom.group", "1"), 0);
        assert_int_equal(record_add_applied(r, "memory.swap.max", "max"), 0);
}

/* An absent optional string is written as "" and read back as "". */
static void assert_str_or_null(const char *a, const char *b) {
        assert_string_equal(a ? a : "", b ? b : "");
}

static void assert_kv_equal(const struct mq_kv *a, size_t na, const struct mq_kv *b, size_t nb) {
        assert_int_equal(na, nb);
        /* JSON objects are unordered: match by key */
        for (size_t i = 0; i < na; i++) {
                size_t j = 0;
                while (j < nb && strcmp(a[i].key, b[j].key) != 0)
                        j++;
                if (j == nb)
                        fail_msg("key %s lost", a[i].key);
                assert_string_equal(a[i].value, b[j].value);
        }
}

static void assert_record_equal(const struct mq_record *a, const struct mq_record *b) {
        assert_string_equal(a->id, b->id);
        assert_int_equal(a->pid, b->pid);
        assert_string_equal(a->cgroup, b->cgroup);
        assert_str_or_null(a->pod_uid, b->pod_uid);
        assert_str_or_null(a->pod_name, b->pod_name);
        assert_str_or_null(a->pod_namespace, b->pod_namespace);
        assert_str_or_null(a->container, b->container);
        assert_int_equal(a->qos, b->qos);
        assert_int_equal(a->priority, b->priority);
        assert_int_equal(a->time, b->time);
        assert_kv_equal(a->annotations, a->n_annotations, b->annotations, b->n_annotations);
        assert_kv_equal(a->applied, a->n_applied, b->applied, b->n_applied);
}

static void test_round_trip(void **state) {
        (void)state;
        static const enum mq_qos qos[] = {MQ_QOS_UNKNOWN, MQ_QOS_BESTEFFORT, MQ_QOS_BURSTABLE,
                                          MQ_QOS_GUARANTEED};
        for (size_t q = 0; q < N(qos); q++)
                for (int p = 0; p < _MQ_PRIO_MAX; p++) {
                        struct mq_record a, b;
                        char *text = NULL;
                        struct mq_error err = {{0}};
                        fill(&a, CID);
                        a.qos = qos[q];
                        a.priority = (enum mq_priority)p;
                        assert_int_equal(record_to_json(&a, &text), 0);
                        if (record_parse_buf(text, &b, &err) < 0)
                                fail_msg("%s\n%s", err.msg, text);
                        assert_record_equal(&a, &b);
                        free(text);
                        record_done(&a);
                        record_done(&b);
                }
}

/* Optional strings absent, no annotations, nothing applied. */
static void test_round_trip_minimal(void **state) {
        (void)state;
        struct mq_record a = {0}, b;
        char *text = NULL;
        struct mq_error err = {{0}};
        a.id = strdup("abc");
        a.cgroup = strdup("/");
        a.pid = 1;
        a.priority = MQ_PRIO_NORMAL;
        assert_int_equal(record_to_json(&a, &text), 0);
        if (record_parse_buf(text, &b, &err) < 0)
                fail_msg("%s\n%s", err.msg, text);
        assert_record_equal(&a, &b);
        free(text);
        record_done(&a);
        record_done(&b);
}

/* The JSON has the documented shape (record.h). */
static void test_json_format(void **state) {
        (void)state;
        struct mq_record a;
        char *text = NULL;
        struct json_object *o, *v, *pod;
        fill(&a, CID);
        assert_int_equal(record_to_json(&a, &text), 0);
        o = json_tokener_parse(text);
        assert_non_null(o);

#define STR(obj, key, want)                                                                        \
        do {                                                                                       \
                assert_true(json_object_object_get_ex(obj, key, &v));                              \
                assert_true(json_object_is_type(v, json_type_string));                             \
                assert_string_equal(json_object_get_string(v), want);                              \
        } while (0)
#define INT(obj, key, want)                                                                        \
        do {                                                                                       \
                assert_true(json_object_object_get_ex(obj, key, &v));                              \
                assert_true(json_object_is_type(v, json_type_int));                                \
                assert_int_equal(json_object_get_int64(v), want);                                  \
        } while (0)

        INT(o, "version", 1);
        STR(o, "id", CID);
        INT(o, "pid", 4242);
        STR(o, "cgroup", CGP);
        assert_true(json_object_object_get_ex(o, "pod", &pod));
        STR(pod, "uid", UID);
        STR(pod, "name", "web-7d9f8-abcde");
        STR(pod, "namespace", "shop");
        STR(o, "container", "app");
        STR(o, "qos", "burstable");
        STR(o, "priority", "high");
        INT(o, "time", 1763765292);
        STR(o, "time_text", "2025-11-21T22:48:12Z");
        struct json_object *m;
        assert_true(json_object_object_get_ex(o, "annotations", &m));
        STR(m, "memqos.io/memory-high", "90%");
        STR(m, "oom-group.memqos.io/app", "true");
        assert_int_equal(json_object_object_length(m), 2);
        assert_true(json_object_object_get_ex(o, "applied", &m));
        STR(m, "memory.high", "966365184");
        STR(m, "memory.oom.group", "1");
        STR(m, "memory.swap.max", "max");
        assert_int_equal(json_object_object_length(m), 3);
#undef STR
#undef INT
        json_object_put(o);
        free(text);
        record_done(&a);
}

static void test_kv_helpers(void **state) {
        (void)state;
        struct mq_record r = {0};
        char k[32];
        for (int i = 0; i < MQ_RECORD_MAX_KV; i++) {
                (void)snprintf(k, sizeof(k), "memory.k%d", i);
                assert_int_equal(record_add_applied(&r, k, "1"), 0);
                assert_int_equal(record_add_annotation(&r, k, "v"), 0);
        }
        assert_int_equal(record_add_applied(&r, "one.more", "1"), -E2BIG);
        assert_int_equal(record_add_annotation(&r, "one.more", "1"), -E2BIG);
        assert_int_equal(r.n_applied, MQ_RECORD_MAX_KV);
        assert_string_equal(record_applied(&r, "memory.k31"), "1");
        assert_null(record_applied(&r, "one.more"));
        assert_null(record_applied(&r, "memory.k"));
        record_done(&r);
        assert_int_equal(r.n_applied, 0);
        assert_null(r.id);
}

static void test_id_valid(void **state) {
        (void)state;
        char longest[MQ_ID_MAX + 2];
        static const struct {
                const char *id;
                int ok;
        } c[] = {
                {CID, 1},    {"abc", 1},  {"a.b_c+d-E9", 1}, {"x..y", 1},
                {"", 0},     {"../x", 0}, {".hidden", 0},    {".", 0},
                {"..", 0},   {"a/b", 0},  {"/abs", 0},       {"a b", 0},
                {"a\nb", 0}, {"a:b", 0},  {"a*", 0},         {"\xc3\xa9", 0},
        };
        for (size_t i = 0; i < N(c); i++)
                if (!!record_id_valid(c[i].id) != c[i].ok)
                        fail_msg("record_id_valid(\"%s\") != %d", c[i].id, c[i].ok);
        memset(longest, 'a', MQ_ID_MAX);
        longest[MQ_ID_MAX] = '\0';
        assert_true(record_id_valid(longest));
        longest[MQ_ID_MAX] = 'a';
        longest[MQ_ID_MAX + 1] = '\0';
        assert_false(record_id_valid(longest));
}

/* ---- parse errors ---- */

#define BASE "\"id\":\"" CID "\",\"pid\":1,\"cgroup\":\"/x\",\"time\":5"

struct parse_error {
        const char *text;
        int r;
        const char *msg; /* exact; or a prefix when it ends with '*' */
};

static const struct parse_error parse_errors[] = {
        {"{\"version\":2," BASE "}", -EPROTO, "record version 2, expected 1"},
        {"{\"version\":0," BASE "}", -EPROTO, "record version 0, expected 1"},
        {"{" BASE "}", -EPROTO, "record version 0, expected 1"}, /* no version */
        {"{\"version\":\"1\"," BASE "}", -EINVAL, "record field \"version\" is not an integer"},
        {"{\"version\":1,\"pid\":1,\"cgroup\":\"/x\"}", -EINVAL, "record has no \"id\""},
        {"{\"version\":1,\"id\":5,\"cgroup\":\"/x\"}", -EINVAL,
         "record field \"id\" is not a string"},
        {"{\"version\":1,\"id\":\"../x\",\"cgroup\":\"/x\"}", -EINVAL,
         "record id \"../x\" is not a valid container id"},
        {"{\"version\":1,\"id\":\"\",\"cgroup\":\"/x\"}", -EINVAL,
         "record id \"\" is not a valid container id"},
        {"{\"version\":1,\"id\":\"abc\"}", -EINVAL, "record has no \"cgroup\""},
        {"{\"version\":1," BASE ",\"pid\":\"1\"}", -EINVAL,
         "record field \"pid\" is not an integer"},
        {"{\"version\":1," BASE ",\"pid\":1.5}", -EINVAL, "record field \"pid\" is not an integer"},
        {"{\"version\":1," BASE ",\"time\":null}", -EINVAL,
         "record field \"time\" is not an integer"},
        {"{\"version\":1," BASE ",\"container\":[]}", -EINVAL,
         "record field \"container\" is not a string"},
        {"{\"version\":1," BASE ",\"qos\":\"weird\"}", -EINVAL,
         "record field \"qos\" has unknown value \"weird\""},
        {"{\"version\":1," BASE ",\"priority\":\"urgent\"}", -EINVAL,
         "record field \"priority\" has unknown value \"urgent\""},
        {"{\"version\":1," BASE ",\"annotations\":[]}", -EINVAL,
         "record field \"annotations\" is not an object"},
        {"{\"version\":1," BASE ",\"applied\":{\"memory.high\":5}}", -EINVAL,
         "record \"applied\" entry \"memory.high\" is not a string"},
        {"{\"version\":1," BASE ",\"pod\":\"p\"}", -EINVAL,
         "record field \"pod\" is not an object"},
        {"{\"version\":1," BASE ",\"pod\":{\"uid\":7}}", -EINVAL,
         "record field \"uid\" is not a string"},
        {"[1,2]", -EINVAL, "record is not a JSON object"},
        {"{\"version\":1," BASE, -EINVAL, "record is not valid JSON: *"},
        {"{\"version\":1,,}", -EINVAL, "record is not valid JSON: *"},
        {"", -EINVAL, "record is not valid JSON: *"},
};

static void test_parse_errors(void **state) {
        (void)state;
        for (size_t i = 0; i < N(parse_errors); i++) {
                const struct parse_error *c = &parse_errors[i];
                struct mq_record rec = {.id = (char *)"untouched"};
                struct mq_error err = {{0}};
                int r = record_parse_buf(c->text, &rec, &err);
                size_t n = strlen(c->msg);
                bool prefix = c->msg[n - 1] == '*';
                bool match = prefix ? strncmp(err.msg, c->msg, n - 1) == 0 && strlen(err.msg) > n
                                    : strcmp(err.msg, c->msg) == 0;
                if (r != c->r || !match)
                        fail_msg("%s: r=%d \"%s\", expected %d \"%s\"", c->text, r, err.msg, c->r,
                                 c->msg);
                assert_string_equal(rec.id, "untouched");
        }
}

static void test_too_many_entries(void **state) {
        (void)state;
        char text[8192];
        size_t n = (size_t)snprintf(text, sizeof(text), "{\"version\":1," BASE ",\"applied\":{");
        for (int i = 0; i <= MQ_RECORD_MAX_KV; i++)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"f%d\":\"1\"", i ? "," : "",
                                      i);
        (void)snprintf(text + n, sizeof(text) - n, "}}");
        struct mq_record rec;
        struct mq_error err = {{0}};
        assert_int_equal(record_parse_buf(text, &rec, &err), -E2BIG);
        assert_string_equal(err.msg, "record \"applied\" has over 32 entries");
}

/* ---- write and load beneath a state directory ---- */

struct state_dir {
        char *root;
        int fd;
};

static int setup(void **state) {
        struct state_dir *s = calloc(1, sizeof(*s));
        assert_non_null(s);
        s->root = fstree_mkdtemp();
        s->fd = fstree_open(s->root);
        *state = s;
        return 0;
}

static int teardown(void **state) {
        struct state_dir *s = *state;
        (void)close(s->fd);
        fstree_remove(s->root);
        free(s->root);
        free(s);
        return 0;
}

static void test_write_load(void **state) {
        struct state_dir *s = *state;
        struct mq_record a, b;
        struct mq_error err = {{0}};

        fill(&a, CID);
        /* containers/ is created on first write */
        if (record_write(s->fd, &a, &err) < 0)
                fail_msg("record_write: %s", err.msg);
        assert_true(fstree_exists(s->root, "containers/" CID ".json"));
        assert_int_equal(fstree_count(s->root, "containers"), 1); /* no temp file left */
        assert_int_equal(fstree_count(s->root, "."), 1);

        /* the file holds exactly what record_to_json produces, plus a newline */
        char *text = NULL, *file = fstree_read(s->root, "containers/" CID ".json");
        assert_int_equal(record_to_json(&a, &text), 0);
        assert_non_null(file);
        assert_int_equal(strlen(file), strlen(text) + 1);
        assert_memory_equal(file, text, strlen(text));
        assert_int_equal(file[strlen(text)], '\n');
        free(text);
        free(file);

        if (record_load(s->fd, CID ".json", &b, &err) < 0)
                fail_msg("record_load: %s", err.msg);
        assert_record_equal(&a, &b);
        record_done(&b);

        /* a second write replaces the record */
        a.pid = 99;
        assert_int_equal(record_write(s->fd, &a, &err), 0);
        assert_int_equal(fstree_count(s->root, "containers"), 1);
        assert_int_equal(record_load(s->fd, CID ".json", &b, &err), 0);
        assert_int_equal(b.pid, 99);
        record_done(&b);

        /* remove */
        assert_int_equal(record_remove(s->fd, CID), 0);
        assert_false(fstree_exists(s->root, "containers/" CID ".json"));
        assert_int_equal(record_remove(s->fd, CID), -ENOENT);
        record_done(&a);
}

static void test_write_invalid_id(void **state) {
        struct state_dir *s = *state;
        static const char *const ids[] = {"../x", "", ".hidden", "a/b", "../../etc/passwd"};
        for (size_t i = 0; i < N(ids); i++) {
                struct mq_record a;
                struct mq_error err = {{0}};
                fill(&a, ids[i]);
                assert_int_equal(record_write(s->fd, &a, &err), -EINVAL);
                assert_string_equal(err.msg, "container id is not usable as a file name");
                record_done(&a);
        }
        /* nothing written anywhere */
        assert_false(fstree_exists(s->root, "x"));
        assert_false(fstree_exists(s->root, "x.json"));
        if (fstree_exists(s->root, "containers"))
                assert_int_equal(fstree_count(s->root, "containers"), 0);
}

/* The longest valid id must fit both "<id>.json" and the temp file
 * ".<id>.json.<pid>" within NAME_MAX (255). */
static void test_write_longest_id(void **state) {
        struct state_dir *s = *state;
        char id[MQ_ID_MAX + 1], name[MQ_ID_MAX + 8];
        struct mq_record a, b;
        struct mq_error err = {{0}};
        memset(id, 'a', MQ_ID_MAX);
        id[MQ_ID_MAX] = '\0';
        assert_true(record_id_valid(id));
        fill(&a, id);
        int r = record_write(s->fd, &a, &err);
        if (r < 0)
                fail_msg("record_write of a valid %d-byte id: %d %s", MQ_ID_MAX, r, err.msg);
        (void)snprintf(name, sizeof(name), "%s.json", id);
        assert_int_equal(record_load(s->fd, name, &b, &err), 0);
        assert_string_equal(b.id, id);
        record_done(&a);
        record_done(&b);
}

static void test_load_errors(void **state) {
        struct state_dir *s = *state;
        struct mq_record b = {.id = (char *)"untouched"};
        struct mq_error err = {{0}};

        /* no containers/ directory yet */
        assert_int_equal(record_load(s->fd, "x.json", &b, &err), -ENOENT);
        assert_string_equal(err.msg, "cannot open the record directory: No such file or directory");

        fstree_write(s->root, "secret.json", "{}");
        fstree_write(s->root, "containers/bad.json", "{\"version\":7}");
        fstree_symlink(s->root, "../secret.json", "containers/link.json");
        assert_int_equal(record_load(s->fd, "missing.json", &b, &err), -ENOENT);
        assert_string_equal(err.msg, "cannot open record missing.json: No such file or directory");
        assert_int_equal(record_load(s->fd, "bad.json", &b, &err), -EPROTO);
        assert_string_equal(err.msg, "record version 7, expected 1");
        assert_int_equal(record_load(s->fd, "link.json", &b, &err), -ELOOP);
        assert_int_equal(record_load(s->fd, "../secret.json", &b, &err), -EINVAL);
        assert_string_equal(err.msg, "record name \"../secret.json\" is not a file name");
        assert_int_equal(record_load(s->fd, ".hidden.json", &b, &err), -EINVAL);
        assert_string_equal(b.id, "untouched");
}

/* containers/ as a symlink is not followed, for writes or reads. */
static void test_records_dir_symlink(void **state) {
        struct state_dir *s = *state;
        struct mq_record a, b;
        struct mq_error err = {{0}};
        fstree_mkdirs(s->root, "elsewhere");
        fstree_symlink(s->root, "elsewhere", "containers");
        fill(&a, CID);
        assert_true(record_write(s->fd, &a, &err) < 0);
        assert_int_equal(fstree_count(s->root, "elsewhere"), 0);
        assert_true(record_load(s->fd, CID ".json", &b, &err) < 0);
        record_done(&a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_round_trip_minimal),
                cmocka_unit_test(test_json_format),
                cmocka_unit_test(test_kv_helpers),
                cmocka_unit_test(test_id_valid),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_too_many_entries),
                cmocka_unit_test_setup_teardown(test_write_load, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_invalid_id, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_longest_id, setup, teardown),
                cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_records_dir_symlink, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
