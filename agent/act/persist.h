/* SPDX-License-Identifier: MIT */
/* <state-dir>/agent-state.json: the decision core's memory (episode, kill
 * time, which pods it throttled and from what) kept across agent restarts.
 * Without it an agent restarted after SIGKILL would forget a throttle it set
 * (and never relax it) and could kill again inside the cooldown. The times
 * are CLOCK_MONOTONIC, valid within one boot only: the file records the
 * kernel's boot_id and is ignored after a reboot. Dry-run never writes it. */
#pragma once

#include "core/agent.h"

#define AGENT_STATE_FILE "agent-state.json"

/* Read <proc-root>/sys/kernel/random/boot_id into a->boot_id ("" if absent). */
void persist_boot_id(struct agent *a);

/* Replace the file atomically (temp file, fsync, rename). */
int persist_save(const struct agent *a);

/* Restore a->st from the file if it exists and is from this boot. Returns 1
 * when restored, 0 when there was nothing (or nothing valid) to restore. */
int persist_load(struct agent *a);
