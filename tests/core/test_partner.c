/*
 * Unit tests of issue 16's core pieces: the partner search state machine row by row,
 * attachment type sniffing and Content-Disposition, the transaction iterator that sees
 * the write's own group (followers added in the same group are notified), and attachments
 * stored in and read back from their blob-file column family across a reopen.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "core/attachment.h"
#include "core/error.h"
#include "core/partner.h"
#include "core/store.h"

static char dir[256];

static void state_machine_rows(void)
{
    const struct {
        const char *state;
        core_partner_action action;
        const char *next;
    } rows[] = {
        {"open", CORE_PARTNER_EDIT, "open"},       {"closed", CORE_PARTNER_EDIT, NULL},
        {"open", CORE_PARTNER_CLOSE, "closed"},    {"closed", CORE_PARTNER_CLOSE, NULL},
        {"open", CORE_PARTNER_DEADLINE, "closed"}, {"closed", CORE_PARTNER_DEADLINE, NULL},
        {"open", CORE_PARTNER_FOLLOW, "open"},     {"closed", CORE_PARTNER_FOLLOW, NULL},
        {"open", CORE_PARTNER_UNFOLLOW, "open"},   {"closed", CORE_PARTNER_UNFOLLOW, "closed"},
        {"open", CORE_PARTNER_INTEREST, "open"},   {"closed", CORE_PARTNER_INTEREST, NULL},
        {"open", CORE_PARTNER_COMMENT, "open"},    {"closed", CORE_PARTNER_COMMENT, NULL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *got = core_partner_transition(rows[i].state, rows[i].action);
        if (rows[i].next == NULL)
            CHECK(got == NULL);
        else
            CHECK_STR_EQ(got, rows[i].next);
    }
    CHECK(core_partner_transition("open", CORE_PARTNER__ACTIONS) == NULL);
    CHECK(core_partner_transition(NULL, CORE_PARTNER_EDIT) == NULL);
}

static void effective_state_by_deadline(void)
{
    core_arena a;
    core_arena_init(&a);
    core_value rec = core_value_obj();
    core_value_set(&a, &rec, "state", core_value_cstr(&a, "open"));
    core_value_set(&a, &rec, "deadline", core_value_cstr(&a, "2027-05-31"));
    int64_t day_start = 1811721600; /* 2027-05-31T00:00:00Z */
    CHECK_STR_EQ(core_partner_effective_state(&rec, day_start + 86399), "open");
    CHECK_STR_EQ(core_partner_effective_state(&rec, day_start + 86400), "closed");
    core_arena_dispose(&a);
}

static void sniffing(void)
{
    const char *ext;
    CHECK_STR_EQ(core_attachment_sniff("%PDF-1.7\n", 9, &ext), "application/pdf");
    CHECK_STR_EQ(ext, "pdf");
    CHECK_STR_EQ(core_attachment_sniff("\x89PNG\r\n\x1a\n", 8, &ext), "image/png");
    CHECK_STR_EQ(core_attachment_sniff("\xFF\xD8\xFF\xDB", 4, &ext), "image/jpeg");
    CHECK(core_attachment_sniff("MZ\x90\0", 4, &ext) == NULL);
    CHECK(ext == NULL);
    CHECK(core_attachment_sniff("%PD", 3, NULL) == NULL); /* too short */
    CHECK(core_attachment_sniff("", 0, NULL) == NULL);
    /* a zip whose header claims a name longer than the bytes: refused, not read past */
    char bad[32] = "PK\x03\x04";
    memset(bad + 4, 0, sizeof(bad) - 4);
    bad[26] = (char)0xff;
    bad[27] = (char)0xff;
    CHECK(core_attachment_sniff(bad, sizeof(bad), NULL) == NULL);
}

static void disposition_cannot_inject(void)
{
    core_arena a;
    core_arena_init(&a);
    const char *d = core_attachment_disposition(&a, "a\"b\r\nSet-Cookie: x=1;\\c.pdf");
    CHECK(strchr(d, '\r') == NULL && strchr(d, '\n') == NULL);
    const char *q1 = strchr(d, '"'), *q2 = strchr(q1 + 1, '"');
    CHECK(q2 != NULL && strchr(q2 + 1, '"') == NULL);
    CHECK(strstr(d, "filename*=UTF-8''a%22b%0D%0ASet-Cookie%3A%20x%3D1%3B%5Cc.pdf") != NULL);
    CHECK_STR_EQ(core_attachment_disposition(&a, NULL),
                 "attachment; filename=\"attachment\"; filename*=UTF-8''attachment");
    core_arena_dispose(&a);
}

