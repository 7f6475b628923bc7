/* SPDX-License-Identifier: MIT */
/* The agent's one open/close pair: everything struct agent holds is set up
 * here and released here. */
#include "open.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "cgroot.h"
#include "core/log.h"
#include "sense/curfd.h"
#include "sense/records.h"
#include "sense/scan.h"

static int open_dir(const char *path, const char *what, const char *expect) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                log_plain("cannot open %s \"%s\": %s (expected %s)", what, path, strerror(errno),
                          expect);
        return fd;
}

void agent_close(struct agent *a) {
        closep(&a->cg_fd);
        closep(&a->proc_fd);
        closep(&a->state_fd);
        closep(&a->psi_fd);
        closep(&a->meminfo_fd);
        closep(&a->vmstat_fd);
        stats_done(&a->stats);
        records_done(&a->recs);
        snapshot_done(&a->snap);
        mq_podwatch_done(&a->events_watch);
        free(a->pod_changes.v);
        curfd_close_all(a);
        mq_agent_state_done(&a->st);
        mq_nodepolicy_done(&a->policy);
        free(a->overrides);
}

/* memqos acts through cgroup v2 memory files only: on a v1 or hybrid host,
 * or with the memory controller bound to v1, the agent would watch nothing
 * and explain nothing, so it refuses to start rather than look healthy. */
static int check_host(const struct agent *a) {
        enum mq_cgroup_host host;
        int r = mq_cgroup_host_detect(a->cg_fd, mq_assume_cgroup2(), &host);
        if (r < 0 || host != MQ_HOST_CGROUP2) {
                log_plain("%s is %s: memqos needs the unified cgroup v2 hierarchy with the "
                          "memory controller (see README, \"Hosts\")",
                          a->opts.cgroup_root,
                          r < 0 ? "unreadable" : mq_cgroup_host_describe(host));
                return r < 0 ? r : -ENOTSUP;
        }
        return 0;
}

int agent_open(struct agent *a, const struct agent_opts *opts, bool create_state) {
        *a = (struct agent){
                .opts = *opts,
                .cg_fd = -1,
                .proc_fd = -1,
                .state_fd = -1,
                .psi_fd = -1,
                .meminfo_fd = -1,
                .vmstat_fd = -1,
        };
        struct mq_error err = {{0}};
        if (agent_config_load(a->opts.config_path, &a->cfg, &err) < 0) {
                log_message("", err.msg);
                return -EINVAL;
        }
        if (agent_listen_override(a, &err) < 0) {
                log_message("--metrics-listen: ", err.msg);
                return -EINVAL;
        }
        if (agent_policy_load(a) < 0)
                return -ENOMEM;
        a->cg_fd = open_dir(a->opts.cgroup_root, "cgroup root",
                            "a cgroup v2 mount such as /sys/fs/cgroup");
        a->proc_fd = open_dir(a->opts.proc_root, "proc root", "procfs such as /proc");
        if (a->cg_fd < 0 || a->proc_fd < 0)
                return -ENOENT;
        if (create_state && mkdir(a->opts.state_dir, 0755) < 0 && errno != EEXIST) {
                log_plain("cannot create state dir \"%s\": %s", a->opts.state_dir, strerror(errno));
                return -errno;
        }
        a->state_fd = open(a->opts.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (a->state_fd < 0 && (create_state || errno != ENOENT)) {
                log_plain("cannot open state dir \"%s\": %s", a->opts.state_dir, strerror(errno));
                return -ENOENT;
        }
        if (a->state_fd >= 0) {
                int r = records_load_all(a->state_fd, &a->recs);
                if (r < 0)
                        log_warn("cannot read the records under %s: %s", a->opts.state_dir,
                                 strerror(-r));
        }
        if (check_host(a) < 0)
                return -ENOTSUP;
        a->start_ms = now_ms();
        return 0;
}
