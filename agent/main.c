/* SPDX-License-Identifier: MIT */
/* memqos-agent: command line front end. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "act/act.h"
#include "core/log.h"
#include "ctlproto.h"
#include "face/ctl-client.h"
#include "face/report.h"
#include "loop/loop.h"
#include "open.h"
#include "sense/scan.h"

enum { EXIT_USAGE = 2 };

static void print_help(FILE *f) {
        (void)fputs("Usage:\n"
                    "  memqos-agent run   [OPTIONS]        the node daemon\n"
                    "  memqos-agent once  [OPTIONS] [--act] one scan and one decision, as JSON\n"
                    "  memqos-agent check-config FILE      validate a configuration file\n"
                    "  memqos-agent check-policy FILE      validate a node policy file\n"
                    "  memqos-agent status [--json] [--state-dir DIR]\n"
                    "  memqos-agent explain <pod-uid|container-id> [--json] [--state-dir DIR]\n"
                    "  memqos-agent metrics [--state-dir DIR]  counters, Prometheus text\n"
                    "\n"
                    "Options:\n"
                    "  --config FILE       JSON configuration (default: built-in defaults)\n"
                    "  --policy FILE       node policy (default " MQ_NODEPOLICY_PATH
                    ", env MEMQOS_POLICY)\n"
                    "  --cgroup-root DIR   cgroup v2 mount (default " AGENT_DEFAULT_CGROUP_ROOT
                    ", env MEMQOS_CGROUP_ROOT)\n"
                    "  --proc-root DIR     procfs (default " AGENT_DEFAULT_PROC_ROOT
                    ", env MEMQOS_PROC_ROOT)\n"
                    "  --state-dir DIR     records and agent.sock (default " AGENT_DEFAULT_STATE_DIR
                    ", env MEMQOS_STATE_DIR)\n"
                    "  --metrics-listen ADDR:PORT\n"
                    "                      run: also serve GET/HEAD /metrics over HTTP on TCP,\n"
                    "                      e.g. 0.0.0.0:9713 or [::]:9713 (default: off; config\n"
                    "                      key metrics_listen, env MEMQOS_METRICS_LISTEN)\n"
                    "  --dry-run           decide and log, execute nothing\n"
                    "  --act               once: execute the actions it prints (default: none)\n"
                    "  --no-seccomp        run: do not install the seccomp filter\n"
                    "  --json              status/explain: print JSON instead of a table\n"
                    "  -h, --help          this help\n"
                    "  -V, --version       print the version\n",
                    f);
}

enum {
        OPT_CONFIG = 0x100,
        OPT_CGROUP_ROOT,
        OPT_PROC_ROOT,
        OPT_STATE_DIR,
        OPT_DRY_RUN,
        OPT_ACT,
        OPT_JSON,
        OPT_NO_SECCOMP,
        OPT_POLICY,
        OPT_METRICS_LISTEN,
};

/* Parse options after the command word. Returns the index of the first
 * operand, or -1 after printing a usage error. */
