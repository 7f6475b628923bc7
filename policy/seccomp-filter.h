/* SPDX-License-Identifier: MIT */
/* The one seccomp builder both binaries confine themselves with: an allow
 * list by name, everything else failing with EPERM (never a kill: an
 * unexpected call from a library then costs one failed operation, not the
 * process). */
#pragma once

#include <stddef.h>

/* Allow the n syscalls in names and the NULL-terminated list extra (may be
 * NULL: the sanitizer runtime's, policy/sanitizer.h), then load the filter
 * into this thread. Names unknown on this architecture are skipped.
 * Returns 0 or a negative errno from libseccomp. */
int mq_seccomp_load_allowlist(const char *const *names, size_t n, const char *const *extra);
