/* SPDX-License-Identifier: MIT */
#include "cgroot.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include "util.h"

bool mq_assume_cgroup2(void) {
        const char *v = getenv(MQ_ASSUME_CGROUP2_ENV);
        return v && streq(v, "1");
}

bool mq_controllers_have_memory(const char *text, size_t len) {
        size_t i = 0;
        while (i < len) {
                while (i < len && (text[i] == ' ' || text[i] == '\n'))
                        i++;
                size_t start = i;
                while (i < len && text[i] != ' ' && text[i] != '\n')
                        i++;
                if (i - start == 6 && memcmp(text + start, "memory", 6) == 0)
                        return true;
        }
        return false;
}

enum mq_cgroup_host mq_cgroup_host_classify(bool root_is_cgroup2, bool unified_is_cgroup2,
                                            const char *controllers, size_t len) {
        if (root_is_cgroup2)
                return controllers && mq_controllers_have_memory(controllers, len)
                               ? MQ_HOST_CGROUP2
                               : MQ_HOST_CGROUP2_NO_MEMORY;
        return unified_is_cgroup2 ? MQ_HOST_HYBRID : MQ_HOST_V1;
}

static bool fd_is_cgroup2(int fd) {
        struct statfs sfs;
        return fstatfs(fd, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Not there or unreadable: NULL-equivalent (*ret_len 0, false). */
static bool read_controllers(int root_fd, char *buf, size_t size, size_t *ret_len) {
        _cleanup_close_ int fd = openat(root_fd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, size);
        if (n < 0)
                return false;
        *ret_len = (size_t)n;
        return true;
}

int mq_cgroup_host_detect(int root_fd, bool assume_cgroup2, enum mq_cgroup_host *ret) {
        bool root2 = assume_cgroup2 || fd_is_cgroup2(root_fd);
        bool unified2 = false;
        char text[512]; /* every controller's name fits many times over */
        size_t len = 0;
        bool have = false;

        if (root2)
                have = read_controllers(root_fd, text, sizeof(text), &len);
        else {
                _cleanup_close_ int u =
                        openat(root_fd, "unified", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                unified2 = u >= 0 && fd_is_cgroup2(u);
        }
        *ret = mq_cgroup_host_classify(root2, unified2, have ? text : NULL, len);
        return 0;
}

const char *mq_cgroup_host_describe(enum mq_cgroup_host h) {
        switch (h) {
        case MQ_HOST_CGROUP2:
                return "a cgroup2 mount with the memory controller";
        case MQ_HOST_CGROUP2_NO_MEMORY:
                return "a cgroup2 mount without the memory controller (its cgroup.controllers "
                       "does not list memory)";
        case MQ_HOST_HYBRID:
                return "a hybrid cgroup host (cgroup v1 controllers, cgroup2 at unified/ "
                       "without them)";
        default:
                return "not a cgroup2 mount (a cgroup v1 host)";
        }
}