typedef struct put_keys {
    const char *const *keys;
} put_keys;

static int put_keys_fn(core_txn *t, void *arg)
{
    put_keys *p = arg;
    for (size_t i = 0; p->keys[i] != NULL; i++)
        core_txn_put(t, CORE_CF_KEYS, (core_slice){p->keys[i], strlen(p->keys[i])},
                     (core_slice){"", 0});
    return 0;
}

typedef struct seen {
    size_t n;
    char last[64];
} seen;

static int iterate_fn(core_txn *t, void *arg)
{
    seen *s = arg;
    /* this write's own put and delete are seen, with the committed keys, in order */
    core_txn_put(t, CORE_CF_KEYS, CORE_SLICE_LIT("it/b"), (core_slice){"", 0});
    core_txn_delete(t, CORE_CF_KEYS, CORE_SLICE_LIT("it/c"));
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, CORE_SLICE_LIT("it/"));
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        s->n++;
        snprintf(s->last, sizeof(s->last), "%.*s", (int)k.len, k.ptr);
    }
    core_iter_free(it);
    return 0;
}

static void txn_iterator_sees_its_group(void)
{
    core_store *s;
    char *err = NULL;
    CHECK_EQ(core_store_open(dir, &s, &err), 0);
    const char *keys[] = {"it/a", "it/c", "it/d", "iu/x", NULL};
    CHECK_EQ(core_store_write_sync(s, put_keys_fn, &(put_keys){keys}, NULL), 0);
    seen got = {0};
    CHECK_EQ(core_store_write_sync(s, iterate_fn, &got, NULL), 0);
    CHECK_EQ(got.n, 3); /* a, b (new), d; c deleted; iu/ outside the prefix */
    CHECK_STR_EQ(got.last, "it/d");
    core_store_close(s);
}

static void attachments_in_blob_files(void)
{
    core_store *s;
    char *err = NULL;
    CHECK_EQ(core_store_open(dir, &s, &err), 0);
    size_t len = 3u << 20; /* well above min_blob_size */
    char *bytes = malloc(len);
    CHECK(bytes != NULL);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (char)(i * 131 + 7);
    memcpy(bytes, "%PDF-1.5\n", 9);
    core_arena a;
    core_arena_init(&a);
    core_attachment_new n = {.user_id = NULL,
                             .filename = "../x/Bericht \"final\".pdf",
                             .bytes = {bytes, len},
                             .out = &a};
    n.type = core_attachment_sniff(bytes, len, &n.ext);
    CHECK_EQ(core_store_write_sync(s, core_attachment_create_txn, &n, NULL), 0);
    char id[64];
    snprintf(id, sizeof(id), "%s", core_value_get_str(&n.meta, "id"));
    CHECK_STR_EQ(core_value_get_str(&n.meta, "filename"), "Bericht final.pdf");
    core_store_close(s);
    CHECK_EQ(core_store_open(dir, &s, &err), 0);
    core_value meta;
    core_slice got;
    CHECK_EQ(core_attachment_read(s, id, &a, &meta, &got), 0);
    CHECK_EQ(got.len, len);
    CHECK(memcmp(got.ptr, bytes, len) == 0);
    CHECK_STR_EQ(core_value_get_str(&meta, "content_type"), "application/pdf");
    CHECK_EQ(core_attachment_read(s, "01HZZZZZZZZZZZZZZZZZZZZZZZ", &a, &meta, &got),
             CORE_ENOTFOUND);
    /* swept only once unreferenced for a day: not now */
    size_t removed = 0;
    CHECK_EQ(core_store_write_sync(s, core_attachment_sweep_txn, &removed, NULL), 0);
    CHECK_EQ(removed, 0);
    CHECK_EQ(core_attachment_read(s, id, &a, &meta, &got), 0);
    core_store_close(s);
    core_arena_dispose(&a);
    free(bytes);
}

typedef struct legacy {
    const char *id;
    core_slice bytes;
} legacy;

