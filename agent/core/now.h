/* SPDX-License-Identifier: MIT */
/* The agent's one clock: CLOCK_MONOTONIC, which wall-clock steps (NTP,
 * a VM resumed) do not move; deadlines, rates and latencies use it. */
#pragma once

#include <stdint.h>

uint64_t now_ms(void);
uint64_t now_us(void);
