/* SPDX-License-Identifier: MIT */
/* The hook's streaming parse of the OCI state (runtime-spec "State"): the
 * fields it keeps, the annotations it keeps, and every malformed input. */
#include "../../hook/state.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CID  "4b825dc642cb6eb9a060e54bf8d69288fbee4904c1a2b3c4d5e6f708192a3b4c"

static void *xmalloc(size_t n) {
        void *p = malloc(n);
        if (!p)
                abort();
        return p;
}

static int parse(const char *text, struct oci_state *st, struct mq_error *err) {
        return oci_state_parse_buf(text, strlen(text), st, err);
}

static void parse_ok(const char *text, struct oci_state *st) {
        struct mq_error err = {{0}};
        int r = parse(text, st, &err);
        if (r < 0)
                fail_msg("parse failed: %d %s\n%s", r, err.msg, text);
}

/* runc sends "creating" at createRuntime. */
static void test_runc_state(void **state) {
        (void)state;
        struct oci_state st;
        parse_ok("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"" CID "\",\"status\":\"creating\","
                 "\"pid\":4242,\"bundle\":\"/run/containerd/io.containerd.runtime.v2.task/"
                 "k8s.io/" CID "\",\"annotations\":{"
                 "\"io.kubernetes.cri.container-name\":\"app\","
                 "\"io.kubernetes.cri.container-type\":\"container\","
                 "\"io.kubernetes.cri.sandbox-name\":\"web-0\","
                 "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
                 "\"io.kubernetes.cri.sandbox-uid\":\"0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\","
                 "\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.25\","
                 "\"memqos.io/memory-high\":\"90%\","
                 "\"memory-min.memqos.io/app\":\"64Mi\"}}",
                 &st);
        assert_string_equal(st.id, CID);
        assert_string_equal(st.status, "creating");
        assert_true(st.has_pid);
        assert_int_equal(st.pid, 4242);
        assert_string_equal(st.bundle, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" CID);
        assert_int_equal(st.n_annotations, 7);
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.cri.container-name"), "app");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.cri.container-type"),
                            "container");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.cri.sandbox-name"), "web-0");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.cri.sandbox-namespace"),
                            "shop");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.cri.sandbox-uid"),
                            "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b");
        assert_string_equal(oci_state_annotation(&st, "memqos.io/memory-high"), "90%");
        assert_string_equal(oci_state_annotation(&st, "memory-min.memqos.io/app"), "64Mi");
        assert_null(oci_state_annotation(&st, "io.kubernetes.cri.image-name"));
        oci_state_done(&st);
        assert_null(st.id);
        assert_int_equal(st.n_annotations, 0);
}

/* crun sends "created" and an extra "root" key; CRI-O's annotation keys. */
static void test_crun_state(void **state) {
        (void)state;
        struct oci_state st;
        parse_ok("{\"ociVersion\":\"1.0.0\",\"id\":\"abc\",\"pid\":77,\"root\":\"/run/crun/abc\","
                 "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"2026-11-21T22:48:12Z\","
                 "\"owner\":\"\",\"status\":\"created\",\"annotations\":{"
                 "\"io.kubernetes.container.name\":\"db\","
                 "\"io.kubernetes.cri-o.ContainerType\":\"container\","
                 "\"io.kubernetes.pod.name\":\"db-0\","
                 "\"io.kubernetes.pod.namespace\":\"data\","
                 "\"io.kubernetes.pod.uid\":\"1234\","
                 "\"io.kubernetes.cri-o.Labels\":\"{\\\"a\\\":\\\"b\\\"}\","
                 "\"priority.memqos.io/db\":\"critical\"}}",
                 &st);
        assert_string_equal(st.id, "abc");
        assert_string_equal(st.status, "created");
        assert_int_equal(st.pid, 77);
        assert_string_equal(st.bundle, "/b");
        assert_int_equal(st.n_annotations, 6);
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.container.name"), "db");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.cri-o.ContainerType"),
                            "container");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.pod.name"), "db-0");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.pod.namespace"), "data");
        assert_string_equal(oci_state_annotation(&st, "io.kubernetes.pod.uid"), "1234");
        assert_string_equal(oci_state_annotation(&st, "priority.memqos.io/db"), "critical");
        assert_null(oci_state_annotation(&st, "io.kubernetes.cri-o.Labels"));
        oci_state_done(&st);
}

