/* SPDX-License-Identifier: MIT */
/* One escaping rule for every message that quotes text from outside (an
 * annotation, a pod or namespace name, a cgroup path, a request line): the
 * text can neither start a forged log line nor drive a terminal, and what
 * was there stays readable and unambiguous. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* s escaped into buf, as systemd's cescape() and Go's %q do for these:
 *   newline "\n", CR "\r", tab "\t", backslash "\\",
 *   other C0 controls, DEL and C1 controls (U+0080..U+009F) "\xNN" (each byte),
 *   bytes that are not well-formed UTF-8 (RFC 3629: no overlong forms, no
 *   surrogates, nothing past U+10FFFF, no cut-off sequence) "\xNN" each;
 *   well-formed UTF-8 (ü, 日本) passes through unchanged.
 * Double quotes are left alone: messages are escaped whole, quotes and all,
 * and a quote cannot start a line. Truncated to fit size (at least 1),
 * never inside an escape or a character; returns buf. NULL gives "". */
char *mq_escape(const char *s, char *buf, size_t size);

/* s with each byte that is not well-formed UTF-8 replaced by U+FFFD, the
 * rest unchanged, as Go's encoding/json does: for JSON, whose text must be
 * UTF-8 (RFC 8259, section 8.1) and whose own escaping covers control
 * characters. Truncated to fit size (at least 1) between characters;
 * returns buf. NULL gives "". */
char *mq_utf8_replace(const char *s, char *buf, size_t size);

/* Is s (len bytes) well-formed UTF-8 by the rule above? */
bool mq_utf8_valid(const char *s, size_t len);
