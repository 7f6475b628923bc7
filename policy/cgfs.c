/* SPDX-License-Identifier: MIT */
#include "cgfs.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "types.h"

int cgroup_path_validate(const char *path, struct mq_error *err) {
        if (!path || path[0] != '/')
                return mq_error_set(err, EINVAL, "cgroup path \"%s\" is not absolute",
                                    path ? path : "");
        if (strlen(path) >= MQ_CGROUP_PATH_MAX)
                return mq_error_set(err, ENAMETOOLONG, "cgroup path is longer than %d bytes",
                                    MQ_CGROUP_PATH_MAX - 1);
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return mq_error_set(err, EINVAL,
                                            "cgroup path \"%s\" has a \".\" or \"..\" component",
                                            path);
                p += n;
        }
        return 0;
}

int cgroup_open_beneath(int root_fd, const char *path, int *ret_fd, struct mq_error *err) {
        int r = cgroup_path_validate(path, err);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return mq_error_set(err, errno, "cannot duplicate the cgroup root fd: %s",
                                    strerror(errno));

        char component[256];
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if (n == 0)
                        break;
                if (n >= sizeof(component))
                        return mq_error_set(err, ENAMETOOLONG,
                                            "cgroup path \"%s\" has a component over 255 bytes",
                                            path);
                memcpy(component, p, n);
                component[n] = '\0';
                int next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return mq_error_set(err, errno, "cannot open cgroup \"%s\" at \"%s\": %s",
                                            path, component, strerror(errno));
                closep(&fd);
                fd = next;
                p += n;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int open_regular(int dir_fd, const char *name, int flags) {
        if (strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        _cleanup_close_ int fd =
                openat(dir_fd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        struct stat st;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        return TAKE_FD(fd);
}

int cgroup_open_read(int dir_fd, const char *name) {
        return open_regular(dir_fd, name, O_RDONLY);
}

int cgroup_read_file(int dir_fd, const char *name, char *buf, size_t size) {
        if (size < 2)
                return -EINVAL;
        _cleanup_close_ int fd = open_regular(dir_fd, name, O_RDONLY);
        if (fd < 0)
                return fd;
        return cgroup_pread_file(fd, buf, size);
}

int cgroup_pread_file(int fd, char *buf, size_t size) {
        if (size < 2)
                return -EINVAL;
        size_t len = 0;
        for (;;) {
                ssize_t n = pread(fd, buf + len, size - 1 - len, (off_t)len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len == size - 1)
                        return -EFBIG;
        }
        if (len > 0 && buf[len - 1] == '\n')
                len--;
        buf[len] = '\0';
        return (int)len;
}

int cgroup_parse_u64(const char *s, uint64_t *ret) {
        if (streq(s, "max")) {
                *ret = MQ_UNLIMITED;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        *ret = (uint64_t)v;
        return 0;
}

int cgroup_read_u64(int dir_fd, const char *name, uint64_t *ret) {
        char buf[64];
        int r = cgroup_read_file(dir_fd, name, buf, sizeof(buf));
        if (r < 0)
                return r;
        return cgroup_parse_u64(buf, ret);
}

int cgroup_write_file(int dir_fd, const char *name, const char *value) {
        /* O_TRUNC is a no-op on cgroupfs (kernfs) and keeps a fake tree
         * byte-exact, the way `echo v > file` does. */
        _cleanup_close_ int fd = open_regular(dir_fd, name, O_WRONLY | O_TRUNC);
        if (fd < 0)
                return fd;
        size_t len = strlen(value);
        ssize_t n;
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

void cgroup_format_u64(uint64_t value, char buf[static 24]) {
        if (value == MQ_UNLIMITED)
                (void)snprintf(buf, 24, "max");
        else
                (void)snprintf(buf, 24, "%" PRIu64, value);
}

int cgroup_write_u64(int dir_fd, const char *name, uint64_t value) {
        char buf[24];
        cgroup_format_u64(value, buf);
        return cgroup_write_file(dir_fd, name, buf);
}

int cgroup_opendir(int dfd, DIR **ret_dir) {
        int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (dup < 0)
                return negative_errno();
        DIR *d = fdopendir(dup);
        if (!d) {
                int r = negative_errno();
                (void)close(dup);
                return r;
        }
        *ret_dir = d;
        return 0;
}

int cgroup_parse_populated(const char *buf, bool *ret_populated) {
        for (const char *line = buf; line && *line; line = strchr(line, '\n')) {
                if (*line == '\n')
                        line++;
                if (strncmp(line, "populated ", 10) != 0)
                        continue;
                char v = line[10], end = line[11];
                if ((v != '0' && v != '1') || (end != '\n' && end != '\0'))
                        return -EINVAL;
                *ret_populated = v == '1';
                return 0;
        }
        return -EINVAL;
}
