/* SPDX-License-Identifier: MIT */
#include "procfs.h"

#include <fcntl.h>
#include <stdio.h>

#include "cgfs.h"

int parse_proc_cgroup_buf(const char *buf, char **ret_path) {
        for (const char *line = buf; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                if (len >= 3 && strncmp(line, "0::", 3) == 0) {
                        size_t plen = len - 3;
                        if (plen == 0 || line[3] != '/' || plen >= MQ_CGROUP_PATH_MAX)
                                return -EINVAL;
                        char *path = strndup(line + 3, plen);
                        if (!path)
                                return -ENOMEM;
                        *ret_path = path;
                        return 0;
                }
                line = end ? end + 1 : NULL;
        }
        return -ENODATA;
}

int proc_read_cgroup(int proc_fd, pid_t pid, char **ret_path, struct mq_error *err) {
        char name[64], buf[16384];
        size_t len = 0;

        if (pid <= 0)
                return mq_error_set(err, EINVAL, "pid %d is not a process id", (int)pid);
        (void)snprintf(name, sizeof(name), "%d/cgroup", (int)pid);
        _cleanup_close_ int fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return mq_error_set(err, errno, "cannot read /proc/%d/cgroup: %s", (int)pid,
                                    strerror(errno));
        for (;;) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return mq_error_set(err, errno, "cannot read /proc/%d/cgroup: %s", (int)pid,
                                            strerror(errno));
                if (n == 0 || (len += (size_t)n) == sizeof(buf) - 1)
                        break;
        }
        buf[len] = '\0';
        int r = parse_proc_cgroup_buf(buf, ret_path);
        if (r == -EINVAL)
                return mq_error_set(err, EINVAL, "/proc/%d/cgroup has a malformed \"0::\" line",
                                    (int)pid);
        if (r == -ENODATA)
                return mq_error_set(err, ENODATA, "/proc/%d/cgroup has no cgroup v2 (\"0::\") line",
                                    (int)pid);
        return r;
}
