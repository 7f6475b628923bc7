/* SPDX-License-Identifier: MIT */
/* Kills: whether one may happen now, and recording it. No kill storms: at
 * most one per kill_cooldown_ms, and the next one only once the previous
 * victim has released its anonymous memory (or a bounded wait has passed). */
#include "decide-int.h"

static bool kill_gate(const struct mq_config *cfg, const struct mq_agent_state *st,
                      const struct mq_snapshot *snap, char *why, size_t size) {
        uint64_t now = snap->now_ms;
        if (!cfg->kill_enabled) {
                (void)snprintf(why, size, "kills are disabled (ladder.kill)");
                return false;
        }
        if (st->last_kill_ms == 0 && !st->last_kill_uid[0])
                return true;
        if (now < st->last_kill_ms + cfg->kill_cooldown_ms) {
                (void)snprintf(why, size, "last kill %.1f s ago, cooldown %.1f s",
                               (double)(now - st->last_kill_ms) / 1000.0,
                               (double)cfg->kill_cooldown_ms / 1000.0);
                return false;
        }
        /* No kill storms: the previous kill must have freed its memory first,
         * or the next snapshot would blame the next pod for memory that is
         * merely still being released. */
        const struct mq_pod *prev = mq_snapshot_find_pod(snap, st->last_kill_uid);
        uint64_t longest = cfg->kill_cooldown_ms > cfg->step_interval_ms ? cfg->kill_cooldown_ms
                                                                         : cfg->step_interval_ms;
        if (prev && prev->anon > st->last_kill_anon / 2 &&
            now < st->last_kill_ms + MQ_KILL_CONFIRM_FACTOR * longest) {
                char anon[24];
                decide_fmt_mib(prev->anon, anon);
                (void)snprintf(why, size, "pod %s killed %.1f s ago still holds %s anon", prev->uid,
                               (double)(now - st->last_kill_ms) / 1000.0, anon);
                return false;
        }
        return true;
}

bool decide_kill_allowed(const struct decide_ctx *c, char *why, size_t size) {
        return kill_gate(c->cfg, c->st, c->snap, why, size);
}

bool mq_kill_allowed(const struct mq_config *cfg, const struct mq_agent_state *st,
                     const struct mq_snapshot *snap) {
        char why[160];
        return kill_gate(cfg, st, snap, why, sizeof(why));
}

int decide_kill_pod(struct decide_ctx *c, size_t i, const char *cause) {
        /* A kill cannot be taken back: never on a ranking by old usage. */
        if (c->snap->usage_stale)
                return -ESTALE;
        const struct mq_pod *pod = &c->snap->pods[i];
        char label[160], cur[24], anon[24];
        decide_pod_label(pod, label, sizeof(label));
        decide_fmt_mib(pod->current, cur);
        decide_fmt_mib(pod->anon, anon);
        int r = decide_emit(c, MQ_ACT_KILL, pod, pod->cgroup, 1, "kill %s (usage %s, anon %s): %s.",
                            label, cur, anon, cause);
        if (r < 0)
                return r;
        c->ps[i].step = MQ_STEP_KILL;
        c->ps[i].step_at_ms = c->snap->now_ms;
        c->st->last_kill_ms = c->snap->now_ms;
        c->st->last_kill_anon = pod->anon;
        (void)snprintf(c->st->last_kill_uid, sizeof(c->st->last_kill_uid), "%s", pod->uid);
        return 0;
}
