/*
 * fuzz_import: what `eccpd import` does to a line before the store: the JSON reader, then
 * the record decoders and checks (core_transfer_check) for every kind (user, profile,
 * xchange_registration, notification, the newer record kinds, key and bytes lines).
 * Properties: a refused line says why and names no record to store; an accepted record
 * line has a known kind, an id, and a record that encodes to MessagePack and reads back
 * equal (what the store will hold); an accepted key or bytes line has its key and no
 * record, and a bytes line's decoded bytes have the SHA-256 the line states.
 */
#include <string.h>

#include "fuzz.h"
#include "core/error.h"
#include "core/sha256.h"
#include "core/transfer.h"
#include "net/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    core_arena a;
    core_arena_init(&a);
    core_value line;
    const char *why = NULL;
    if (net_json_parse(&a, (const char *)data, size, &line, &why) != 0) {
        core_arena_dispose(&a);
        return 0;
    }
    core_transfer_line l;
    core_transfer_line_init(&l, &a, &line);
    int rc = core_transfer_check(&l);
    if (rc != 0) {
        FUZZ_CHECK(rc == CORE_EINVALID);
        FUZZ_CHECK(l.reason != NULL && *l.reason != '\0');
    } else if (l.kind == CORE_TRANSFER_KEY || l.kind == CORE_TRANSFER_BYTES) {
        FUZZ_CHECK(l.id != NULL && *l.id != '\0');
        FUZZ_CHECK(l.record.type == CORE_NULL);
        if (l.kind == CORE_TRANSFER_BYTES) {
            char hex[65];
            core_sha256_hex(l.bytes.ptr, l.bytes.len, hex);
            FUZZ_CHECK(strcmp(hex, core_value_get_str(&line, "sha256")) == 0);
        }
    } else {
        FUZZ_CHECK(core_transfer_kind_name((core_transfer_kind)l.kind) != NULL);
        FUZZ_CHECK(l.id != NULL && *l.id != '\0');
        FUZZ_CHECK(l.record.type == CORE_OBJ);
        char *mp = NULL;
        size_t mplen = 0;
        FUZZ_CHECK(core_value_to_msgpack(&l.record, &mp, &mplen) == 0);
        core_value back;
        const char *why2 = NULL;
        FUZZ_CHECK(core_value_from_msgpack(&a, mp, mplen, &back, &why2) == 0);
        FUZZ_CHECK(core_value_equal(&back, &l.record));
        free(mp);
    }
    core_arena_dispose(&a);
    return 0;
}
