/* SPDX-License-Identifier: MIT */
#include "act.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>

#include "cgfs.h"
#include "core/log.h"

#define PROCS_MAX (1 << 20) /* cgroup.procs of one cgroup: plenty of pids */

/* SIGKILL every pid listed in cgroup.procs of dfd and of its descendants.
 * Returns how many signals were sent. */
static unsigned kill_procs(int dfd, int depth) {
        unsigned sent = 0;
        _cleanup_free_ char *buf = malloc(PROCS_MAX);
        if (!buf)
                return 0;
        if (cgroup_read_file(dfd, "cgroup.procs", buf, PROCS_MAX) >= 0)
                for (char *p = buf, *end; *p; p = end) {
                        errno = 0;
                        long pid = strtol(p, &end, 10);
                        if (end == p || errno != 0)
                                break;
                        if (pid > 1 && kill((pid_t)pid, SIGKILL) == 0)
                                sent++;
                        while (*end == '\n')
                                end++;
                }
        if (depth >= 8)
                return sent;
        _cleanup_closedir_ DIR *d = NULL;
        if (cgroup_opendir(dfd, &d) < 0)
                return sent;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                _cleanup_close_ int fd =
                        openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        sent += kill_procs(fd, depth + 1);
        }
        return sent;
}

/* cgroup.kill (5.14+) kills the subtree race-free against forks. Without
 * it, freeze the pod (cgroup.freeze, 5.2+) so nothing forks while we walk
 * cgroup.procs, SIGKILL every pid (fatal signals reach frozen tasks), and
 * thaw. The pids are those of the agent's pid namespace: the DaemonSet
 * needs hostPID for this fallback. */
static int do_kill(struct agent *a, int fd, char *result, size_t size) {
        int r = cgroup_write_file(fd, "cgroup.kill", "1");
        if (r != -ENOENT)
                return r;
        if (!a->warned_no_kill) {
                log_warn("cgroup.kill is missing (kernel < 5.14): falling back to SIGKILL of "
                         "every process in the pod's cgroup.procs");
                a->warned_no_kill = true;
        }
        bool frozen = cgroup_write_file(fd, "cgroup.freeze", "1") == 0;
        /* Frozen, nothing can fork: one pass. Without a freezer, two more
         * passes catch children forked while the first one ran. */
        unsigned sent = kill_procs(fd, 0);
        for (int pass = 0; !frozen && pass < 2; pass++)
                (void)kill_procs(fd, 0);
        if (frozen)
                (void)cgroup_write_file(fd, "cgroup.freeze", "0");
        a->cnt.kill_fallbacks++;
        (void)snprintf(result, size,
                       "fallback: no cgroup.kill (kernel < 5.14), sent SIGKILL to %u processes",
                       sent);
        return 1;
}

bool act_overridden(const struct agent *a, const char *cgroup) {
        for (size_t i = 0; i < a->n_overrides; i++)
                if (streq(a->overrides[i], cgroup))
                        return true;
        return false;
}

static void override_add(struct agent *a, const char *cgroup) {
        if (act_overridden(a, cgroup))
                return;
        char(*v)[512] = reallocarray(a->overrides, a->n_overrides + 1, sizeof(*v));
        if (!v)
                return;
        a->overrides = v;
        (void)snprintf(v[a->n_overrides++], sizeof(v[0]), "%s", cgroup);
}

static const char *file_of(enum mq_action_kind k) {
        switch (k) {
        case MQ_ACT_RECLAIM:
                return "memory.reclaim";
        case MQ_ACT_KILL:
                return "cgroup.kill";
        default:
                return "memory.high";
        }
}

