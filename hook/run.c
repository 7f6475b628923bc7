/* SPDX-License-Identifier: MIT */
/* The hook's one pass: state -> spec -> cgroup -> plan -> write -> record. */
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "annot.h"
#include "apply.h"
#include "cgfs.h"
#include "cgroot.h"
#include "identity.h"
#include "kubepath.h"
#include "log.h"
#include "nodepolicy.h"
#include "plan.h"
#include "procfs.h"
#include "record.h"
#include "run.h"
#include "state.h"

static bool has_memqos_annotation(const struct oci_state *st) {
        for (size_t i = 0; i < st->n_annotations; i++)
                if (annotation_key_is_memqos(st->annotations[i].key))
                        return true;
        return false;
}

static int open_dir(const char *path, int *ret_fd) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        *ret_fd = fd;
        return 0;
}

/* Is the cgroup root a cgroup2 mount with the memory controller? On any
 * other host there is nothing to write: a warning, exit 0, never a failed
 * container (a hybrid host's /proc/<pid>/cgroup has a "0::" line for the
 * empty unified/ hierarchy, so the path alone does not tell). */
static int check_host(const struct hook_opts *o, const struct oci_state *st, int root_fd) {
        enum mq_cgroup_host host;
        int r = mq_cgroup_host_detect(root_fd, mq_assume_cgroup2(), &host);
        if (r < 0) {
                hook_log(LOG_ERR, st->id, "cannot inspect cgroup root %s: %s", o->cgroup_root,
                         strerror(-r));
                return r;
        }
        if (host == MQ_HOST_CGROUP2)
                return 1;
        hook_log(LOG_WARNING, st->id, "%s is %s; nothing applied", o->cgroup_root,
                 mq_cgroup_host_describe(host));
        return 0;
}

/* The container's cgroup: from /proc/<pid>/cgroup, never from the id. */
static int resolve_cgroup(const struct hook_opts *o, const struct oci_state *st, char **ret_path,
                          int *ret_fd) {
        _cleanup_close_ int proc_fd = -1, root_fd = -1;
        _cleanup_free_ char *proc_path = NULL, *path = NULL;
        struct mq_error err = {{0}};
        int r;

        if ((r = open_dir(o->cgroup_root, &root_fd)) < 0) {
                hook_log(LOG_ERR, st->id, "cannot open cgroup root %s: %s", o->cgroup_root,
                         strerror(-r));
                return r;
        }
        if ((r = check_host(o, st, root_fd)) <= 0)
                return r;
        if ((r = open_dir(o->proc_root, &proc_fd)) < 0) {
                hook_log(LOG_ERR, st->id, "cannot open proc root %s: %s", o->proc_root,
                         strerror(-r));
                return r;
        }
        r = proc_read_cgroup(proc_fd, (pid_t)st->pid, &proc_path, &err);
        if (r == -ENODATA) {
                hook_log(LOG_WARNING, st->id, "%s: not a cgroup v2 host, nothing applied", err.msg);
                return 0;
        }
        if (r < 0) {
                hook_log(LOG_ERR, st->id, "%s", err.msg);
                return r;
        }
        if ((r = container_cgroup_path(proc_path, &path)) < 0 ||
            (r = cgroup_path_validate(path, &err)) < 0) {
                hook_log(LOG_ERR, st->id, "%s", err.msg[0] ? err.msg : strerror(-r));
                return r;
        }
        if ((r = cgroup_open_beneath(root_fd, path, ret_fd, &err)) < 0) {
                hook_log(LOG_ERR, st->id, "%s", err.msg);
                return r;
        }
        *ret_path = TAKE_PTR(path);
        return 1;
}

/* The pod UID from the cgroup path the kubelet chose, which no pod can
 * set; the runtime's key only when the path does not say (the agent maps
 * records to pods by it, and with it each pod's priority). */
static const char *pod_uid_of(const struct pod_identity *id, const char *cgpath,
                              char uid[static MQ_POD_UID_MAX]) {
        if (kube_pod_from_path(cgpath, uid, NULL) == 0)
                return uid;
        return id->pod_uid;
}

static void fill_record(struct mq_record *rec, const struct oci_state *st, const char *cgpath,
                        const struct pod_identity *id, const struct mq_spec *spec,
                        const struct mq_plan *plan, const struct apply_result *res) {
        char uid[MQ_POD_UID_MAX];
        const char *pod_uid = pod_uid_of(id, cgpath, uid);

        *rec = (struct mq_record){
                .id = strdup(st->id),
                .pid = st->pid,
                .cgroup = strdup(cgpath),
                .pod_uid = strdup(pod_uid ? pod_uid : ""),
                .pod_name = strdup(id->pod_name ? id->pod_name : ""),
                .pod_namespace = strdup(id->ns ? id->ns : ""),
                .container = strdup(id->container ? id->container : ""),
                .qos = kube_qos_from_path(cgpath),
                .priority = plan->priority,
                .time = (int64_t)time(NULL),
        };
        for (unsigned k = 0; k < _MQ_KNOB_MAX; k++) {
                if (spec->key[k])
                        (void)record_add_annotation(rec, spec->key[k], spec->raw[k]);
                if (res->written[k])
                        (void)record_add_applied(rec, mq_knob_file(k), plan->text[k]);
        }
}

