/* SPDX-License-Identifier: MIT */
/* Which kind of cgroup host a root is, without I/O (the classifier and the
 * cgroup.controllers parse), and the detection on a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>

#include "cgroot.h"
#include "fstree.h"

static bool has_memory(const char *text) {
        return mq_controllers_have_memory(text, strlen(text));
}

static void test_controllers(void **state) {
        (void)state;
        assert_true(has_memory("cpuset cpu io memory hugetlb pids rdma misc\n"));
        assert_true(has_memory("memory\n"));
        assert_true(has_memory("memory"));
        assert_true(has_memory("cpu memory"));
        assert_false(has_memory(""));
        assert_false(has_memory("\n"));
        assert_false(has_memory("cpu io pids\n"));
        assert_false(has_memory("memoryx cpu\n"));
        assert_false(has_memory("xmemory\n"));
        assert_false(has_memory("memor\n"));
        /* the length bounds it: "memory" cut to "memo" */
        assert_false(mq_controllers_have_memory("memory\n", 4));
}

static void test_classify(void **state) {
        (void)state;
        const char *c = "cpu memory pids\n";
        assert_int_equal(mq_cgroup_host_classify(true, false, c, strlen(c)), MQ_HOST_CGROUP2);
        assert_int_equal(mq_cgroup_host_classify(true, false, "cpu\n", 4),
                         MQ_HOST_CGROUP2_NO_MEMORY);
        assert_int_equal(mq_cgroup_host_classify(true, false, NULL, 0), MQ_HOST_CGROUP2_NO_MEMORY);
        /* unified/ only matters when the root is not cgroup2 */
        assert_int_equal(mq_cgroup_host_classify(false, true, NULL, 0), MQ_HOST_HYBRID);
        assert_int_equal(mq_cgroup_host_classify(false, false, c, strlen(c)), MQ_HOST_V1);
        assert_non_null(strstr(mq_cgroup_host_describe(MQ_HOST_HYBRID), "hybrid"));
        assert_non_null(strstr(mq_cgroup_host_describe(MQ_HOST_V1), "v1"));
}

/* A temp dir is not cgroup2 (nor its unified/); assumed, its
 * cgroup.controllers decides. */
static void test_detect_temp_dir(void **state) {
        (void)state;
        char *root = fstree_mkdtemp();
        fstree_mkdirs(root, "unified");
        int fd = fstree_open(root);
        enum mq_cgroup_host h = MQ_HOST_CGROUP2;
        assert_int_equal(mq_cgroup_host_detect(fd, false, &h), 0);
        assert_int_equal(h, MQ_HOST_V1);
        assert_int_equal(mq_cgroup_host_detect(fd, true, &h), 0);
        assert_int_equal(h, MQ_HOST_CGROUP2_NO_MEMORY);
        fstree_write(root, "cgroup.controllers", "cpu memory\n");
        assert_int_equal(mq_cgroup_host_detect(fd, true, &h), 0);
        assert_int_equal(h, MQ_HOST_CGROUP2);
        close(fd);
        fstree_remove(root);
        free(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_controllers),
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_detect_temp_dir),
        };
        return cmocka_run_group_tests_name("cgroot", tests, NULL, NULL);
}
