/* SPDX-License-Identifier: MIT */
/* After start-up the daemon only reads and writes files beneath fds it
 * already holds, waits on epoll, talks on its control socket and, for the
 * kill fallback, sends SIGKILL. Everything else fails with EPERM rather than
 * killing the process: an unexpected call from a library (say, a locale or
 * a new glibc path) then shows up as one failed operation in the log, while
 * a kill action would take node protection down with it. */
#include "confine.h"

#include <seccomp.h>

#include "util.h"

static const char *const allowed[] = {
        /* files beneath held fds; readdir */
        "read", "write", "writev", "pread64", "openat", "close", "fstat", "newfstatat", "statx",
        "fstatfs", "lseek", "getdents64", "fcntl", "mkdirat", "unlink", "unlinkat", "renameat",
        "renameat2", "rename", "fsync", "fdatasync",
        /* the loop */
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "inotify_add_watch",
        "inotify_rm_watch", "timerfd_settime", "timerfd_gettime", "clock_gettime",
        "clock_nanosleep", "nanosleep", "gettimeofday",
        /* the control socket */
        "accept4", "recvfrom", "recvmsg", "sendto", "sendmsg", "setsockopt", "shutdown",
        /* memory, signals, exit */
        "brk", "mmap", "munmap", "mremap", "madvise", "futex", "getrandom", "rt_sigreturn",
        "rt_sigprocmask", "getpid", "gettid", "kill", "exit", "exit_group", "restart_syscall",
        "ioctl", /* isatty() from stdio: the answer may be EPERM, harmless */
};

int agent_seccomp(struct mq_error *err) {
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!ctx)
                return mq_error_set(err, ENOMEM, "seccomp_init failed");
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(allowed) && r == 0; i++) {
                int nr = seccomp_syscall_resolve_name(allowed[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue; /* not on this architecture */
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        }
        if (r == 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        if (r < 0)
                return mq_error_set(err, -r, "cannot load the seccomp filter: %s", strerror(-r));
        return 0;
}
