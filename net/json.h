/*
 * json.h: JSON <-> core_value.
 *
 * Parsing is a strict RFC 8259 reader straight into the caller's arena, under the same
 * body rules as MessagePack (valid UTF-8, no NUL in strings, no repeated key, bounded
 * depth); writing is done here directly from core_value.
 */
#ifndef ECCPD_NET_JSON_H
#define ECCPD_NET_JSON_H

#include <stddef.h>

#include "core/value.h"
#include "net/buf.h"

/* Parses exactly one JSON value from buf[0..len). The result lives in the arena.
 * Returns 0, or CORE_EBADREQ with a static reason in *why. */
int net_json_parse(core_arena *a, const char *buf, size_t len, core_value *out, const char **why);
/* Appends the compact JSON text of v. Non-finite doubles are written as null. */
void net_json_write(net_buf *b, const core_value *v);
/* Appends s as a JSON string literal (quotes included), escaping as RFC 8259 requires. */
void net_json_write_str(net_buf *b, const char *s, size_t len);

#endif
