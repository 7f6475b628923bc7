/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "core/agent.h"

/* The per-pod and per-container families (metrics-pods.c). */
void metrics_pods(FILE *f, const struct agent *a);
