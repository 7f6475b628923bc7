/* SPDX-License-Identifier: MIT */
/* One refresh's scratch and the questions both halves of the fast path
 * (refresh.c, refresh-pods.c) ask about a pod. */
#pragma once

#include <stdbool.h>

#include "core/agent.h"
#include "headroom.h"

/* Lives on the stack for one refresh or one usage pass, never in struct
 * agent. The state index maps each pod of the snapshot, by its index, to its
 * decision state, found once instead of a search per question (a->st does
 * not change during a refresh); without it each question searches. */
struct refresh_ctx {
        struct agent *a;
        const struct mq_pod *base; /* the snapshot's pods when indexed */
        size_t n;
        const struct mq_pod_state **state_of;
};

/* Index the states of s's pods. -ENOMEM leaves rc unindexed. */
int refresh_ctx_index(struct refresh_ctx *rc, const struct mq_snapshot *s);
void refresh_ctx_done(struct refresh_ctx *rc);

/* The pod's decision state, NULL when it has none yet. */
const struct mq_pod_state *refresh_state_of(const struct refresh_ctx *rc, const struct mq_pod *p);
/* A pod whose figures the ladder needs (mq_pod_candidate()). */
bool refresh_candidate(const struct refresh_ctx *rc, const struct mq_pod *p);
/* The headroom level of s (policy/headroom.h). */
enum mq_headroom_level refresh_level(const struct mq_config *cfg, const struct mq_snapshot *s);
/* The cgroup went away (ENOENT, or ENODEV reading a removed cgroup's file). */
bool refresh_gone(int r);
