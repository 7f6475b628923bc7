/* SPDX-License-Identifier: MIT */
#include "refresh-ctx.h"

#include "decide.h"

static int cmp_uid(const void *key, const void *elem) {
        return strcmp(key, ((const struct mq_pod_state *)elem)->uid);
}

static const struct mq_pod_state *search(const struct mq_agent_state *st, const char *uid) {
        return bsearch(uid, st->pods, st->n_pods, sizeof(*st->pods), cmp_uid);
}

int refresh_ctx_index(struct refresh_ctx *rc, const struct mq_snapshot *s) {
        const struct mq_pod_state **of = calloc(s->n_pods + 1, sizeof(const struct mq_pod_state *));
        if (!of)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_pods; i++)
                of[i] = search(&rc->a->st, s->pods[i].uid);
        refresh_ctx_done(rc);
        rc->base = s->pods;
        rc->n = s->n_pods;
        rc->state_of = of;
        return 0;
}

void refresh_ctx_done(struct refresh_ctx *rc) {
        free(rc->state_of);
        rc->state_of = NULL;
        rc->base = NULL;
        rc->n = 0;
}

const struct mq_pod_state *refresh_state_of(const struct refresh_ctx *rc, const struct mq_pod *p) {
        if (rc->state_of && p >= rc->base && p < rc->base + rc->n)
                return rc->state_of[p - rc->base];
        return search(&rc->a->st, p->uid);
}

/* Whether the pod is worth a kill (mq_pod_killable()) is not asked here: a
 * pod's anon as of its last memory.stat read is no guide (a pod that
 * started growing after it was read shows none, and was never read again:
 * seen in the VM, where the growers were passed over and the kernel
 * OOM-killed). */
bool refresh_candidate(const struct refresh_ctx *rc, const struct mq_pod *p) {
        const struct mq_pod_state *ps = refresh_state_of(rc, p);
        return mq_pod_candidate(&rc->a->cfg, p, ps ? ps->step : MQ_STEP_NONE);
}

enum mq_headroom_level refresh_level(const struct mq_config *cfg, const struct mq_snapshot *s) {
        struct mq_headroom hr;
        mq_headroom_of_snapshot(cfg, s, &hr);
        return hr.level;
}

bool refresh_gone(int r) {
        return r == -ENOENT || r == -ENODEV; /* as scan.c: vanished() */
}
