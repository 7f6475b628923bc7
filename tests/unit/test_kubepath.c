/* SPDX-License-Identifier: MIT */
/* What the kubelet's cgroup path says about a pod, for the systemd and the
 * cgroupfs drivers: QoS class, pod UID (with '-' restored from the systemd
 * escape '_'), and container ids from the runtimes' scope names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kubepath.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define UID     "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
#define UID_ESC "0f6d1a2b_3c4d_4e5f_8a9b_0c1d2e3f4a5b"
#define CID     "4b825dc642cb6eb9a060e54bf8d69288fbee4904c1a2b3c4d5e6f708192a3b4c"

struct path_case {
        const char *path;
        enum mq_qos qos;
        const char *uid; /* NULL: no pod component; SKIP: not checked */
        size_t pod_prefix_len;
};

#define SKIP ""

#define SD_BE "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ESC ".slice"
#define SD_BU "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ESC ".slice"
#define SD_GU "/kubepods.slice/kubepods-pod" UID_ESC ".slice"
#define FS_BE "/kubepods/besteffort/pod" UID
#define FS_BU "/kubepods/burstable/pod" UID
#define FS_GU "/kubepods/pod" UID

/* The systemd-driver pod slice "kubepods-<qos>-pod<uid>.slice" /
 * "kubepods-pod<uid>.slice" yields the UID with '-' restored; the "pod"
 * inside "kubepods" must not be taken for the pod marker. */
static const struct path_case path_cases[] = {
        /* systemd driver */
        {SD_BE "/cri-containerd-" CID ".scope", MQ_QOS_BESTEFFORT, UID, sizeof(SD_BE) - 1},
        {SD_BU "/cri-containerd-" CID ".scope", MQ_QOS_BURSTABLE, UID, sizeof(SD_BU) - 1},
        {SD_BU "/crio-" CID ".scope", MQ_QOS_BURSTABLE, UID, sizeof(SD_BU) - 1},
        {SD_GU "/cri-containerd-" CID ".scope", MQ_QOS_GUARANTEED, UID, sizeof(SD_GU) - 1},
        /* crun's extra sub-cgroup below the container scope */
        {SD_BU "/crio-" CID ".scope/container", MQ_QOS_BURSTABLE, UID, sizeof(SD_BU) - 1},
        /* the pod cgroup itself */
        {SD_GU, MQ_QOS_GUARANTEED, UID, sizeof(SD_GU) - 1},
        /* cgroupfs driver */
        {FS_BE "/" CID, MQ_QOS_BESTEFFORT, UID, sizeof(FS_BE) - 1},
        {FS_BU "/" CID, MQ_QOS_BURSTABLE, UID, sizeof(FS_BU) - 1},
        {FS_GU "/" CID, MQ_QOS_GUARANTEED, UID, sizeof(FS_GU) - 1},
        {FS_BU "/" CID "/container", MQ_QOS_BURSTABLE, UID, sizeof(FS_BU) - 1},
        /* not under kubepods */
        {"/", MQ_QOS_UNKNOWN, NULL, 0},
        {"/system.slice/containerd.service", MQ_QOS_UNKNOWN, NULL, 0},
        {"/user.slice/user-1000.slice/session-1.scope", MQ_QOS_UNKNOWN, NULL, 0},
        {"/kubepodsx/burstable/pod" UID "/" CID, MQ_QOS_UNKNOWN, SKIP, 0},
        {"/machine.slice/libpod-" CID ".scope", MQ_QOS_UNKNOWN, NULL, 0},
};

/* Every case is checked and every mismatch printed before the test fails. */
static void test_qos_and_pod(void **state) {
        (void)state;
        int bad = 0;
        for (size_t i = 0; i < N(path_cases); i++) {
                const struct path_case *c = &path_cases[i];
                enum mq_qos q = kube_qos_from_path(c->path);
                if (q != c->qos) {
                        print_error("%s: qos %s, expected %s\n", c->path, mq_qos_name(q),
                                    mq_qos_name(c->qos));
                        bad++;
                }

                char uid[MQ_POD_UID_MAX] = "untouched";
                size_t len = 12345;
                if (c->uid && !*c->uid)
                        continue;
                int r = kube_pod_from_path(c->path, uid, &len);
                if (!c->uid) {
                        if (r != -ENOENT) {
                                print_error("%s: kube_pod_from_path = %d, expected -ENOENT\n",
                                            c->path, r);
                                bad++;
                        }
                } else if (r != 0 || strcmp(uid, c->uid) != 0 || len != c->pod_prefix_len) {
                        print_error("%s: kube_pod_from_path = %d uid=\"%s\" prefix=%zu, expected "
                                    "uid=\"%s\" prefix=%zu\n",
                                    c->path, r, r == 0 ? uid : "", r == 0 ? len : 0, c->uid,
                                    c->pod_prefix_len);
                        bad++;
                }
        }
        assert_int_equal(bad, 0);
}

