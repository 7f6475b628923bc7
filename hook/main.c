/* SPDX-License-Identifier: MIT */
/* memqos-hook: OCI createRuntime (or prestart) hook. See README, "The hook". */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <syslog.h>

#include "confine.h"
#include "escape.h"
#include "run.h"

static void usage(FILE *f) {
        fprintf(f, "Usage: memqos-hook [OPTIONS] < state.json\n"
                   "OCI createRuntime/prestart hook: applies memqos.io pod annotations\n"
                   "(memory.high, memory.low, memory.min, memory.swap.max, memory.oom.group)\n"
                   "to the container's cgroup v2 and records them for memqos-agent.\n\n"
                   "  --cgroup-root DIR  cgroup v2 mount (default /sys/fs/cgroup, env "
                   "MEMQOS_CGROUP_ROOT)\n"
                   "  --proc-root DIR    proc mount (default /proc, env MEMQOS_PROC_ROOT)\n"
                   "  --state-dir DIR    where records go (default /run/memqos, env "
                   "MEMQOS_STATE_DIR)\n"
                   "  --policy FILE      node policy: what each namespace may ask for (default\n"
                   "                     " MQ_NODEPOLICY_PATH ", env MEMQOS_POLICY)\n"
                   "  --check-policy FILE  validate a node policy file and exit\n"
                   "  --fail-open        report invalid annotations as warnings, apply nothing, "
                   "exit 0;\n"
                   "                     a request beyond the node policy is clamped, never "
                   "applied\n"
                   "  --help             show this help\n"
                   "  --version          show the version\n\n"
                   "Exit 0: applied, or nothing to do. Exit 1: one line on stderr naming the\n"
                   "container and the problem (also sent to syslog); nothing was changed.\n");
}

/* --check-policy: the same parse the hook runs, the first error, exit 1. */
static int check_policy(const char *path) {
        struct mq_nodepolicy p;
        struct mq_error err = {{0}};
        if (mq_nodepolicy_load(path, &p, &err) < 0) {
                char esc[MQ_ERROR_MAX * 4];
                fprintf(stderr, "memqos-hook: %s\n", mq_escape(err.msg, esc, sizeof(esc)));
                return EXIT_FAILURE;
        }
        printf("%s: ok\n", path);
        mq_nodepolicy_done(&p);
        return EXIT_SUCCESS;
}

static int parse_args(int argc, char **argv, struct hook_opts *o) {
        enum {
                OPT_CGROUP = 256,
                OPT_PROC,
                OPT_STATE,
                OPT_FAIL_OPEN,
                OPT_VERSION,
                OPT_POLICY,
                OPT_CHECK_POLICY
        };
        static const struct option longopts[] = {
                {"cgroup-root", required_argument, NULL, OPT_CGROUP},
                {"proc-root", required_argument, NULL, OPT_PROC},
                {"state-dir", required_argument, NULL, OPT_STATE},
                {"fail-open", no_argument, NULL, OPT_FAIL_OPEN},
                {"policy", required_argument, NULL, OPT_POLICY},
                {"check-policy", required_argument, NULL, OPT_CHECK_POLICY},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, OPT_VERSION},
                {NULL, 0, NULL, 0},
        };
        int c;

        o->cgroup_root = mq_env_or("MEMQOS_CGROUP_ROOT", "/sys/fs/cgroup");
        o->proc_root = mq_env_or("MEMQOS_PROC_ROOT", "/proc");
        o->state_dir = mq_env_or("MEMQOS_STATE_DIR", "/run/memqos");
        o->policy_path = mq_env_or("MEMQOS_POLICY", MQ_NODEPOLICY_PATH);
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (c) {
                case OPT_CGROUP:
                        o->cgroup_root = optarg;
                        break;
                case OPT_PROC:
                        o->proc_root = optarg;
                        break;
                case OPT_STATE:
                        o->state_dir = optarg;
                        break;
                case OPT_FAIL_OPEN:
                        o->fail_open = true;
                        break;
                case OPT_POLICY:
                        o->policy_path = optarg;
                        break;
                case OPT_CHECK_POLICY:
                        exit(check_policy(optarg));
                case 'h':
                        usage(stdout);
                        exit(EXIT_SUCCESS);
                case OPT_VERSION:
                        printf("memqos-hook %s\n", MEMQOS_VERSION);
                        exit(EXIT_SUCCESS);
                default:
                        fprintf(stderr, "memqos-hook: try --help\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                /* Runtimes pass only argv[0] unless configured otherwise;
                 * a stray argument is a registration mistake worth naming. */
                char esc[256];
                fprintf(stderr, "memqos-hook: unexpected argument \"%s\"; try --help\n",
                        mq_escape(argv[optind], esc, sizeof(esc)));
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct hook_opts opts = {0};

        if (parse_args(argc, argv, &opts) < 0)
                return EXIT_FAILURE;
        openlog("memqos-hook", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        /* LOG_NDELAY connects to syslog now, before the filter is loaded. */
        int s = hook_confine();
        if (s < 0)
                syslog(LOG_WARNING, "cannot load the seccomp filter: %s; running unconfined",
                       strerror(-s));
        int r = hook_run(&opts, stdin);
        closelog();
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
