/* SPDX-License-Identifier: MIT */
/* Fake nodes for memqos-agent integration tests: <root>/cg laid out like
 * /sys/fs/cgroup with a kubepods tree (either cgroup driver), <root>/proc
 * with pressure/memory and meminfo, <root>/state for records and the
 * control socket. Plain files: PSI triggers cannot be armed on them, so the
 * agent under test wakes by its timer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum agent_tree_driver {
        AGENT_TREE_SYSTEMD,
        AGENT_TREE_CGROUPFS,
};

struct agent_tree {
        char *root;
        char *cg, *proc, *state; /* absolute paths */
};

struct agent_tree_pod {
        const char *uid; /* with '-' */
        const char *qos; /* "besteffort", "burstable", "guaranteed" */
        uint64_t current, anon, file, inactive_file;
        uint64_t min, low;
        const char *high; /* NULL: "max" */
};

void agent_tree_new(struct agent_tree *t, enum agent_tree_driver d);
void agent_tree_free(struct agent_tree *t);

/* proc/pressure/memory and proc/meminfo. */
void agent_tree_node(const struct agent_tree *t, uint64_t total_kb, uint64_t avail_kb,
                     double some_avg10);

/* A pod cgroup with every memory file; returns its path relative to the
 * cgroup root ("/kubepods.slice/..."), malloc'd. */
char *agent_tree_pod(const struct agent_tree *t, enum agent_tree_driver d,
                     const struct agent_tree_pod *p);

/* Set a cgroup's memory.current (path from the cgroup root) and move every
 * ancestor's by as much, as the kernel's hierarchical counter does. */
void agent_tree_set_current(const struct agent_tree *t, const char *cgpath, uint64_t v);

/* A container cgroup below a pod; returns its path, malloc'd. */
char *agent_tree_container(const struct agent_tree *t, enum agent_tree_driver d,
                           const char *pod_path, const char *id, const char *high);

/* state/containers/<id>.json in the hook's record format. applied_json is
 * the inside of the "applied" object, e.g. "\"memory.high\": \"1000\"". */
void agent_tree_record(const struct agent_tree *t, const char *id, const char *cgroup,
                       const char *pod_uid, const char *name, const char *ns, const char *priority,
                       const char *applied_json);

/* Start build/memqos-agent with argv (argv[0] ignored, NULL-terminated),
 * stdout and stderr to files under the tree. */
struct agent_daemon {
        pid_t pid;
        char *out, *err; /* file paths */
};
void agent_daemon_start(const struct agent_tree *t, const char *const argv[],
                        struct agent_daemon *ret);
/* Wait up to timeout_ms for it to exit; returns the wait status, or -1
 * (after SIGKILL) when it did not exit in time. */
int agent_daemon_wait(struct agent_daemon *d, int timeout_ms);
void agent_daemon_free(struct agent_daemon *d);

/* Poll (20 ms steps) until the file exists / contains needle. */
bool agent_wait_exists(const char *path, int timeout_ms);
bool agent_wait_text(const char *path, const char *needle, int timeout_ms);
/* The whole file, malloc'd ("" when missing). */
char *agent_slurp(const char *path);
