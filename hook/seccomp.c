/* SPDX-License-Identifier: MIT */
/* The hook parses input from the runtime and writes cgroup files as root; after
 * option parsing it gives up every system call it does not need. A denied call
 * fails with EPERM rather than killing the process, so an unexpected libc
 * path turns into a clear error message instead of a signal the runtime
 * reports as an opaque hook failure. */
#include <seccomp.h>

#include "hook.h"
#include "sanitizer.h"

static const char *const allowed[] = {
        "read",       "write",        "openat",         "open",          "close",        "fstat",
        "newfstatat", "statx",        "lseek",          "mmap",          "munmap",       "mremap",
        "brk",        "mkdir",        "mkdirat",        "renameat",      "renameat2",    "rename",
        "unlinkat",   "fsync",        "fcntl",          "getpid",        "gettid",       "exit",
        "exit_group", "rt_sigreturn", "rt_sigprocmask", "clock_gettime", "gettimeofday", "time",
        "socket",     "connect",      "sendto",         "sendmsg",       "getrandom",    "uname",
        "futex",      "madvise",      "readlink",       "getdents64",    "ioctl",        "pread64",
        "fstatfs",
};

/* Empty but in a SANITIZE=1 build (sanitizer.h); NULL-terminated. */
static const char *const allowed_sanitizer[] = {MQ_SANITIZER_SYSCALLS NULL};

static int allow(scmp_filter_ctx ctx, const char *name) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return 0; /* not on this architecture */
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

static void ctx_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

int hook_seccomp(void) {
        __attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx =
                seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!ctx)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++) {
                int r = allow(ctx, allowed[i]);
                if (r < 0)
                        return r;
        }
        for (const char *const *n = allowed_sanitizer; *n; n++) {
                int r = allow(ctx, *n);
                if (r < 0)
                        return r;
        }
        return seccomp_load(ctx);
}
