/*
 * content.c: the demo platform's profile content (issue 20), generated after the
 * partner searches (core_demo_generate calls core_demo_content_generate).
 *
 * News on about 300 * scale published profiles (one to three items each), and a logo on
 * every third of them: a small PNG (48 x 48, two colours from the profile's id) that this
 * file writes itself, with its zlib stream stored uncompressed and its CRCs computed here.
 * Every write goes through the API's own functions (core_news_create_txn,
 * core_image_put_txn) as the profile's first admin. The demo accounts' newsletter choices
 * are made with the accounts (demo/demo.c). Deterministic for a seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/demo.h"
#include "demo/random.h"
#include "core/error.h"
#include "core/id.h"
#include "core/image.h"
#include "core/news.h"
#include "core/record.h"

enum { PER_SCALE = 300, MAX_PROFILES = 8192, SIDE = 48 };

static uint32_t crc32(const unsigned char *p, size_t n, uint32_t c)
{
    c = ~c;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Appends a chunk (length, type, data, CRC of type and data) at out[*n]. */
static void chunk(unsigned char *out, size_t *n, const char *type, const unsigned char *data,
                  size_t len)
{
    be32(out + *n, (uint32_t)len);
    memcpy(out + *n + 4, type, 4);
    if (len > 0)
        memcpy(out + *n + 8, data, len);
    be32(out + *n + 8 + len, crc32(out + *n + 4, len + 4, 0));
    *n += 12 + len;
}

/* A SIDE x SIDE RGB PNG: a diagonal split of two colours. Returns its length (out holds
 * at least 16 KiB). */
static size_t make_png(unsigned char *out, const unsigned char a[3], const unsigned char b[3])
{
    enum { ROW = 1 + 3 * SIDE, RAW = ROW * SIDE };
    static unsigned char raw[RAW], z[RAW + 64];
    for (int y = 0; y < SIDE; y++) {
        raw[y * ROW] = 0; /* filter: none */
        for (int x = 0; x < SIDE; x++)
            memcpy(raw + y * ROW + 1 + 3 * x, x + y < SIDE ? a : b, 3);
    }
    /* zlib: header, one stored block, Adler-32 */
    size_t zn = 0;
    z[zn++] = 0x78, z[zn++] = 0x01;
    z[zn++] = 1; /* final, stored */
    z[zn++] = RAW & 0xFF, z[zn++] = RAW >> 8, z[zn++] = ~RAW & 0xFF, z[zn++] = (~RAW >> 8) & 0xFF;
    memcpy(z + zn, raw, RAW);
    zn += RAW;
    uint32_t s1 = 1, s2 = 0;
    for (size_t i = 0; i < RAW; i++)
        s1 = (s1 + raw[i]) % 65521, s2 = (s2 + s1) % 65521;
    be32(z + zn, s2 << 16 | s1);
    zn += 4;
    size_t n = 0;
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    n = 8;
    unsigned char ihdr[13];
    be32(ihdr, SIDE), be32(ihdr + 4, SIDE);
    ihdr[8] = 8, ihdr[9] = 2, ihdr[10] = ihdr[11] = ihdr[12] = 0;
    chunk(out, &n, "IHDR", ihdr, 13);
    chunk(out, &n, "IDAT", z, zn);
    chunk(out, &n, "IEND", NULL, 0);
    return n;
}

static const char *const topics[] = {"Hydrogen valley kick-off",   "New members joined the cluster",
                                     "Matchmaking days announced", "Call for pilot sites",
                                     "Our annual report is out",   "Training programme opens",
                                     "Study visit to partners",    "Webinar on access to finance"};
static const char *const bodies[] = {
    "We are glad to announce the start of a new initiative with our members and partners.",
    "Companies and research centres from the region met to plan joint projects for next year.",
    "Registrations are open; small and medium-sized enterprises are especially welcome.",
    "Read about what our members achieved together, and what comes next."};

int core_demo_content_generate(core_store *s, uint64_t seed, double scale, uint64_t *news_made,
                               uint64_t *logos_made)
{
    *news_made = *logos_made = 0;
    char(*ids)[2][CORE_ID_LEN + 1] = calloc(MAX_PROFILES, sizeof(*ids));
    if (ids == NULL)
        core_oom();
    size_t np = 0;
    core_arena a;
    core_arena_init(&a);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT("profile/"));
    core_slice k, v;
    while (np < MAX_PROFILES && core_iter_next(it, &k, &v)) {
        core_value rec;
        if (core_record_decode(&a, v, &rec) == 0) {
            const char *state = core_value_get_str(&rec, "state");
            const core_value *admins = core_value_get(&rec, "admins");
            if (state != NULL && strcmp(state, "published") == 0 && admins != NULL &&
                admins->type == CORE_ARR && admins->u.arr.len > 0) {
                snprintf(ids[np][0], CORE_ID_LEN + 1, "%s", core_value_get_str(&rec, "id"));
                snprintf(ids[np][1], CORE_ID_LEN + 1, "%s", admins->u.arr.items[0].u.s.ptr);
                np++;
            }
        }
        if (np % 256 == 0)
            core_arena_dispose(&a);
    }
    core_iter_free(it);
    core_arena_dispose(&a);
    uint64_t rng = seed ^ 0x6e657773636f6e74ull, want = (uint64_t)(PER_SCALE * scale + 0.5);
    if (want < 1)
        want = 1;
    if (want > np)
        want = np;
    static unsigned char png[16384];
    int rc = 0;
    for (uint64_t i = 0; i < want && rc == 0; i++) {
        size_t at = (size_t)(i * np / want); /* spread over the profiles */
        core_actor admin = {ids[at][1], false};
        int items = 1 + (int)(demo_splitmix64(&rng) % 3);
        for (int j = 0; j < items && rc == 0; j++) {
            core_arena_init(&a);
            core_value body = core_value_obj();
            const char *topic = topics[demo_splitmix64(&rng) % 8];
            core_value_set(&a, &body, "title", core_value_cstr(&a, topic));
            core_value_set(&a, &body, "body",
                           core_value_cstr(&a, bodies[demo_splitmix64(&rng) % 4]));
            core_news_op op;
            core_news_op_init(&op, &a, &admin);
            op.profile_id = ids[at][0];
            op.body = &body;
            rc = core_store_write_sync(s, core_news_create_txn, &op, NULL);
            core_arena_dispose(&a);
            if (rc == 0)
                ++*news_made;
        }
        if (rc == 0 && i % 3 == 0) {
            uint64_t c = demo_splitmix64(&rng);
            unsigned char c1[3] = {(unsigned char)c, (unsigned char)(c >> 8),
                                   (unsigned char)(c >> 16)};
            unsigned char c2[3] = {(unsigned char)(c >> 24), (unsigned char)(c >> 32), 0xF0};
            core_image_op op;
            memset(&op, 0, sizeof(op));
            core_arena_init(&a);
            op.actor = admin;
            op.profile_id = ids[at][0];
            op.slot = "logo";
            op.out = &a;
            size_t n = make_png(png, c1, c2);
            op.bytes = (core_slice){(const char *)png, n};
            if (core_image_probe(op.bytes.ptr, n, &op.type, &op.width, &op.height) != 0)
                rc = CORE_EINTERNAL;
            else
                rc = core_store_write_sync(s, core_image_put_txn, &op, NULL);
            core_arena_dispose(&a);
            if (rc == 0)
                ++*logos_made;
        }
    }
    free(ids);
    return rc;
}
