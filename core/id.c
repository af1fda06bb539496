/* id.c: see id.h. */
#include "core/id.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void core_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got <= 0) {
            fputs("eccpd: the kernel's random source failed\n", stderr);
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

void core_id_new(char out[CORE_ID_LEN + 1])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    unsigned char b[16];
    for (int i = 5; i >= 0; i--, ms >>= 8)
        b[i] = (unsigned char)ms;
    core_random(b + 6, 10);
    /* 128 bits -> 26 base32 digits (the first carries the top 3 bits). */
    unsigned __int128 v = 0;
    for (int i = 0; i < 16; i++)
        v = (v << 8) | b[i];
    for (int i = CORE_ID_LEN - 1; i >= 0; i--, v >>= 5)
        out[i] = crockford[(unsigned)(v & 31)];
    out[CORE_ID_LEN] = '\0';
}

bool core_id_valid(const char *s)
{
    if (strlen(s) != CORE_ID_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (strchr(crockford, *p) == NULL)
            return false;
    return true;
}

void core_random_token(char *out, size_t nbytes)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char buf[64];
    if (nbytes > sizeof(buf))
        nbytes = sizeof(buf);
    core_random(buf, nbytes);
    size_t o = 0;
    for (size_t i = 0; i < nbytes; i += 3) {
        uint32_t v = (uint32_t)buf[i] << 16;
        if (i + 1 < nbytes)
            v |= (uint32_t)buf[i + 1] << 8;
        if (i + 2 < nbytes)
            v |= buf[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        if (i + 1 < nbytes)
            out[o++] = b64[(v >> 6) & 63];
        if (i + 2 < nbytes)
            out[o++] = b64[v & 63];
    }
    out[o] = '\0';
}