static void test_legacy_bundle_path(void **state) {
        (void)state;
        struct oci_state st;
        parse_ok("{\"ociVersion\":\"1.0.0-rc1\",\"id\":\"x\",\"pid\":1,\"bundlePath\":\"/old\"}",
                 &st);
        assert_string_equal(st.bundle, "/old");
        assert_null(st.status);
        assert_int_equal(st.n_annotations, 0);
        oci_state_done(&st);
}

/* Keys nested in unknown objects or arrays never count as top-level ones. */
static void test_unknown_and_nested_ignored(void **state) {
        (void)state;
        struct oci_state st;
        parse_ok("{\"extra\":{\"id\":\"wrong\",\"pid\":\"bad\",\"annotations\":"
                 "{\"memqos.io/memory-high\":\"1\"}},"
                 "\"list\":[1,2.5,true,null,{\"id\":\"no\",\"pid\":[]},[\"memqos.io/x\"]],"
                 "\"id\":\"right\",\"num\":1.5,\"flag\":false,\"nothing\":null,\"pid\":9,"
                 "\"annotations\":{\"a.io/b\":{\"memqos.io/memory-high\":\"2\"},"
                 "\"memqos.io/memory-low\":\"1Gi\",\"c.io/d\":[\"memqos.io/priority\",\"x\"],"
                 "\"memqos.io/oom-group\":\"true\"},"
                 "\"after\":{\"annotations\":{\"memqos.io/swap-max\":\"0\"}}}",
                 &st);
        assert_string_equal(st.id, "right");
        assert_int_equal(st.pid, 9);
        assert_int_equal(st.n_annotations, 2);
        assert_string_equal(oci_state_annotation(&st, "memqos.io/memory-low"), "1Gi");
        assert_string_equal(oci_state_annotation(&st, "memqos.io/oom-group"), "true");
        assert_null(oci_state_annotation(&st, "memqos.io/memory-high"));
        assert_null(oci_state_annotation(&st, "memqos.io/swap-max"));
        assert_null(oci_state_annotation(&st, "memqos.io/priority"));
        oci_state_done(&st);
}

/* Only memqos keys (both forms, valid or not: the hook reports typos) and
 * the runtimes' io.kubernetes.* keys listed in state.h are kept. */
static void test_kept_annotations(void **state) {
        (void)state;
        static const struct {
                const char *key;
                bool kept;
        } keys[] = {
                {"memqos.io/memory-high", true},
                {"memqos.io/memroy-high", true}, /* kept so that the typo is reported */
                {"memory-high.memqos.io/app", true},
                {"memory-hihg.memqos.io/app", true},
                {"io.kubernetes.cri.container-name", true},
                {"io.kubernetes.cri.container-type", true},
                {"io.kubernetes.cri.sandbox-name", true},
                {"io.kubernetes.cri.sandbox-namespace", true},
                {"io.kubernetes.cri.sandbox-uid", true},
                {"io.kubernetes.container.name", true},
                {"io.kubernetes.cri-o.ContainerType", true},
                {"io.kubernetes.pod.name", true},
                {"io.kubernetes.pod.namespace", true},
                {"io.kubernetes.pod.uid", true},
                {"io.kubernetes.cri.sandbox-id", false},
                {"io.kubernetes.cri.image-name", false},
                {"io.kubernetes.cri-o.Annotations", false},
                {"io.kubernetes.container.hash", false},
                {"kubectl.kubernetes.io/last-applied-configuration", false},
                {"memqos.iox/memory-high", false},
                {"xmemqos.io/memory-high", false},
                {"foo.io/x", false},
                {"io.kubernetes.pod.name.extra", false},
        };
        char text[8192];
        size_t n = (size_t)snprintf(text, sizeof(text), "{\"id\":\"x\",\"annotations\":{");
        for (size_t i = 0; i < N(keys); i++)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"%s\":\"v%zu\"", i ? "," : "",
                                      keys[i].key, i);
        (void)snprintf(text + n, sizeof(text) - n, "}}");

        struct oci_state st;
        size_t want = 0;
        parse_ok(text, &st);
        for (size_t i = 0; i < N(keys); i++) {
                const char *v = oci_state_annotation(&st, keys[i].key);
                char expect[16];
                (void)snprintf(expect, sizeof(expect), "v%zu", i);
                if (keys[i].kept != (v != NULL))
                        fail_msg("%s: kept=%d, expected %d", keys[i].key, v != NULL, keys[i].kept);
                if (v) {
                        assert_string_equal(v, expect);
                        want++;
                }
        }
        assert_int_equal(st.n_annotations, want);
        oci_state_done(&st);
}

