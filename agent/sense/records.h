/* SPDX-License-Identifier: MIT */
/* The hook's container records, <state-dir>/containers/<id>.json, loaded as
 * a set. Records tell the agent each pod's priority, name and namespace
 * without the API server, and the values to re-apply when they drift. */
#pragma once

#include "core/agent.h"

void records_done(struct agent_records *r);

/* Load every record beneath state_fd. A record that cannot be read or
 * parsed is skipped with a warning (one bad file must not blind the agent
 * to the others); a missing directory is an empty set. */
int records_load_all(int state_fd, struct agent_records *ret);

/* The pod UID a record belongs to: its pod.uid, else the pod component of
 * its cgroup path. -ENOENT if neither says. */
int records_pod_uid(const struct mq_record *rec, char ret_uid[static MQ_POD_UID_MAX]);

/* The first record whose container id or pod UID equals key, or NULL. */
const struct mq_record *records_find(const struct agent_records *r, const char *key);
