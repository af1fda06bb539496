/*
 * sha256.h: SHA-256 (FIPS 180-4), for hashing session and reset tokens before they are
 * stored and for request fingerprints. Not for passwords: those use argon2id.
 */
#ifndef ECCPD_CORE_SHA256_H
#define ECCPD_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct core_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
} core_sha256;

void core_sha256_init(core_sha256 *c);
void core_sha256_update(core_sha256 *c, const void *data, size_t len);
void core_sha256_final(core_sha256 *c, unsigned char out[32]);
/* One-shot digest as 64 lowercase hex characters plus NUL. */
void core_sha256_hex(const void *data, size_t len, char out[65]);

#endif
