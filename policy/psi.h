/* SPDX-License-Identifier: MIT */
/* PSI text as the kernel prints it in /proc/pressure/memory and in a
 * cgroup's memory.pressure (Documentation/accounting/psi.rst):
 *   some avg10=0.12 avg60=0.05 avg300=0.01 total=123456
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=7890
 * The averages are percentages of wall time; total is cumulative stall in
 * microseconds. */
#pragma once

#include "decide.h"

/* Parse both lines into *ret. The "some" line is required. The "full" line
 * is optional (the system-wide cpu file lacked it before 5.13; memory files
 * always carry it) and reads as zeros when absent. Every line needs avg10,
 * avg60, avg300 and total; unknown keys are skipped so that a later kernel
 * adding one does not break the agent. -EINVAL on anything malformed. */
int parse_psi_buf(const char *buf, struct mq_psi *ret);

/* The text a PSI trigger write needs: "some <stall_us> <window_us>". The
 * kernel overwrites the last byte written with a NUL (psi_write), so the
 * write must include the terminating NUL: write strlen(buf) + 1 bytes.
 * -EINVAL when the window is outside 500 ms..10 s or stall > window. */
int psi_trigger_format(uint64_t stall_us, uint64_t window_us, char *buf, size_t size);
