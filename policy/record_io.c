/* SPDX-License-Identifier: MIT */
/* Reading and writing record files beneath the state directory fd. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "record.h"

#define RECORD_FILE_MAX (256 * 1024)

static int open_records_dir(int state_fd, bool create) {
        if (create && mkdirat(state_fd, MQ_RECORD_DIR, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        int fd = openat(state_fd, MQ_RECORD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

static int write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int record_write(int state_fd, const struct mq_record *rec, struct mq_error *err) {
        _cleanup_free_ char *text = NULL;
        char final[MQ_ID_MAX + 8], tmp[MQ_ID_MAX + 32];
        int r;

        if (!record_id_valid(rec->id))
                return mq_error_set(err, EINVAL, "container id is not usable as a file name");
        _cleanup_close_ int dir_fd = open_records_dir(state_fd, true);
        if (dir_fd < 0)
                return mq_error_set(err, -dir_fd, "cannot open the record directory: %s",
                                    strerror(-dir_fd));
        if ((r = record_to_json(rec, &text)) < 0)
                return mq_error_set(err, -r, "cannot format the record: %s", strerror(-r));
        (void)snprintf(final, sizeof(final), "%s.json", rec->id);
        (void)snprintf(tmp, sizeof(tmp), ".%s.json.%ld", rec->id, (long)getpid());

        _cleanup_close_ int fd =
                openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return mq_error_set(err, errno, "cannot create record %s: %s", tmp,
                                    strerror(errno));
        r = write_all(fd, text, strlen(text));
        if (r == 0)
                r = write_all(fd, "\n", 1);
        if (r == 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r == 0 && renameat(dir_fd, tmp, dir_fd, final) < 0)
                r = negative_errno();
        if (r < 0) {
                (void)unlinkat(dir_fd, tmp, 0);
                return mq_error_set(err, -r, "cannot write record %s: %s", final, strerror(-r));
        }
        return 0;
}

int record_load(int state_fd, const char *name, struct mq_record *ret, struct mq_error *err) {
        char buf[RECORD_FILE_MAX];
        size_t len = 0;

        if (strchr(name, '/') || name[0] == '.')
                return mq_error_set(err, EINVAL, "record name \"%s\" is not a file name", name);
        _cleanup_close_ int dir_fd = open_records_dir(state_fd, false);
        if (dir_fd < 0)
                return mq_error_set(err, -dir_fd, "cannot open the record directory: %s",
                                    strerror(-dir_fd));
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return mq_error_set(err, errno, "cannot open record %s: %s", name, strerror(errno));
        for (;;) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return mq_error_set(err, errno, "cannot read record %s: %s", name,
                                            strerror(errno));
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len == sizeof(buf) - 1)
                        return mq_error_set(err, EFBIG, "record %s is over %d bytes", name,
                                            RECORD_FILE_MAX - 1);
        }
        buf[len] = '\0';
        return record_parse_buf(buf, ret, err);
}

int record_remove(int state_fd, const char *id) {
        char name[MQ_ID_MAX + 8];
        if (!record_id_valid(id))
                return -EINVAL;
        _cleanup_close_ int dir_fd = open_records_dir(state_fd, false);
        if (dir_fd < 0)
                return dir_fd;
        (void)snprintf(name, sizeof(name), "%s.json", id);
        return unlinkat(dir_fd, name, 0) < 0 ? negative_errno() : 0;
}
