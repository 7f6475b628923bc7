/* SPDX-License-Identifier: MIT */
/* What kind of cgroup host a cgroup root is. memqos writes cgroup v2 files
 * (Documentation/admin-guide/cgroup-v2.rst); on a v1 host, or a hybrid one
 * (v1 controllers under /sys/fs/cgroup, an empty cgroup2 at unified/), or a
 * cgroup2 mount whose memory controller is bound elsewhere, there is nothing
 * for it to write, and the hook must not stop the container for that. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum mq_cgroup_host {
        MQ_HOST_CGROUP2,           /* cgroup2, memory controller available */
        MQ_HOST_CGROUP2_NO_MEMORY, /* cgroup2 without the memory controller */
        MQ_HOST_HYBRID,            /* not cgroup2; unified/ under it is */
        MQ_HOST_V1,                /* neither */
};

/* Fake trees in tests are no cgroup2 mounts: with this set to "1" in the
 * environment the root counts as one (its cgroup.controllers is still
 * read). Documented in README, "Tests". */
#define MQ_ASSUME_CGROUP2_ENV "MEMQOS_ASSUME_CGROUP2"

/* Is MQ_ASSUME_CGROUP2_ENV set to "1"? */
bool mq_assume_cgroup2(void);

/* Does a cgroup.controllers text (space-separated names) list memory? */
bool mq_controllers_have_memory(const char *text, size_t len);

/* The kind, from what the I/O found: whether the root and its unified/
 * are cgroup2 mounts, and the root's cgroup.controllers text (NULL when it
 * could not be read). */
enum mq_cgroup_host mq_cgroup_host_classify(bool root_is_cgroup2, bool unified_is_cgroup2,
                                            const char *controllers, size_t len);

/* Classify the cgroup root open at root_fd (fstatfs, CGROUP2_SUPER_MAGIC).
 * assume_cgroup2: the root counts as a cgroup2 mount (fake trees). */
int mq_cgroup_host_detect(int root_fd, bool assume_cgroup2, enum mq_cgroup_host *ret);

/* A phrase for messages: "a hybrid cgroup host (cgroup2 at unified/ has no
 * controllers; the memory controller is on cgroup v1)". */
const char *mq_cgroup_host_describe(enum mq_cgroup_host h);
