/* SPDX-License-Identifier: MIT */
/* Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity), in
 * bytes:
 *   quantity ::= ["+"] number suffix
 *   number   ::= digits | digits "." digits | digits "." | "." digits
 *   suffix   ::= "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"  (decimal SI)
 *              | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"          (binary SI)
 *              | ("e" | "E") ["+" | "-"] digits                   (decimal exponent)
 * Fractions round up to the next whole byte, as Kubernetes rounds a memory
 * quantity up (Quantity.Value()). Negative values and values past 2^63-1
 * bytes are errors. */
#pragma once

#include <stdint.h>

#include "error.h"

#define MQ_QUANTITY_MAX INT64_MAX

/* Parse a quantity; on error, err names the value and the expected form. */
int quantity_parse(const char *s, uint64_t *ret_bytes, struct mq_error *err);