/* JSON escapes are decoded in kept values. */
static void test_escapes(void **state) {
        (void)state;
        struct oci_state st;
        parse_ok("{\"id\":\"a\\u0062c\",\"bundle\":\"/x\\/y\",\"annotations\":"
                 "{\"memqos.io/memory-high\":\"9\\u00300%\"}}",
                 &st);
        assert_string_equal(st.id, "abc");
        assert_string_equal(st.bundle, "/x/y");
        assert_string_equal(oci_state_annotation(&st, "memqos.io/memory-high"), "900%");
        assert_false(st.has_pid);
        oci_state_done(&st);
}

/* CRI-O passes kubectl's last-applied-configuration: 512 KiB is skipped,
 * never copied. */
static void test_huge_foreign_annotation(void **state) {
        (void)state;
        const size_t big = 512 * 1024;
        char *text = xmalloc(big + 1024);
        size_t n = (size_t)sprintf(text, "{\"id\":\"" CID "\",\"pid\":5,\"annotations\":{"
                                         "\"kubectl.kubernetes.io/last-applied-configuration\":\"");
        for (size_t i = 0; i < big; i++)
                text[n++] = "{\\\"a\\\":1}"[i % 10] ? "{\\\"a\\\":1}"[i % 10] : 'x';
        n += (size_t)sprintf(text + n, "\",\"memqos.io/memory-high\":\"1Gi\"}}");

        struct oci_state st;
        struct mq_error err = {{0}};
        int r = oci_state_parse_buf(text, n, &st, &err);
        if (r < 0)
                fail_msg("%d %s", r, err.msg);
        assert_string_equal(st.id, CID);
        assert_int_equal(st.pid, 5);
        assert_int_equal(st.n_annotations, 1);
        assert_string_equal(oci_state_annotation(&st, "memqos.io/memory-high"), "1Gi");
        oci_state_done(&st);
        free(text);
}

/* ---- errors ---- */

struct error_case {
        const char *text;
        int r;
        const char *msg; /* exact; a prefix when it ends with '*' */
};

#define INVALID_JSON "the state is not valid JSON: *"

static const struct error_case errors[] = {
        {"{\"id\":\"x\",\"pid\":\"1234\"}", -EINVAL, "\"pid\" is a string, expected an integer"},
        {"{\"id\":\"x\",\"pid\":12.5}", -EINVAL, "\"pid\" is not an integer"},
        {"{\"id\":\"x\",\"pid\":1e3}", -EINVAL, "\"pid\" is not an integer"},
        {"{\"id\":\"x\",\"pid\":{\"v\":1}}", -EINVAL, "\"pid\" is not an integer"},
        {"{\"id\":\"x\",\"pid\":[1]}", -EINVAL, "\"pid\" is not an integer"},
        {"{\"id\":\"x\",\"pid\":true}", -EINVAL, "\"pid\" is not an integer"},
        {"{\"id\":\"x\",\"pid\":null}", -EINVAL, "\"pid\" is not an integer"},
        {"{\"pid\":1,\"status\":\"creating\"}", -EINVAL, "the state has no \"id\""},
        {"{\"id\":\"\",\"pid\":1}", -EINVAL, "the state has no \"id\""},
        {"{}", -EINVAL, "the state has no \"id\""},
        {"[{\"id\":\"x\"}]", -EINVAL, "the state is a JSON array, expected an object"},
        {"[]", -EINVAL, "the state is a JSON array, expected an object"},
        {"\"x\"", -EINVAL, "the state is not a JSON object"},
        {"42", -EINVAL, "the state is not a JSON object"},
        {"{\"id\":\"a\\u0000b\"}", -EINVAL, "a state field contains a NUL byte"},
        {"{\"id\":\"x\",\"annotations\":{\"memqos.io/memory-high\":\"1\\u0000\"}}", -EINVAL,
         "an annotation value contains a NUL byte"},
        /* truncated */
        {"{\"id\":\"x\",\"pid\":12", -EINVAL, INVALID_JSON},
        {"{\"id\":\"x\",\"annotations\":{\"memqos.io/memory-high\":\"1G", -EINVAL, INVALID_JSON},
        {"{\"id\":\"x\"", -EINVAL, INVALID_JSON},
        {"{", -EINVAL, INVALID_JSON},
        /* malformed */
        {"{\"id\":\"x\",}", -EINVAL, INVALID_JSON},
        {"{\"id\":\"x\" \"pid\":1}", -EINVAL, INVALID_JSON},
        {"{'id':'x'}", -EINVAL, INVALID_JSON},
        {"{\"id\":\"x\"}}", -EINVAL, INVALID_JSON},
        {"{\"id\":\"x\"} {\"id\":\"y\"}", -EINVAL, INVALID_JSON},
        {"{\"id\":x}", -EINVAL, INVALID_JSON},
        {"{\"id\":\"x\",\"pid\":99999999999999999999999}", -EINVAL, INVALID_JSON},
        {"{\"id\":\"\xff\xfe\"}", -EINVAL, INVALID_JSON},
};

