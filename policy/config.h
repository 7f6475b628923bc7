/* SPDX-License-Identifier: MIT */
/* The agent's configuration: defaults for a Kubernetes node without swap,
 * overridden by a JSON file (see README, "Agent configuration").
 *
 * The file is one JSON object; every key is optional, a missing key keeps its
 * default, an unknown key is an error. All keys with their defaults:
 *
 *   {
 *     "psi": {
 *       "node":     { "some_ms": 100, "window_ms": 1000 },
 *       "kubepods": { "some_ms": 150, "window_ms": 1000 }
 *     },
 *     "watermarks": { "reclaim_pct": 10, "kill_pct": 4 },
 *     "ladder": {
 *       "step_interval_ms": 1000,
 *       "reclaim_pct": 25,
 *       "throttle_pct": 75,
 *       "relax_pct": 25,
 *       "relief_ms": 10000,
 *       "kill": true,
 *       "kill_cooldown_ms": 5000
 *     },
 *     "protect": { "priority": "critical", "guaranteed": true },
 *     "livelock": { "stuck_ms": 10000, "full_pct": 40, "kill": false },
 *     "reconcile_ms": 30000,
 *     "propagate_protection": true,
 *     "dry_run": false,
 *     "metrics_listen": ""
 *   }
 *
 *   psi.*.some_ms, window_ms  PSI trigger: stall (integer ms, >= 1) within a
 *                             window (500-10000 ms, psi.rst); some_ms < window_ms.
 *   watermarks.reclaim_pct    the headroom (MemAvailable net of the page cache
 *                             protection keeps: policy/headroom.h) below this %
 *                             of MemTotal is pressure (0-100, 0 disables); a
 *                             number, fractions allowed.
 *   watermarks.kill_pct       below this %, or on course to get there within
 *                             MQ_KILL_LEAD_MS, kill at once (0-100, 0 disables;
 *                             not above reclaim_pct unless that is 0).
 *   ladder.step_interval_ms   confirmation time between steps (100-60000).
 *   ladder.reclaim_pct        % of a pod's reclaimable page cache written to
 *                             memory.reclaim (0-100, 0 skips the step).
 *   ladder.throttle_pct       how far memory.high moves from its limit toward
 *                             current usage (0-100, 0 skips the step).
 *   ladder.relax_pct          % of the throttle gap given back per step (1-100).
 *   ladder.relief_ms          pressure gone this long ends an episode (0-600000).
 *   ladder.kill               allow cgroup.kill of whole pods (true/false).
 *   ladder.kill_cooldown_ms   at most one kill per this time (0-600000).
 *   protect.priority          never act on pods at or above this tier: batch,
 *                             low, normal, high, critical, or "none".
 *   protect.guaranteed        never act on Guaranteed pods (true/false).
 *   livelock.stuck_ms         stuck this long at memory.high (0 disables,
 *                             else 1000-600000).
 *   livelock.full_pct         own PSI full avg10 at or above this (1-100).
 *   livelock.kill             kill instead of raising memory.high (true/false).
 *   reconcile_ms              re-apply drifted record values every (1000-86400000).
 *   propagate_protection      keep ancestors' memory.min/low >= children's sum.
 *   dry_run                   decide and log, write nothing.
 *   metrics_listen            "ADDR:PORT" serving GET/HEAD /metrics over TCP
 *                             ("0.0.0.0:9713", "[::]:9713", ":9713"); "" off. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "types.h"

struct mq_config {
        /* PSI triggers: stall threshold within window, both in microseconds. */
        uint64_t psi_node_some_us, psi_node_window_us;
        uint64_t psi_kubepods_some_us, psi_kubepods_window_us;
        /* Headroom watermarks, as percent of MemTotal (0 disables). */
        double watermark_reclaim_pct; /* start the ladder below this */
        double watermark_kill_pct;    /* go straight to kill below this */
        /* Ladder. */
        uint64_t step_interval_ms;     /* confirmation time between steps */
        uint64_t reclaim_fraction_pct; /* reclaim this % of a pod's reclaimable file memory */
        uint64_t throttle_step_pct;    /* move memory.high this % of the way from its
                                        * limit toward current usage */
        uint64_t relax_step_pct;       /* raise a throttle back by this % of the gap per step */
        uint64_t relief_ms;            /* pressure must be gone this long to end an episode */
        uint64_t kill_cooldown_ms;     /* no kill storms: at most one kill per cooldown */
        bool kill_enabled;
        enum mq_priority protected_priority; /* never act on pods at or above;
                                              * _MQ_PRIO_MAX: no tier protected */
        bool protect_guaranteed;             /* never act on Guaranteed pods */
        /* Livelock guard. */
        uint64_t livelock_ms;     /* stuck this long at memory.high; 0 disables */
        double livelock_full_pct; /* own PSI full avg10 at or above this */
        bool livelock_kill;       /* kill instead of raising memory.high */
        /* Reconcile. */
        uint64_t reconcile_ms;
        bool propagate_protection;
        bool dry_run;
        /* "ADDR:PORT" of the TCP metrics listener (policy/ctlproto.h), "" off. */
        char metrics_listen[72];
};

void mq_config_defaults(struct mq_config *cfg);

/* Parse a JSON config text over the defaults already in *cfg. Unknown keys
 * and out-of-range values are errors naming the key and what was expected. */
int mq_config_parse_buf(const char *buf, struct mq_config *cfg, struct mq_error *err);

/* Check the relations between values (ranges, some < window, kill <= reclaim
 * watermark). mq_config_parse_buf() already does; for configs built in code. */
int mq_config_validate(const struct mq_config *cfg, struct mq_error *err);

/* One JSON object from a whole text (the agent configuration and the node
 * policy share it, so their errors read alike): "not valid JSON at byte N:
 * ...", text after the value, or a top level that is not an object. *ret
 * is the caller's to put. */
struct json_object;
int mq_json_parse(const char *buf, struct json_object **ret, struct mq_error *err);

/* The effective configuration as JSON text in the file's own layout (so it
 * parses back to the same config). *ret is malloc'd; -ENOMEM on failure. */
int mq_config_to_json(const struct mq_config *cfg, char **ret);
