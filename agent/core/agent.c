/* SPDX-License-Identifier: MIT */
#include "agent.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "ctlproto.h"
#include "log.h"
#include "util.h"

#define CONFIG_FILE_MAX (1 << 20)

void agent_headroom(const struct agent *a, struct mq_headroom *ret) {
        mq_headroom_assess(&a->cfg, a->snap.mem_total, a->snap.mem_available, &a->prot,
                           mq_fill_meter_rate(&a->fill), ret);
}

int agent_policy_load(struct agent *a) {
        struct mq_error err = {{0}};
        const char *path = a->opts.policy_path;
        char source[MQ_NODEPOLICY_SOURCE_MAX];
        struct mq_nodepolicy p;
        int r = mq_nodepolicy_load(path, &p, &err);
        if (r < 0) {
                if (r == -ENOENT)
                        (void)snprintf(source, sizeof(source), "built-in, no %s", path);
                else {
                        log_warn("node policy: %s; using the built-in policy", err.msg);
                        (void)snprintf(source, sizeof(source), "built-in, %s is invalid", path);
                }
                r = mq_nodepolicy_defaults(source, &p);
                if (r < 0)
                        return r;
        }
        mq_nodepolicy_done(&a->policy);
        a->policy = p;
        return 0;
}

int agent_path_join(char *buf, size_t size, const char *dir, const char *name) {
        int n = snprintf(buf, size, "%s/%s", dir, name);
        if (n < 0 || (size_t)n >= size)
                return -ENAMETOOLONG;
        return 0;
}

/* The whole file into a malloc'd, NUL-terminated buffer. */
static int read_text(const char *path, char **ret, struct mq_error *err) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return mq_error_set(err, errno, "cannot open config %s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return mq_error_set(err, EINVAL, "config %s is not a regular file", path);
        if (st.st_size > CONFIG_FILE_MAX)
                return mq_error_set(err, EFBIG, "config %s is larger than %d bytes", path,
                                    CONFIG_FILE_MAX);
        size_t size = (size_t)st.st_size, len = 0;
        char *buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;
        while (len < size) {
                ssize_t n = read(fd, buf + len, size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int saved = errno;
                        free(buf);
                        return mq_error_set(err, saved, "cannot read config %s: %s", path,
                                            strerror(saved));
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret = buf;
        return 0;
}

int agent_config_load(const char *path, struct mq_config *ret, struct mq_error *err) {
        struct mq_config cfg;
        mq_config_defaults(&cfg);
        if (!path) {
                *ret = cfg;
                return 0;
        }
        char *buf = NULL;
        int r = read_text(path, &buf, err);
        if (r < 0)
                return r;
        struct mq_error perr = {{0}};
        r = mq_config_parse_buf(buf, &cfg, &perr);
        free(buf);
        if (r < 0)
                return mq_error_set(err, -r, "config %s: %s", path,
                                    perr.msg[0] ? perr.msg : strerror(-r));
        *ret = cfg;
        return 0;
}

int agent_listen_override(struct agent *a, struct mq_error *err) {
        const char *s = a->opts.metrics_listen;
        if (!s)
                return 0;
        char host[MQ_LISTEN_HOST_MAX];
        uint16_t port;
        if (strlen(s) >= sizeof(a->cfg.metrics_listen))
                return mq_error_set(err, EINVAL, "listen address too long (at most %zu bytes)",
                                    sizeof(a->cfg.metrics_listen) - 1);
        if (*s) {
                int r = mq_listen_addr_parse(s, host, &port, err);
                if (r < 0)
                        return r;
        }
        memcpy(a->cfg.metrics_listen, s, strlen(s) + 1);
        return 0;
}