static int put_legacy_fn(core_txn *t, void *arg)
{
    legacy *l = arg;
    core_txn_put(t, CORE_CF_ATTACHMENTS, (core_slice){l->id, strlen(l->id)}, l->bytes);
    return 0;
}

/* Downloads stream: the bytes are stored in pieces and read a piece at a time, across the
 * pieces' borders; an attachment stored whole (before pieces) reads the same way. */
static void attachments_read_in_pieces(void)
{
    core_store *s;
    char *err = NULL;
    CHECK_EQ(core_store_open(dir, &s, &err), 0);
    size_t len = 2 * CORE_ATTACHMENT_CHUNK + 1000;
    char *bytes = malloc(len), *buf = malloc(len);
    CHECK(bytes != NULL && buf != NULL);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (char)(i * 31 + 3);
    memcpy(bytes, "\x89PNG\r\n\x1a\n", 8);
    core_arena a;
    core_arena_init(&a);
    core_attachment_new n = {.bytes = {bytes, len}, .out = &a};
    n.type = core_attachment_sniff(bytes, len, &n.ext);
    CHECK_EQ(core_store_write_sync(s, core_attachment_create_txn, &n, NULL), 0);
    const char *id = core_value_get_str(&n.meta, "id");
    /* three pieces, no whole value */
    core_slice v;
    char key[64];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "%s/%04d", id, i);
        CHECK_EQ(core_store_get(s, CORE_CF_ATTACHMENTS, (core_slice){key, strlen(key)}, &a, &v),
                 i < 3 ? 0 : CORE_ENOTFOUND);
        if (i < 3)
            CHECK_EQ(v.len, i < 2 ? (size_t)CORE_ATTACHMENT_CHUNK : 1000);
    }
    CHECK_EQ(core_store_get(s, CORE_CF_ATTACHMENTS, (core_slice){id, strlen(id)}, &a, &v),
             CORE_ENOTFOUND);
    /* a read never crosses a piece: short reads at the borders, 0 at the end */
    CHECK_EQ(core_attachment_pread(s, id, CORE_ATTACHMENT_CHUNK - 10, buf, 100), 10);
    CHECK(memcmp(buf, bytes + CORE_ATTACHMENT_CHUNK - 10, 10) == 0);
    CHECK_EQ(core_attachment_pread(s, id, 2 * CORE_ATTACHMENT_CHUNK + 1, buf, 5000), 999);
    CHECK(memcmp(buf, bytes + 2 * CORE_ATTACHMENT_CHUNK + 1, 999) == 0);
    CHECK_EQ(core_attachment_pread(s, id, len, buf, 10), 0);
    size_t off = 0;
    long got;
    while ((got = core_attachment_pread(s, id, off, buf + off, len - off)) > 0)
        off += (size_t)got;
    CHECK_EQ(got, 0);
    CHECK_EQ(off, len);
    CHECK(memcmp(buf, bytes, len) == 0);
    /* the older form: one value under the id */
    legacy l = {"01J00000000000000000000000", {bytes, len}};
    CHECK_EQ(core_store_write_sync(s, put_legacy_fn, &l, NULL), 0);
    CHECK_EQ(core_attachment_pread(s, l.id, 0, buf, 64), 64);
    CHECK(memcmp(buf, bytes, 64) == 0);
    CHECK_EQ(core_attachment_pread(s, l.id, CORE_ATTACHMENT_CHUNK + 5, buf, 100), 100);
    CHECK(memcmp(buf, bytes + CORE_ATTACHMENT_CHUNK + 5, 100) == 0);
    CHECK_EQ(core_attachment_pread(s, l.id, len, buf, 10), 0);
    CHECK_EQ(core_attachment_pread(s, "01HZZZZZZZZZZZZZZZZZZZZZZZ", 0, buf, 10), CORE_ENOTFOUND);
    core_store_close(s);
    core_arena_dispose(&a);
    free(bytes);
    free(buf);
}

int main(void)
{
    test_tmpdir(dir, sizeof(dir), "test-partner");
    RUN(state_machine_rows);
    RUN(effective_state_by_deadline);
    RUN(sniffing);
    RUN(disposition_cannot_inject);
    RUN(txn_iterator_sees_its_group);
    RUN(attachments_in_blob_files);
    RUN(attachments_read_in_pieces);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
    return 0;
}
