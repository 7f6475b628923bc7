/* SPDX-License-Identifier: MIT */
/* Between full scans: pods whose cgroups came or went (from inotify), and
 * the usage pass that keeps the ranking current. */
#include <fcntl.h>

#include "cgfs.h"
#include "decide-int.h"
#include "kubepath.h"
#include "refresh-int.h"
#include "scan.h"
#include "usage.h"

static struct mq_pod *find_cgroup(struct mq_snapshot *s, const char *cgroup) {
        for (size_t i = 0; i < s->n_pods; i++)
                if (streq(s->pods[i].cgroup, cgroup))
                        return &s->pods[i];
        return NULL;
}

/* Pods created since the last full scan join the snapshot, to be read in
 * full (they have no state yet: must_read()); pods removed leave it. s has
 * room for every change (copy_snap()). */
void refresh_apply_pod_changes(const struct agent *a, struct mq_snapshot *s, uint8_t *mark) {
        for (size_t i = 0; i < a->pod_changes.n; i++) {
                const struct agent_pod_change *c = &a->pod_changes.v[i];
                struct mq_pod *p = find_cgroup(s, c->cgroup);
                if (p) {
                        mark[p - s->pods] = c->born ? NEED_ALL : NEED_GONE;
                        continue;
                }
                const char *base = strrchr(c->cgroup, '/');
                char uid[MQ_POD_UID_MAX];
                if (!c->born || !base || kube_pod_uid_from_name(base + 1, uid) < 0)
                        continue;
                p = &s->pods[s->n_pods];
                scan_pod_init(p, uid, c->cgroup);
                scan_apply_records_pod(&a->recs, p);
                mark[s->n_pods++] = NEED_ALL;
        }
}

static bool same_group(const struct mq_pod *x, const struct mq_pod *y) {
        return x->priority == y->priority && x->qos == y->qos;
}

/* The ranking's one fast-moving input is usage: a pod that grew since it
 * was last read must rank where it stands now. Read memory.current of every
 * unprotected pod in rank order up to the end of the lowest priority and
 * QoS group that holds a candidate (pods of lower groups first: one may
 * have grown into a candidate); higher groups cannot come first. */
int refresh_read_usage(struct agent *a, struct mq_snapshot *s, const size_t *order, uint8_t *mark,
                       bool critical) {
        const struct mq_pod *group = NULL;
        for (size_t k = 0; k < s->n_pods; k++) {
                size_t i = order[k];
                struct mq_pod *p = &s->pods[i];
                if (group && !same_group(group, p))
                        break;
                if (mq_pod_protected(&a->cfg, p) || mark[i] == NEED_GONE || mark[i] == NEED_ALL)
                        continue;
                int r = usage_read(a, p, &p->current);
                if (refresh_gone(r))
                        mark[i] = NEED_GONE;
                else if (r < 0)
                        return -EAGAIN; /* the full scan says what is wrong */
                else if (!group && refresh_candidate(a, p, critical))
                        group = p;
        }
        return 0;
}

bool refresh_has_candidate(const struct agent *a, const struct mq_snapshot *s, bool critical) {
        for (size_t i = 0; i < s->n_pods; i++)
                if (refresh_candidate(a, &s->pods[i], critical))
                        return true;
        return false;
}

int scan_usage_pass(struct agent *a, struct mq_snapshot *s) {
        size_t *order = calloc(s->n_pods + 1, sizeof(*order));
        uint8_t *mark = calloc(s->n_pods + 1, sizeof(*mark));
        int r = -ENOMEM;
        if (order && mark) {
                mq_rank_pods(s, order);
                r = refresh_read_usage(a, s, order, mark,
                                       refresh_below(s, a->cfg.watermark_kill_pct));
        }
        free(order);
        free(mark);
        if (r < 0)
                return r;
        /* Gone pods leave with the next refresh or full scan; keep them
         * here, where the decision state of every pod was just committed. */
        s->usage_stale = false;
        return 0;
}
