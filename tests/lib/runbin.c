/* SPDX-License-Identifier: MIT */
#include "runbin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fstree.h"

char *runbin_path(const char *name) {
        const char *dir = getenv("MEMQOS_BUILD");
        char *p;
        if (asprintf(&p, "%s/%s", dir && *dir ? dir : "build", name) < 0)
                abort();
        return p;
}

static int tmpfile_with(const char *dir, const char *name, const char *text, size_t len) {
        char *p;
        if (asprintf(&p, "%s/%s", dir, name) < 0)
                abort();
        int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                abort();
        for (size_t off = 0; off < len;) {
                ssize_t n = write(fd, text + off, len - off);
                if (n <= 0)
                        abort();
                off += (size_t)n;
        }
        (void)lseek(fd, 0, SEEK_SET);
        free(p);
        return fd;
}

void runbin_assume_cgroup2(void) {
        (void)setenv("MEMQOS_ASSUME_CGROUP2", "1", 0);
}

void runbin(char *const argv[], char *const env[], const char *stdin_text, size_t stdin_len,
            struct run_result *ret) {
        char *dir = fstree_mkdtemp();
        int in = tmpfile_with(dir, "stdin", stdin_text ? stdin_text : "", stdin_len);
        int out = tmpfile_with(dir, "stdout", "", 0);
        int err = tmpfile_with(dir, "stderr", "", 0);

        pid_t pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                runbin_assume_cgroup2();
                for (size_t i = 0; env && env[i]; i++)
                        if (putenv(env[i]) != 0)
                                _exit(126);
                if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
                        _exit(126);
                execv(argv[0], argv);
                fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        abort();
        ret->status = status;
        ret->out = fstree_read(dir, "stdout");
        ret->err = fstree_read(dir, "stderr");
        close(in);
        close(out);
        close(err);
        fstree_remove(dir);
        free(dir);
}

void run_result_free(struct run_result *r) {
        free(r->out);
        free(r->err);
        r->out = r->err = NULL;
}
