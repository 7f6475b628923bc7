/* SPDX-License-Identifier: MIT */
/* The map of the directories where pods appear, and what a directory
 * created in or removed from one of them means (policy/dirwatch.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dirwatch.h"

#define SYSTEMD_BE "/kubepods.slice/kubepods-besteffort.slice"
#define UID        "6f1a3c2e-9b4d-4e8f-a1b2-0c3d4e5f6a7b"

static void test_map(void **state) {
        (void)state;
        struct mq_dirwatch m = {0};
        assert_null(mq_dirwatch_path(&m, 1));
        assert_int_equal(mq_dirwatch_add(&m, 1, "/kubepods.slice"), 0);
        assert_int_equal(mq_dirwatch_add(&m, 2, SYSTEMD_BE), 0);
        assert_int_equal(mq_dirwatch_add(&m, 5, "/kubepods/burstable"), 0);
        assert_string_equal(mq_dirwatch_path(&m, 2), SYSTEMD_BE);
        assert_string_equal(mq_dirwatch_path(&m, 5), "/kubepods/burstable");
        assert_null(mq_dirwatch_path(&m, 3)); /* a pod's memory.events watch */
        /* the same inode watched again returns the same wd: one entry */
        assert_int_equal(mq_dirwatch_add(&m, 2, SYSTEMD_BE), 0);
        assert_int_equal(m.n, 3);
        assert_int_equal(mq_dirwatch_add(&m, -1, "/x"), -EINVAL);
        assert_int_equal(m.n, 3);
}

static void test_map_limits(void **state) {
        (void)state;
        struct mq_dirwatch m = {0};
        char path[32];
        for (int i = 0; i < MQ_DIRWATCH_MAX; i++) {
                (void)snprintf(path, sizeof(path), "/d%d", i);
                assert_int_equal(mq_dirwatch_add(&m, i + 10, path), 0);
        }
        assert_int_equal(mq_dirwatch_add(&m, 99, "/full"), -ENOSPC);
        assert_null(mq_dirwatch_path(&m, 99));
        assert_string_equal(mq_dirwatch_path(&m, 10 + MQ_DIRWATCH_MAX - 1), "/d9");
        char longp[MQ_DIRWATCH_PATH_MAX + 1];
        memset(longp, 'a', sizeof(longp) - 1);
        longp[sizeof(longp) - 1] = '\0';
        struct mq_dirwatch e = {0};
        assert_int_equal(mq_dirwatch_add(&e, 1, longp), -ENAMETOOLONG);
        assert_int_equal(e.n, 0);
        longp[MQ_DIRWATCH_PATH_MAX - 1] = '\0'; /* exactly fits */
        assert_int_equal(mq_dirwatch_add(&e, 1, longp), 0);
}

/* The kubelet's two cgroup drivers name a pod's directory differently; a
 * QoS directory or anything else is not a pod (the agent rescans). */
static void test_pod_names(void **state) {
        (void)state;
        char uid[MQ_POD_UID_MAX], cg[512];
        assert_int_equal(mq_dirwatch_pod(SYSTEMD_BE,
                                         "kubepods-besteffort-pod6f1a3c2e_9b4d_4e8f_a1b2_"
                                         "0c3d4e5f6a7b.slice",
                                         uid, cg, sizeof(cg)),
                         0);
        assert_string_equal(uid, UID);
        assert_string_equal(cg, SYSTEMD_BE "/kubepods-besteffort-pod6f1a3c2e_9b4d_4e8f_a1b2_"
                                           "0c3d4e5f6a7b.slice");
        assert_int_equal(mq_dirwatch_pod("/kubepods/burstable", "pod" UID, uid, cg, sizeof(cg)),
                         0);
        assert_string_equal(uid, UID);
        assert_string_equal(cg, "/kubepods/burstable/pod" UID);

        strcpy(uid, "untouched");
        strcpy(cg, "untouched");
        const char *not_pods[] = {"kubepods-besteffort.slice", "burstable", "", "pod",
                                  "podxyz", "kubepods-pod.slice", "pod" UID "\n"};
        for (size_t i = 0; i < sizeof(not_pods) / sizeof(not_pods[0]); i++)
                assert_int_equal(mq_dirwatch_pod("/kubepods", not_pods[i], uid, cg, sizeof(cg)),
                                 -EINVAL);
        assert_string_equal(uid, "untouched");
        assert_string_equal(cg, "untouched");
}

/* A path that does not fit is refused and nothing is written. */
static void test_pod_path_too_long(void **state) {
        (void)state;
        char uid[MQ_POD_UID_MAX] = "untouched", cg[48] = "untouched";
        assert_int_equal(mq_dirwatch_pod(SYSTEMD_BE, "pod" UID, uid, cg, sizeof(cg)),
                         -ENAMETOOLONG);
        assert_string_equal(uid, "untouched");
        assert_string_equal(cg, "untouched");
        char exact[sizeof("/k/pod" UID)];
        assert_int_equal(mq_dirwatch_pod("/k", "pod" UID, uid, exact, sizeof(exact)), 0);
        assert_string_equal(exact, "/k/pod" UID);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_map),
                cmocka_unit_test(test_map_limits),
                cmocka_unit_test(test_pod_names),
                cmocka_unit_test(test_pod_path_too_long),
        };
        return cmocka_run_group_tests_name("dirwatch", tests, NULL, NULL);
}