static bool msg_matches(const char *got, const char *want) {
        size_t n = strlen(want);
        if (n && want[n - 1] == '*')
                return strncmp(got, want, n - 1) == 0 && strlen(got) > n - 1;
        return strcmp(got, want) == 0;
}

static void test_errors(void **state) {
        (void)state;
        int bad = 0;
        for (size_t i = 0; i < N(errors); i++) {
                struct oci_state st = {.id = (char *)"untouched"};
                struct mq_error err = {{0}};
                int r = parse(errors[i].text, &st, &err);
                if (r != errors[i].r || !msg_matches(err.msg, errors[i].msg)) {
                        print_error("%s: r=%d \"%s\", expected %d \"%s\"\n", errors[i].text, r,
                                    err.msg, errors[i].r, errors[i].msg);
                        bad++;
                } else if (strcmp(st.id, "untouched") != 0) {
                        print_error("%s: output written on error\n", errors[i].text);
                        bad++;
                }
        }
        assert_int_equal(bad, 0);
}

/* Empty input is an error, whatever yajl says about it. */
static void test_empty(void **state) {
        (void)state;
        struct oci_state st;
        struct mq_error err = {{0}};
        assert_int_equal(oci_state_parse_buf("", 0, &st, &err), -EINVAL);
        assert_true(err.msg[0] != '\0');
        assert_int_equal(parse("   \n", &st, &err), -EINVAL);
}

/* The syntax error message does not echo the input (it may be a secret
 * from another annotation). */
static void test_error_does_not_echo_input(void **state) {
        (void)state;
        struct oci_state st;
        struct mq_error err = {{0}};
        assert_int_equal(parse("{\"id\":\"x\",\"a.io/token\":\"s3cr3t-value\" oops}", &st, &err),
                         -EINVAL);
        assert_null(strstr(err.msg, "s3cr3t"));
        assert_null(strstr(err.msg, "oops"));
}