/* A QoS-level slice without a pod below it has no pod component. */
static void test_qos_slices_without_pod(void **state) {
        (void)state;
        static const struct {
                const char *path;
                enum mq_qos qos;
        } c[] = {
                {"/kubepods.slice/kubepods-burstable.slice", MQ_QOS_BURSTABLE},
                {"/kubepods.slice/kubepods-besteffort.slice", MQ_QOS_BESTEFFORT},
                {"/kubepods/burstable", MQ_QOS_BURSTABLE},
                {"/kubepods/besteffort", MQ_QOS_BESTEFFORT},
        };
        for (size_t i = 0; i < N(c); i++) {
                char uid[MQ_POD_UID_MAX];
                size_t len;
                assert_int_equal(kube_qos_from_path(c[i].path), c[i].qos);
                assert_int_equal(kube_pod_from_path(c[i].path, uid, &len), -ENOENT);
        }
}

struct name_case {
        const char *name;
        int r;
        const char *out;
};

static const struct name_case pod_names[] = {
        {"pod" UID, 0, UID},
        {"kubepods-burstable-pod" UID_ESC ".slice", 0, UID},
        {"kubepods-besteffort-pod" UID_ESC ".slice", 0, UID},
        {"kubepods-pod" UID_ESC ".slice", 0, UID},
        {"kubepods-burstable.slice", -EINVAL, NULL},
        {"kubepods.slice", -EINVAL, NULL},
        {"burstable", -EINVAL, NULL},
        {"pod", -EINVAL, NULL},
        {"kubepods-burstable-pod.slice", -EINVAL, NULL},
        {"kubepods-pod.slice", -EINVAL, NULL},
        {"cri-containerd-" CID ".scope", -EINVAL, NULL},
        {"", -EINVAL, NULL},
        {"podcast", -EINVAL, NULL},
        {"pod" UID "x", -EINVAL, NULL},
};

static void test_pod_uid_from_name(void **state) {
        (void)state;
        int bad = 0;
        for (size_t i = 0; i < N(pod_names); i++) {
                char uid[MQ_POD_UID_MAX] = "untouched";
                int r = kube_pod_uid_from_name(pod_names[i].name, uid);
                /* on error, ret_uid is checked by test_pod_uid_untouched_on_error */
                if (r != pod_names[i].r || (r == 0 && strcmp(uid, pod_names[i].out) != 0)) {
                        print_error("\"%s\": r=%d uid=\"%s\", expected r=%d uid=\"%s\"\n",
                                    pod_names[i].name, r, r == 0 ? uid : "", pod_names[i].r,
                                    pod_names[i].out ? pod_names[i].out : "");
                        bad++;
                }
        }
        assert_int_equal(bad, 0);
}

/* A UID that does not fit MQ_POD_UID_MAX is refused, never truncated. */
static void test_pod_uid_too_long(void **state) {
        (void)state;
        char name[3 + MQ_POD_UID_MAX + 1];
        char uid[MQ_POD_UID_MAX] = "untouched";
        memcpy(name, "pod", 3);
        memset(name + 3, 'a', MQ_POD_UID_MAX);
        name[3 + MQ_POD_UID_MAX] = '\0';
        assert_true(kube_pod_uid_from_name(name, uid) < 0);
        assert_string_equal(uid, "untouched");
}

/* A name shaped like a pod cgroup that is not one says why; pod cgroups
 * and other names say nothing. */
static void test_pod_name_problem(void **state) {
        (void)state;
        assert_null(kube_pod_name_problem("pod" UID));
        assert_null(kube_pod_name_problem("kubepods-burstable-pod"
                                          "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0"
                                          ".slice"));
        assert_null(kube_pod_name_problem("kubepods-burstable.slice"));
        assert_null(kube_pod_name_problem("besteffort"));
        assert_null(kube_pod_name_problem("system.slice"));
        assert_string_equal(kube_pod_name_problem("pod"), "no UID after \"pod\"");
        assert_string_equal(kube_pod_name_problem("kubepods-besteffort-pod.slice"),
                            "no UID after \"pod\"");
        const char *hex = "the UID has characters other than hex digits and '-' (the kubelet "
                          "names pod cgroups after the pod's UUID)";
        assert_string_equal(kube_pod_name_problem("pod-test-1"), hex);
        assert_string_equal(kube_pod_name_problem("kubepods-pod-web.slice"), hex);
        char name[3 + MQ_POD_UID_MAX + 1];
        memcpy(name, "pod", 3);
        memset(name + 3, 'a', MQ_POD_UID_MAX);
        name[3 + MQ_POD_UID_MAX] = '\0';
        assert_string_equal(kube_pod_name_problem(name), "the UID is longer than 63 bytes");
}

