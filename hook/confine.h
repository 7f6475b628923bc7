/* SPDX-License-Identifier: MIT */
#pragma once

/* Confine the process to the system calls the hook needs. */
int hook_confine(void);