/* A kept string over MQ_STATE_STRING_MAX is refused. */
static void test_long_kept_strings(void **state) {
        (void)state;
        char *text = xmalloc(3 * MQ_STATE_STRING_MAX);
        char *v = xmalloc(MQ_STATE_STRING_MAX + 2);
        struct oci_state st;
        struct mq_error err = {{0}};

        memset(v, 'b', MQ_STATE_STRING_MAX);
        v[MQ_STATE_STRING_MAX] = '\0';
        (void)sprintf(text, "{\"id\":\"x\",\"bundle\":\"%s\"}", v);
        parse_ok(text, &st); /* exactly the limit */
        assert_int_equal(strlen(st.bundle), MQ_STATE_STRING_MAX);
        oci_state_done(&st);

        v[MQ_STATE_STRING_MAX] = 'b';
        v[MQ_STATE_STRING_MAX + 1] = '\0';
        (void)sprintf(text, "{\"id\":\"x\",\"bundle\":\"%s\"}", v);
        assert_int_equal(parse(text, &st, &err), -EINVAL);
        assert_string_equal(err.msg, "a state field is longer than 4096 bytes");

        /* A memqos value over the limit is noted, not fatal: the state
         * parses (the hook names the container it refuses). */
        (void)sprintf(text,
                      "{\"annotations\":{\"memqos.io/priority\":\"%s\","
                      "\"memqos.io/memory-min\":\"1Gi\"},\"id\":\"x\"}",
                      v);
        parse_ok(text, &st);
        assert_string_equal(st.id, "x");
        assert_string_equal(st.over_limit.msg,
                            "a memqos annotation value is longer than 4096 bytes");
        assert_null(oci_state_annotation(&st, "memqos.io/priority"));
        assert_string_equal(oci_state_annotation(&st, "memqos.io/memory-min"), "1Gi");
        oci_state_done(&st);

        /* a runtime key's value that long is dropped, never fatal */
        (void)sprintf(text, "{\"id\":\"x\",\"annotations\":{\"io.kubernetes.pod.name\":\"%s\"}}",
                      v);
        parse_ok(text, &st);
        assert_int_equal(st.n_annotations, 0);
        assert_string_equal(st.over_limit.msg, "");
        oci_state_done(&st);

        /* the same value under a foreign key is skipped */
        (void)sprintf(text, "{\"id\":\"x\",\"annotations\":{\"foo.io/x\":\"%s\"}}", v);
        parse_ok(text, &st);
        assert_int_equal(st.n_annotations, 0);
        oci_state_done(&st);
        free(text);
        free(v);
}

static char *annotations_state(int count, size_t *ret_len) {
        char *text = xmalloc((size_t)count * 64 + 64);
        size_t n = (size_t)sprintf(text, "{\"id\":\"x\",\"annotations\":{");
        for (int i = 0; i < count; i++)
                n += (size_t)sprintf(text + n, "%s\"memory-high.memqos.io/c%d\":\"1Gi\"",
                                     i ? "," : "", i);
        n += (size_t)sprintf(text + n, "}}");
        *ret_len = n;
        return text;
}

static void test_too_many_annotations(void **state) {
        (void)state;
        struct oci_state st;
        struct mq_error err = {{0}};
        size_t len;

        char *text = annotations_state(MQ_STATE_ANNOT_MAX, &len);
        assert_int_equal(oci_state_parse_buf(text, len, &st, &err), 0);
        assert_int_equal(st.n_annotations, MQ_STATE_ANNOT_MAX);
        oci_state_done(&st);
        free(text);

        text = annotations_state(MQ_STATE_ANNOT_MAX + 1, &len);
        assert_int_equal(oci_state_parse_buf(text, len, &st, &err), 0);
        assert_string_equal(st.over_limit.msg, "more than 64 memqos-related annotations");
        assert_int_equal(st.n_memqos, MQ_STATE_ANNOT_MAX);
        oci_state_done(&st);
        free(text);
}

/* The runtime's own keys do not count against the 64: containerd sets five
 * on every container, CRI-O more. A repeated one keeps its first value and
 * one differing copy (identity.c reports the conflict), no more. */
static void test_runtime_keys_not_counted(void **state) {
        (void)state;
        struct oci_state st;
        struct mq_error err = {{0}};
        size_t len;
        char *memqos = annotations_state(MQ_STATE_ANNOT_MAX, &len);
        char *text = xmalloc(len + 1024);
        /* the memqos keys, then the runtime's, inside the same object */
        memcpy(text, memqos, len - 2);
        (void)sprintf(text + len - 2,
                      ",\"io.kubernetes.cri.container-name\":\"old\","
                      "\"io.kubernetes.cri.container-type\":\"container\","
                      "\"io.kubernetes.cri.sandbox-name\":\"web-0\","
                      "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
                      "\"io.kubernetes.cri.sandbox-uid\":\"0f2a6c1e-3b7d-4e59-9a41-6c2d8e7f1b3a\","
                      "\"io.kubernetes.cri.container-name\":\"old\","
                      "\"io.kubernetes.cri.container-name\":\"app\","
                      "\"io.kubernetes.cri.container-name\":\"third\"}}");
        assert_int_equal(oci_state_parse_buf(text, strlen(text), &st, &err), 0);
        assert_string_equal(st.over_limit.msg, "");
        assert_int_equal(st.n_memqos, MQ_STATE_ANNOT_MAX);
        assert_int_equal(st.n_annotations, MQ_STATE_ANNOT_MAX + 6);
        assert_string_equal(oci_state_annotation(&st, ANNOT_CONTAINERD_NAME), "old");
        assert_string_equal(st.annotations[st.n_annotations - 1].value, "app");
        assert_string_equal(oci_state_annotation(&st, ANNOT_CONTAINERD_NS), "shop");
        oci_state_done(&st);
        free(text);
        free(memqos);
}

