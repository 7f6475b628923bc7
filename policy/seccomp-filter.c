/* SPDX-License-Identifier: MIT */
#include "seccomp-filter.h"

#include <errno.h>
#include <seccomp.h>

static void ctx_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

static int allow(scmp_filter_ctx ctx, const char *name) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return 0; /* not on this architecture */
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

int mq_seccomp_load_allowlist(const char *const *names, size_t n, const char *const *extra) {
        __attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx =
                seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!ctx)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = allow(ctx, names[i]);
                if (r < 0)
                        return r;
        }
        for (const char *const *e = extra; e && *e; e++) {
                int r = allow(ctx, *e);
                if (r < 0)
                        return r;
        }
        return seccomp_load(ctx);
}
