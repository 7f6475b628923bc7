/* SPDX-License-Identifier: MIT */
/* The hook parses input from the runtime and writes cgroup files as root; after
 * option parsing it gives up every system call it does not need. A denied call
 * fails with EPERM rather than killing the process, so an unexpected libc
 * path turns into a clear error message instead of a signal the runtime
 * reports as an opaque hook failure. */

#include "confine.h"
#include "sanitizer.h"
#include "seccomp-filter.h"
#include "util.h"

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

int hook_confine(void) {
        return mq_seccomp_load_allowlist(allowed, ELEMENTSOF(allowed), allowed_sanitizer);
}