/* A state of exactly MQ_STATE_MAX bytes is read; one byte more is refused. */
static char *padded_state(size_t size) {
        static const char head[] = "{\"id\":\"x\",\"pid\":3,\"pad\":\"";
        static const char tail[] = "\"}";
        char *text = xmalloc(size);
        memcpy(text, head, sizeof(head) - 1);
        memset(text + sizeof(head) - 1, 'p', size - (sizeof(head) - 1) - (sizeof(tail) - 1));
        memcpy(text + size - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
        return text;
}

static void test_size_cap(void **state) {
        (void)state;
        struct oci_state st;
        struct mq_error err = {{0}};

        char *text = padded_state(MQ_STATE_MAX);
        if (oci_state_parse_buf(text, MQ_STATE_MAX, &st, &err) < 0)
                fail_msg("exactly %d bytes: %s", MQ_STATE_MAX, err.msg);
        assert_int_equal(st.pid, 3);
        oci_state_done(&st);
        free(text);

        text = padded_state(MQ_STATE_MAX + 1);
        assert_int_equal(oci_state_parse_buf(text, MQ_STATE_MAX + 1, &st, &err), -EFBIG);
        assert_string_equal(err.msg, "the state is larger than 8388608 bytes");
        free(text);

        /* whitespace counts too: a valid state followed by padding */
        text = xmalloc(MQ_STATE_MAX + 1);
        memset(text, ' ', MQ_STATE_MAX + 1);
        memcpy(text, "{\"id\":\"x\"}", 10);
        assert_int_equal(oci_state_parse_buf(text, MQ_STATE_MAX + 1, &st, &err), -EFBIG);
        free(text);
}

/* The stream reader, as the hook uses it on stdin. */
static void test_read_stream(void **state) {
        (void)state;
        static const char text[] = "{\"id\":\"s\",\"pid\":8,\"status\":\"creating\"}";
        struct oci_state st;
        struct mq_error err = {{0}};
        FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
        assert_non_null(f);
        assert_int_equal(oci_state_read(f, &st, &err), 0);
        assert_string_equal(st.id, "s");
        assert_int_equal(st.pid, 8);
        oci_state_done(&st);
        (void)fclose(f);

        /* over the cap through a stream */
        f = tmpfile();
        assert_non_null(f);
        char *big = padded_state(MQ_STATE_MAX + 1);
        assert_int_equal(fwrite(big, 1, MQ_STATE_MAX + 1, f), MQ_STATE_MAX + 1);
        free(big);
        rewind(f);
        assert_int_equal(oci_state_read(f, &st, &err), -EFBIG);
        assert_string_equal(err.msg, "the state is larger than 8388608 bytes");
        (void)fclose(f);

        /* truncated through a stream */
        static const char cut[] = "{\"id\":\"s\",\"pid\":";
        f = fmemopen((void *)cut, sizeof(cut) - 1, "r");
        assert_non_null(f);
        assert_int_equal(oci_state_read(f, &st, &err), -EINVAL);
        assert_true(msg_matches(err.msg, INVALID_JSON));
        (void)fclose(f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_runc_state),
                cmocka_unit_test(test_crun_state),
                cmocka_unit_test(test_legacy_bundle_path),
                cmocka_unit_test(test_unknown_and_nested_ignored),
                cmocka_unit_test(test_kept_annotations),
                cmocka_unit_test(test_escapes),
                cmocka_unit_test(test_huge_foreign_annotation),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_error_does_not_echo_input),
                cmocka_unit_test(test_long_kept_strings),
                cmocka_unit_test(test_too_many_annotations),
                cmocka_unit_test(test_runtime_keys_not_counted),
                cmocka_unit_test(test_size_cap),
                cmocka_unit_test(test_read_stream),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
