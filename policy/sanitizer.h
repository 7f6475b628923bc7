/* SPDX-License-Identifier: MIT */
/* System calls the sanitizer runtime makes, allowed by the hook's and the
 * agent's seccomp filters only in a `make SANITIZE=1` build (tests/
 * sanitize.mk defines MEMQOS_SANITIZE). LeakSanitizer's exit-time check
 * stops the process with a helper thread that ptrace()s it (clone, prctl
 * PR_SET_PTRACER, ptrace, wait4, sched_yield, sigaltstack, rt_sigaction)
 * and lists /proc/<pid>/task; on x86_64 its internal calls are the
 * non-"at" ones (open, readlink, stat, getdents). Denied, it reports a
 * fatal error and the program exits 1. A normal build expands this to nothing, so the
 * production filters are exactly the lists written out in hook/confine.c
 * and agent/loop/confine.c. */
#pragma once

#ifdef MEMQOS_SANITIZE
#define MQ_SANITIZER_SYSCALLS                                                                      \
        "clone", "clone3", "prctl", "ptrace", "wait4", "waitid", "sched_yield", "sigaltstack",     \
                "rt_sigaction", "getppid", "tgkill", "mprotect", "readlinkat", "pipe2",            \
                "sched_getaffinity", "prlimit64", "getrlimit", "setrlimit", "arch_prctl", "dup2",  \
                "dup3", "munlockall", "process_vm_readv", "open", "getdents", "getdents64",        \
                "readlink", "stat", "lstat", "access", "pipe",
#else
#define MQ_SANITIZER_SYSCALLS
#endif