static void fill_record_policy(struct mq_record *rec, const struct mq_nodepolicy *pol,
                               const struct mq_spec *spec, const struct mq_verdict *v) {
        rec->policy_source = strdup(pol->source);
        for (size_t i = 0; i < v->n; i++) {
                const struct mq_clamp *c = &v->clamps[i];
                (void)record_add_clamp(rec, spec->key[c->knob], c->asked, c->applied, c->why);
        }
}

static int write_record(const struct hook_opts *o, const struct mq_record *rec) {
        struct mq_error err = {{0}};
        _cleanup_close_ int fd = -1;

        if (!rec->id || !rec->cgroup || !rec->pod_uid || !rec->pod_name || !rec->pod_namespace ||
            !rec->container)
                return -ENOMEM;
        /* Created on first use, as runtimes create their own state dirs. */
        if (mkdir(o->state_dir, 0755) < 0 && errno != EEXIST) {
                int e = errno;
                hook_log(LOG_WARNING, rec->id, "cannot create state dir %s: %s", o->state_dir,
                         strerror(e));
                return -e;
        }
        int r = open_dir(o->state_dir, &fd);
        if (r < 0) {
                hook_log(LOG_WARNING, rec->id, "cannot open state dir %s: %s", o->state_dir,
                         strerror(-r));
                return r;
        }
        r = record_write(fd, rec, &err);
        if (r < 0)
                hook_log(LOG_WARNING, rec->id, "%s", err.msg);
        return r;
}

/* An invalid annotation set: exit 1, or with --fail-open a warning. */
static int reject(const struct hook_opts *o, const char *id, const char *msg) {
        if (o->fail_open) {
                hook_log(LOG_WARNING, id, "%s (--fail-open: nothing applied)", msg);
                return 0;
        }
        hook_log(LOG_ERR, id, "%s", msg);
        return -EINVAL;
}

static void log_applied(const char *id, const char *cgpath, const struct mq_plan *plan,
                        const struct apply_result *res) {
        char line[512] = "";
        size_t used = 0;
        for (unsigned k = 0; k < _MQ_KNOB_MAX; k++) {
                if (res->missing[k])
                        hook_log(LOG_WARNING, id, "the kernel has no %s in %s; %s not applied",
                                 mq_knob_file(k), cgpath, mq_knob_name(k));
                if (!res->written[k] || used >= sizeof(line))
                        continue;
                int n = snprintf(line + used, sizeof(line) - used, " %s=%s", mq_knob_file(k),
                                 plan->text[k]);
                used += n > 0 ? (size_t)n : 0;
        }
        syslog(LOG_INFO, "%s: %s:%s", id, cgpath, line[0] ? line : " nothing written");
}

/* The node policy at o->policy_path: no file, or a bad one (with a
 * warning), is the built-in policy. -ENOMEM only. */
static int policy_load(const struct hook_opts *o, const char *id, struct mq_nodepolicy *ret) {
        struct mq_error err = {{0}};
        char source[MQ_NODEPOLICY_SOURCE_MAX];
        int r = mq_nodepolicy_load(o->policy_path, ret, &err);
        if (r >= 0)
                return 0;
        /* A bad file must not open the node up, nor stop every container:
         * the built-in policy is the most restrictive sane one. */
        if (r == -ENOENT)
                (void)snprintf(source, sizeof(source), "built-in, no %s", o->policy_path);
        else {
                hook_log(LOG_WARNING, id, "node policy: %s; using the built-in policy", err.msg);
                (void)snprintf(source, sizeof(source), "built-in, %s is invalid", o->policy_path);
        }
        return mq_nodepolicy_defaults(source, ret);
}

/* The node policy over the plan: refuse (exit 1), or clamp with a warning
 * per bounded request. --fail-open clamps: never the full request. */
static int enforce_policy(const struct hook_opts *o, const struct oci_state *st,
                          const struct pod_identity *id, const struct mq_nodepolicy *pol,
                          const struct mq_spec *spec, uint64_t memory_max, uint64_t page,
                          struct mq_plan *plan, struct mq_verdict *ret) {
        struct mq_error err = {{0}};
        if (id->ns_doubt)
                hook_log(LOG_WARNING, st->id,
                         "%s; the node policy's default rules apply to this container",
                         id->ns_doubt);
        int r = mq_nodepolicy_apply(pol, id->ns, o->fail_open, spec, memory_max, page, plan, ret,
                                    &err);
        if (r < 0) {
                hook_log(LOG_ERR, st->id, "%s", err.msg);
                return r;
        }
        for (size_t i = 0; i < ret->n; i++) {
                const struct mq_clamp *c = &ret->clamps[i];
                if (c->knob == MQ_KNOB_PRIORITY && c->applied[0])
                        hook_log(LOG_WARNING, st->id, "%s; priority %s applied instead", c->why,
                                 c->applied);
                else if (c->applied[0])
                        hook_log(LOG_WARNING, st->id, "%s; %s=%s applied instead", c->why,
                                 mq_knob_file(c->knob), c->applied);
                else
                        hook_log(LOG_WARNING, st->id, "%s; not applied", c->why);
        }
        return 0;
}