static const struct name_case container_names[] = {
        {"cri-containerd-" CID ".scope", 0, CID},
        {"crio-" CID ".scope", 0, CID},
        {"docker-" CID ".scope", 0, CID},
        {CID, 0, CID},
        {"crio-conmon-" CID ".scope", -EINVAL, NULL},
        {"cri-containerd-.scope", -EINVAL, NULL},
        {"crio-.scope", -EINVAL, NULL},
        {"cri-containerd-" CID, -EINVAL, NULL},
        {"container", -EINVAL, NULL},
        {"pod" UID, -EINVAL, NULL},
        {"kubepods-burstable.slice", -EINVAL, NULL},
        /* bare ids: exactly 64 hex digits */
        {"4b825dc642cb6eb9a060e54bf8d69288fbee4904c1a2b3c4d5e6f708192a3b4", -EINVAL, NULL},
        {"4b825dc642cb6eb9a060e54bf8d69288fbee4904c1a2b3c4d5e6f708192a3b4c0", -EINVAL, NULL},
        {"4b825dc642cb6eb9a060e54bf8d69288fbee4904c1a2b3c4d5e6f708192a3b4g", -EINVAL, NULL},
        {"", -EINVAL, NULL},
};

static void test_container_id_from_name(void **state) {
        (void)state;
        for (size_t i = 0; i < N(container_names); i++) {
                char id[128] = "untouched";
                int r = kube_container_id_from_name(container_names[i].name, id, sizeof(id));
                if (r != container_names[i].r)
                        fail_msg("\"%s\": r=%d, expected %d", container_names[i].name, r,
                                 container_names[i].r);
                assert_string_equal(id,
                                    container_names[i].out ? container_names[i].out : "untouched");
        }
}

/* CONVENTION DISAGREEMENT (util.h: "output parameters named ret_* are
 * written only on success"): a name that is refused part-way through leaves
 * the characters already checked in ret_uid. */
static void test_pod_uid_untouched_on_error(void **state) {
        (void)state;
        char uid[MQ_POD_UID_MAX] = "untouched";
        assert_int_equal(kube_pod_uid_from_name("pod" UID "x", uid), -EINVAL);
        if (strcmp(uid, "untouched") != 0)
                fail_msg("CONVENTION: kube_pod_uid_from_name(\"pod" UID "x\") failed but wrote "
                         "\"%s\" to ret_uid",
                         uid);
}

static void test_container_id_buffer(void **state) {
        (void)state;
        char id[65];
        /* 64 bytes + NUL fit exactly */
        assert_int_equal(kube_container_id_from_name("crio-" CID ".scope", id, sizeof(id)), 0);
        assert_string_equal(id, CID);
        assert_int_equal(kube_container_id_from_name("crio-" CID ".scope", id, 64), -ENAMETOOLONG);
        assert_int_equal(kube_container_id_from_name(CID, id, 10), -ENAMETOOLONG);
}

static void test_qos_names(void **state) {
        (void)state;
        static const struct {
                enum mq_qos q;
                const char *name;
        } c[] = {
                {MQ_QOS_BESTEFFORT, "besteffort"},
                {MQ_QOS_BURSTABLE, "burstable"},
                {MQ_QOS_GUARANTEED, "guaranteed"},
        };
        for (size_t i = 0; i < N(c); i++) {
                enum mq_qos q = MQ_QOS_UNKNOWN;
                assert_string_equal(mq_qos_name(c[i].q), c[i].name);
                assert_int_equal(mq_qos_from_name(c[i].name, &q), 0);
                assert_int_equal(q, c[i].q);
        }
        enum mq_qos q = MQ_QOS_BURSTABLE;
        assert_int_equal(mq_qos_from_name("Burstable", &q), -EINVAL);
        assert_int_equal(mq_qos_from_name("", &q), -EINVAL);
        assert_int_equal(q, MQ_QOS_BURSTABLE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_qos_and_pod),
                cmocka_unit_test(test_qos_slices_without_pod),
                cmocka_unit_test(test_pod_uid_from_name),
                cmocka_unit_test(test_pod_uid_too_long),
                cmocka_unit_test(test_pod_name_problem),
                cmocka_unit_test(test_pod_uid_untouched_on_error),
                cmocka_unit_test(test_container_id_from_name),
                cmocka_unit_test(test_container_id_buffer),
                cmocka_unit_test(test_qos_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