/* Perform one action; writes a short result text. */
static void execute_one(struct agent *a, const struct mq_action *act, char *result, size_t size) {
        _cleanup_close_ int fd = -1;
        struct mq_error err = {{0}};
        int r = cgroup_open_beneath(a->cg_fd, act->cgroup, &fd, &err);
        if (r == -ENOENT) {
                (void)snprintf(result, size, "skipped: the pod cgroup is gone");
                return;
        }
        if (r < 0) {
                (void)snprintf(result, size, "error: %.150s", err.msg);
                a->cnt.action_errors++;
                return;
        }
        switch (act->kind) {
        case MQ_ACT_RECLAIM:
                /* cgroup-v2.rst: memory.reclaim returns -EAGAIN when it could
                 * not reclaim the full amount; what it got is still freed. */
                r = cgroup_write_u64(fd, "memory.reclaim", act->value);
                if (r == -EAGAIN) {
                        (void)snprintf(result, size, "partial: reclaimed less than asked");
                        return;
                }
                if (r == -ENOENT) {
                        if (!a->warned_no_reclaim)
                                log_warn("memory.reclaim is missing (kernel < 5.19): proactive "
                                         "reclaim is skipped; the ladder goes on to memory.high");
                        a->warned_no_reclaim = true;
                        (void)snprintf(result, size,
                                       "unsupported: no memory.reclaim (kernel < 5.19)");
                        return;
                }
                break;
        case MQ_ACT_KILL:
                r = do_kill(a, fd, result, size);
                if (r >= 0)
                        a->cnt.kills++;
                if (r > 0)
                        return;
                break;
        case MQ_ACT_SET_HIGH:
        case MQ_ACT_RELAX_HIGH:
        case MQ_ACT_UNSTICK:
                r = cgroup_write_u64(fd, "memory.high", act->value);
                break;
        default:
                r = -EINVAL; /* a kind this agent does not know: write nothing */
                break;
        }
        if (r < 0) {
                (void)snprintf(result, size, "error: %s", strerror(-r));
                a->cnt.action_errors++;
                return;
        }
        if (act->kind == MQ_ACT_UNSTICK)
                override_add(a, act->cgroup);
        (void)snprintf(result, size, "ok");
}

/* A note explains why nothing is done ("every pod is protected"). Under
 * lasting pressure the core repeats it on every decision; one line per
 * NOTE_EVERY_MS is enough for the log. */
#define NOTE_EVERY_MS 10000

/* The action's line, or for `once --act` its result text. */
static void report(struct agent *a, const struct log_timing *t, const struct mq_snapshot *snap,
                   const struct mq_action *act, const char *target, const char *value,
                   const char *result, char *ret_result) {
        const struct mq_pod *pod = mq_snapshot_find_pod(snap, act->pod_uid);
        const char *name = mq_action_name(act->kind);
        if (!ret_result) {
                log_action(a, t, snap, pod, name, target, value, act->reason, result);
                return;
        }
        log_action_remember(a, pod, name, target, value, act->reason, result);
        (void)snprintf(ret_result, AGENT_RESULT_MAX, "%s", result);
}

static void note(struct agent *a, const struct log_timing *t, const struct mq_snapshot *snap,
                 const struct mq_action *act, char *ret_result) {
        if (a->cnt.actions[MQ_ACT_NOTE] > 0 && snap->now_ms < a->last_note_ms + NOTE_EVERY_MS) {
                if (ret_result)
                        (void)snprintf(ret_result, AGENT_RESULT_MAX, "note");
                return;
        }
        a->last_note_ms = snap->now_ms;
        a->cnt.actions[MQ_ACT_NOTE]++;
        report(a, t, snap, act, act->cgroup, NULL, "note", ret_result);
}

void act_execute_all(struct agent *a, const struct log_timing *t, const struct mq_snapshot *snap,
                     const struct mq_actions *acts, char (*results)[AGENT_RESULT_MAX]) {
        for (size_t i = 0; i < acts->n; i++) {
                const struct mq_action *act = &acts->v[i];
                char result[AGENT_RESULT_MAX], target[600], value[24];
                if (act->kind == MQ_ACT_NOTE) {
                        note(a, t, snap, act, results ? results[i] : NULL);
                        continue;
                }
                (void)snprintf(target, sizeof(target), "%s/%s", act->cgroup, file_of(act->kind));
                if (act->kind == MQ_ACT_KILL)
                        (void)snprintf(value, sizeof(value), "1");
                else
                        cgroup_format_u64(act->value, value);
                if ((unsigned)act->kind < _MQ_ACT_MAX)
                        a->cnt.actions[act->kind]++;
                struct log_timing timed = t ? *t : (struct log_timing){0};
                timed.write_start_us = now_us();
                if (agent_dry_run(a))
                        (void)snprintf(result, sizeof(result), "dry-run");
                else
                        execute_one(a, act, result, sizeof(result));
                timed.write_end_us = now_us();
                stats_count_action(&a->stats, act, agent_result_of(result),
                                   timed.wake_us ? timed.write_end_us - timed.wake_us : 0);
                report(a, &timed, snap, act, target, value, result, results ? results[i] : NULL);
        }
}