static int apply_to_cgroup(const struct hook_opts *o, const struct oci_state *st,
                           const struct pod_identity *id, const struct mq_spec *spec) {
        _cleanup_free_ char *cgpath = NULL;
        _cleanup_close_ int cg_fd = -1;
        struct mq_error err = {{0}};
        struct mq_nodepolicy pol = {0};
        struct mq_verdict verdict = {0};
        struct mq_plan plan;
        struct apply_result res;
        uint64_t memory_max;

        int r = resolve_cgroup(o, st, &cgpath, &cg_fd);
        if (r <= 0)
                return r;
        r = cgroup_read_u64(cg_fd, "memory.max", &memory_max);
        if (r == -ENOENT) {
                hook_log(LOG_WARNING, st->id,
                         "cgroup %s has no memory.max: the memory controller is not enabled "
                         "there (cgroup v1 or hybrid host?); nothing applied",
                         cgpath);
                return 0;
        }
        if (r < 0) {
                hook_log(LOG_ERR, st->id, "cannot read memory.max of %s: %s", cgpath, strerror(-r));
                return r;
        }
        long pagesz = sysconf(_SC_PAGESIZE);
        uint64_t page = pagesz > 0 ? (uint64_t)pagesz : 4096;
        if (plan_resolve(spec, memory_max, page, &plan, &err) < 0)
                return reject(o, st->id, err.msg);
        if ((r = policy_load(o, st->id, &pol)) < 0)
                return r;
        r = enforce_policy(o, st, id, &pol, spec, memory_max, page, &plan, &verdict);
        if (r < 0) {
                mq_nodepolicy_done(&pol);
                return r;
        }
        if ((r = apply_plan(cg_fd, &plan, &res, &err)) < 0) {
                hook_log(LOG_ERR, st->id, "%s in %s; nothing changed", err.msg, cgpath);
                mq_nodepolicy_done(&pol);
                return r;
        }
        log_applied(st->id, cgpath, &plan, &res);

        struct mq_record rec;
        fill_record(&rec, st, cgpath, id, spec, &plan, &res);
        fill_record_policy(&rec, &pol, spec, &verdict);
        mq_nodepolicy_done(&pol);
        /* The values are in force either way; a missing record only means
         * the agent knows this pod by its cgroup alone (default priority,
         * no drift repair), which is not worth failing the container. */
        (void)write_record(o, &rec);
        record_done(&rec);
        return 0;
}

static int run_state(const struct hook_opts *o, const struct oci_state *st) {
        struct mq_error err = {{0}};
        struct pod_identity id;
        struct mq_spec spec;

        if (!record_id_valid(st->id)) {
                hook_log(LOG_ERR, NULL,
                         "container id \"%.64s\" is not a valid id "
                         "(expected 1-%d of A-Z a-z 0-9 _ . + -)",
                         st->id, MQ_ID_MAX);
                return -EINVAL;
        }
        identity_from_state(st, &id);
        if (id.sandbox)
                return 0;
        if (st->over_limit.msg[0])
                return reject(o, st->id, st->over_limit.msg);
        if (!has_memqos_annotation(st))
                return 0;
        if (spec_build(st->annotations, st->n_annotations, id.container, &spec, &err) < 0)
                return reject(o, st->id, err.msg);
        if (spec_empty(&spec))
                return 0;
        if (!st->has_pid) {
                hook_log(LOG_ERR, st->id,
                         "the state has no \"pid\" (is the hook registered for "
                         "createRuntime or prestart?)");
                return -EINVAL;
        }
        if (st->pid <= 0 || st->pid > INT32_MAX) {
                hook_log(LOG_ERR, st->id, "the state's pid %lld is not a process id",
                         (long long)st->pid);
                return -EINVAL;
        }
        return apply_to_cgroup(o, st, &id, &spec);
}

int hook_run(const struct hook_opts *o, FILE *in) {
        struct mq_error err = {{0}};
        struct oci_state st;

        int r = oci_state_read(in, &st, &err);
        if (r < 0) {
                hook_log(LOG_ERR, NULL, "%s", err.msg[0] ? err.msg : strerror(-r));
                return r;
        }
        r = run_state(o, &st);
        oci_state_done(&st);
        return r;
}