static int parse_opts(int argc, char **argv, struct agent_opts *o) {
        static const struct option opts[] = {
                {"config", required_argument, NULL, OPT_CONFIG},
                {"cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT},
                {"proc-root", required_argument, NULL, OPT_PROC_ROOT},
                {"state-dir", required_argument, NULL, OPT_STATE_DIR},
                {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                {"act", no_argument, NULL, OPT_ACT},
                {"json", no_argument, NULL, OPT_JSON},
                {"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
                {"policy", required_argument, NULL, OPT_POLICY},
                {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
                {"help", no_argument, NULL, 'h'},
                {0, 0, 0, 0},
        };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case OPT_CONFIG:
                        o->config_path = optarg;
                        break;
                case OPT_CGROUP_ROOT:
                        o->cgroup_root = optarg;
                        break;
                case OPT_PROC_ROOT:
                        o->proc_root = optarg;
                        break;
                case OPT_STATE_DIR:
                        o->state_dir = optarg;
                        break;
                case OPT_DRY_RUN:
                        o->dry_run = true;
                        break;
                case OPT_ACT:
                        o->act = true;
                        break;
                case OPT_JSON:
                        o->json = true;
                        break;
                case OPT_NO_SECCOMP:
                        o->no_seccomp = true;
                        break;
                case OPT_POLICY:
                        o->policy_path = optarg;
                        break;
                case OPT_METRICS_LISTEN:
                        o->metrics_listen = optarg;
                        break;
                case 'h':
                        print_help(stdout);
                        exit(0);
                default:
                        log_plain("see --help");
                        return -1;
                }
        }
        return optind;
}

/* One scan and one decision of an opened agent, as a JSON document. */
static int once(struct agent *a) {
        struct mq_error err = {{0}};
        int r = scan_snapshot(a, MQ_TRIGGER_ONCE, &a->snap, &err);
        if (r < 0) {
                log_message("", err.msg);
                return 1;
        }
        struct mq_actions acts = {0};
        r = mq_decide(&a->cfg, &a->snap, &a->st, &acts);
        if (r < 0) {
                log_plain("decision failed: %s", strerror(-r));
                return 1;
        }
        char(*results)[AGENT_RESULT_MAX] = NULL;
        if (a->opts.act && acts.n) {
                results = calloc(acts.n, sizeof(*results));
                if (!results) {
                        mq_actions_done(&acts);
                        return 1;
                }
                act_execute_all(a, NULL, &a->snap, &acts, results);
        }
        struct json_object *o = report_once(a, &a->snap, &acts, a->opts.act ? results : NULL);
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        free(results);
        mq_actions_done(&acts);
        return 0;
}

static int cmd_once(const struct agent_opts *opts) {
        struct agent_opts o = *opts;
        if (!o.act)
                o.dry_run = true; /* `once` only shows, unless --act */
        struct agent a;
        int rc = agent_open(&a, &o, false) < 0 ? 1 : once(&a);
        agent_close(&a);
        return rc;
}

static int cmd_run(const struct agent_opts *opts) {
        struct agent a;
        if (agent_open(&a, opts, true) < 0) {
                agent_close(&a);
                return 1;
        }
        /* One JSON line per action: line-buffered even into a pipe. A log
         * reader that goes away must not take the agent with it: EPIPE on
         * the write, not SIGPIPE. */
        (void)setvbuf(stdout, NULL, _IOLBF, 0);
        (void)signal(SIGPIPE, SIG_IGN);
        int r = loop_run(&a);
        agent_close(&a);
        return r < 0 ? 1 : 0;
}

static int cmd_check_config(const char *path) {
        struct mq_config cfg;
        struct mq_error err = {{0}};
        if (agent_config_load(path, &cfg, &err) < 0) {
                log_message("", err.msg);
                return 1;
        }
        _cleanup_free_ char *text = NULL;
        printf("%s: ok\n", path);
        if (mq_config_to_json(&cfg, &text) == 0)
                printf("%s\n", text);
        return 0;
}

static int cmd_check_policy(const char *path) {
        struct mq_nodepolicy p;
        struct mq_error err = {{0}};
        if (mq_nodepolicy_load(path, &p, &err) < 0) {
                log_message("", err.msg);
                return 1;
        }
        printf("%s: ok (%zu namespaces listed, on_violation %s, propagation cap %u%% of "
               "MemTotal)\n",
               path, p.n_ns, p.on_violation == MQ_VIOLATION_CLAMP ? "clamp" : "refuse",
               p.max_share_pct);
        mq_nodepolicy_done(&p);
        return 0;
}

int main(int argc, char **argv) {
        struct agent_opts opts = {
                .cgroup_root = mq_env_or("MEMQOS_CGROUP_ROOT", AGENT_DEFAULT_CGROUP_ROOT),
                .proc_root = mq_env_or("MEMQOS_PROC_ROOT", AGENT_DEFAULT_PROC_ROOT),
                .state_dir = mq_env_or("MEMQOS_STATE_DIR", AGENT_DEFAULT_STATE_DIR),
                .policy_path = mq_env_or("MEMQOS_POLICY", MQ_NODEPOLICY_PATH),
                .metrics_listen = mq_env_or("MEMQOS_METRICS_LISTEN", NULL),
        };
        /* PSI averages and percentages carry two decimals in the kernel's text. */
        (void)json_c_set_serialization_double_format("%.2f", JSON_C_OPTION_GLOBAL);
        if (argc < 2) {
                print_help(stderr);
                return EXIT_USAGE;
        }
        const char *cmd = argv[1];
        if (streq(cmd, "--help") || streq(cmd, "-h")) {
                print_help(stdout);
                return 0;
        }
        if (streq(cmd, "--version") || streq(cmd, "-V")) {
                printf("memqos-agent %s\n", MEMQOS_VERSION);
                return 0;
        }
        int first = parse_opts(argc - 1, argv + 1, &opts);
        if (first < 0)
                return EXIT_USAGE;
        char **operands = argv + 1 + first;
        int n_operands = argc - 1 - first;
        bool check = streq(cmd, "check-config") || streq(cmd, "check-policy");
        int want = check || streq(cmd, "explain") ? 1 : 0;
        if (opts.act && !streq(cmd, "once")) {
                log_plain("--act is only for `once`");
                return EXIT_USAGE;
        }
        if (!streq(cmd, "run") && !streq(cmd, "once") && !check && !streq(cmd, "status") &&
            !streq(cmd, "explain") && !streq(cmd, "metrics")) {
                log_plain("unknown command \"%s\": expected run, once, check-config, "
                          "check-policy, status, explain or metrics (see --help)",
                          cmd);
                return EXIT_USAGE;
        }
        if (n_operands != want) {
                log_plain("%s takes %s (see --help)", cmd,
                          check                   ? "one FILE"
                          : streq(cmd, "explain") ? "one pod UID or container id"
                                                  : "no operands");
                return EXIT_USAGE;
        }
        int rc;
        if (streq(cmd, "check-config"))
                rc = cmd_check_config(operands[0]);
        else if (streq(cmd, "check-policy"))
                rc = cmd_check_policy(operands[0]);
        else if (streq(cmd, "status") || streq(cmd, "explain") || streq(cmd, "metrics"))
                rc = ctl_command(&opts, cmd, want ? operands[0] : NULL);
        else if (streq(cmd, "once"))
                rc = cmd_once(&opts);
        else
                rc = cmd_run(&opts);
        return rc;
}
