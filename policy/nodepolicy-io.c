/* SPDX-License-Identifier: MIT */
/* Reading the node policy file; the parse is mq_nodepolicy_parse_buf(). */
#include <fcntl.h>
#include <sys/stat.h>

#include "nodepolicy.h"

/* The whole file, NUL-terminated, at most MQ_NODEPOLICY_MAX_BYTES. O_NONBLOCK
 * and the regular-file check: a FIFO put there must not hang the hook. */
static int read_text(const char *path, char **ret, struct mq_error *err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0)
                return mq_error_set(err, errno, "cannot open %s: %s", path, strerror(errno));
        if (fstat(fd, &st) < 0)
                return mq_error_set(err, errno, "cannot stat %s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return mq_error_set(err, EINVAL, "%s is not a regular file", path);
        if (st.st_size > MQ_NODEPOLICY_MAX_BYTES)
                return mq_error_set(err, EFBIG, "%s is larger than %d bytes", path,
                                    MQ_NODEPOLICY_MAX_BYTES);
        /* explicit frees: the analyzer does not follow cleanup attributes */
        char *buf = malloc((size_t)st.st_size + 1);
        size_t len = 0;
        if (!buf)
                return -ENOMEM;
        while (len < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        free(buf);
                        return mq_error_set(err, e, "cannot read %s: %s", path, strerror(e));
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (strlen(buf) != len) {
                free(buf);
                return mq_error_set(err, EINVAL, "%s contains a NUL byte", path);
        }
        *ret = buf;
        return 0;
}

int mq_nodepolicy_load(const char *path, struct mq_nodepolicy *ret, struct mq_error *err) {
        char *text = NULL;
        struct mq_error perr = {{0}};
        int r = read_text(path, &text, err);
        if (r < 0)
                return r;
        r = mq_nodepolicy_parse_buf(text, path, ret, &perr);
        free(text);
        if (r < 0)
                return mq_error_set(err, -r, "%s: %s", path, perr.msg);
        return 0;
}
