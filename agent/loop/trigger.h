/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "loop-int.h"

/* PSI triggers (psi.rst): on /proc/pressure/memory and on each kubepods
 * root's memory.pressure, armed from the config's thresholds; a file that
 * cannot be armed falls back to the timer. */
void trigger_close(struct loop *l, struct psi_watch *w);
void trigger_arm_node(struct loop *l);
void trigger_arm_kubepods(struct loop *l);
/* Close and arm them all again (the thresholds may have changed). */
void trigger_rearm_all(struct loop *l);
