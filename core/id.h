/*
 * id.h: record identifiers. 26 characters of Crockford base32: 48 bits of milliseconds
 * since the epoch, then 80 random bits from the kernel, so IDs sort by creation time and
 * cannot be guessed. Clients treat them as opaque strings.
 */
#ifndef ECCPD_CORE_ID_H
#define ECCPD_CORE_ID_H

#include <stdbool.h>
#include <stddef.h>

enum { CORE_ID_LEN = 26 };

/* Writes a new id and a NUL into out. */
void core_id_new(char out[CORE_ID_LEN + 1]);
/* True when s looks like an id this server could have made (for early 404s). */
bool core_id_valid(const char *s);
/* Fills buf with n random bytes from the kernel; aborts if the kernel cannot supply them. */
void core_random(void *buf, size_t n);
/* n random bytes as unpadded base64url text (out needs 4*ceil(n/3)+1 bytes). */
void core_random_token(char *out, size_t nbytes);

#endif
