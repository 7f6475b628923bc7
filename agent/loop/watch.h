/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "loop-int.h"

/* Watch the kubepods and QoS directories (new pods appear there); before
 * the scan that lists their pods. */
void watch_dirs(struct loop *l);
/* After a full scan: every pod's memory.events. */
void watch_all_pods(struct loop *l);
/* Watch the memory.events of the pods created since the last cycle (now in
 * a->snap), forget those removed, and clear the changes list. */
void watch_born(struct loop *l);
/* Drain inotify; the trigger it amounts to (MQ_TRIGGER_TIMER: nothing). */
enum mq_trigger watch_on_inotify(struct loop *l);
