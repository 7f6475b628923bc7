/* SPDX-License-Identifier: MIT */
/* The agent's configuration: defaults for a Kubernetes node without swap,
 * overridden by a JSON file (see README, "Agent configuration"). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "types.h"

struct mq_config {
        /* PSI triggers: stall threshold within window, both in microseconds. */
        uint64_t psi_node_some_us, psi_node_window_us;
        uint64_t psi_kubepods_some_us, psi_kubepods_window_us;
        /* MemAvailable watermarks, as percent of MemTotal (0 disables). */
        double watermark_reclaim_pct; /* start the ladder below this */
        double watermark_kill_pct;    /* go straight to kill below this */
        /* Ladder. */
        uint64_t step_interval_ms;    /* confirmation time between steps */
        uint64_t reclaim_fraction_pct; /* reclaim this % of a pod's reclaimable file memory */
        uint64_t throttle_step_pct;    /* lower memory.high toward usage by this % per step */
        uint64_t relax_step_pct;       /* raise a throttle back by this % of the gap per step */
        uint64_t relief_ms;            /* pressure must be gone this long to end an episode */
        uint64_t kill_cooldown_ms;     /* no kill storms: at most one kill per cooldown */
        bool kill_enabled;
        enum mq_priority protected_priority; /* never act on pods at or above */
        bool protect_guaranteed;             /* never act on Guaranteed pods */
        /* Livelock guard. */
        uint64_t livelock_ms;          /* stuck this long at memory.high */
        double livelock_full_pct;      /* own PSI full avg10 at or above this */
        bool livelock_kill;            /* kill instead of raising memory.high */
        /* Reconcile. */
        uint64_t reconcile_ms;
        bool propagate_protection;
        bool dry_run;
};

void mq_config_defaults(struct mq_config *cfg);

/* Parse a JSON config text over the defaults already in *cfg. Unknown keys
 * and out-of-range values are errors naming the key and what was expected. */
int mq_config_parse_buf(const char *buf, struct mq_config *cfg, struct mq_error *err);
