/* SPDX-License-Identifier: MIT */
/* After start-up the daemon only reads and writes files beneath fds it
 * already holds, waits on epoll, talks on its control socket and, for the
 * kill fallback, sends SIGKILL. Everything else fails with EPERM rather than
 * killing the process: an unexpected call from a library (say, a locale or
 * a new glibc path) then shows up as one failed operation in the log, while
 * a kill action would take node protection down with it. */
#include "confine.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "sanitizer.h"
#include "seccomp-filter.h"
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
        MQ_SANITIZER_SYSCALLS};

int agent_seccomp(struct mq_error *err) {
        int r = mq_seccomp_load_allowlist(allowed, ELEMENTSOF(allowed), NULL);
        if (r < 0)
                return mq_error_set(err, -r, "cannot load the seccomp filter: %s", strerror(-r));
        return 0;
}

/* The agent must keep running when the node is short of memory: reclaim
 * evicts the text of idle processes first (BACKGROUND.md), and an agent
 * that has to page its own code back in from disk acts late. MCL_ONFAULT
 * (Linux 4.4) locks pages as they are touched instead of populating every
 * mapping, so RSS stays what the agent uses. MCL_FUTURE counts every later
 * mapping against RLIMIT_MEMLOCK: lock only when the limit is unlimited (or
 * can be made so, CAP_SYS_RESOURCE), or a malloc() could fail later. */
int agent_lock_memory(struct mq_error *err) {
        /* Keep freed memory in the heap for the next wakeup: an allocation
         * of 128 KiB or more (the per-pod arrays at 1,000 pods) would get
         * fresh pages from mmap() each time, and a page fault on a node out
         * of memory goes through direct reclaim, on the wakeup's path. */
        (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
        (void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
        struct rlimit rl;
        if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
                return mq_error_set(err, errno, "getrlimit(RLIMIT_MEMLOCK): %s", strerror(errno));
        if (rl.rlim_cur != RLIM_INFINITY) {
                struct rlimit inf = {RLIM_INFINITY, RLIM_INFINITY};
                if (setrlimit(RLIMIT_MEMLOCK, &inf) < 0)
                        return mq_error_set(err, errno,
                                            "memory not locked: RLIMIT_MEMLOCK is %llu KiB and "
                                            "cannot be raised (%s); the agent's pages can be "
                                            "reclaimed under pressure",
                                            (unsigned long long)rl.rlim_cur / 1024,
                                            strerror(errno));
        }
        if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
                return mq_error_set(err, errno,
                                    "memory not locked: mlockall: %s; the agent's pages can be "
                                    "reclaimed under pressure",
                                    strerror(errno));
        return 0;
}
