/* record.c: see record.h. */
#include "core/record.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

core_slice core_record_key(core_arena *a, const char *kind, const char *id)
{
    char *k = core_arena_printf(a, "%s/%s", kind, id);
    return (core_slice){k, strlen(k)};
}

int core_record_put(core_txn *t, const char *kind, const char *id, core_value *rec, const char *op)
{
    core_arena *a = core_txn_arena(t);
    core_value *v = (core_value *)core_value_get(rec, "v");
    if (v != NULL)
        *v = core_value_int(CORE_RECORD_VERSION);
    else
        core_value_set(a, rec, "v", core_value_int(CORE_RECORD_VERSION));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(rec, &buf, &len) != 0)
        return CORE_EINTERNAL;
    core_slice key = core_record_key(a, kind, id);
    core_txn_put(t, CORE_CF_RECORDS, key, (core_slice){buf, len});
    free(buf);
    core_txn_log(t, kind, (core_slice){id, strlen(id)}, op);
    return 0;
}

void core_record_delete(core_txn *t, const char *kind, const char *id)
{
    core_txn_delete(t, CORE_CF_RECORDS, core_record_key(core_txn_arena(t), kind, id));
    core_txn_log(t, kind, (core_slice){id, strlen(id)}, "delete");
}

int core_record_decode(core_arena *a, core_slice bytes, core_value *out)
{
    const char *why;
    if (core_value_from_msgpack(a, bytes.ptr, bytes.len, out, &why) != 0 || out->type != CORE_OBJ)
        return CORE_EINTERNAL;
    const core_value *v = core_value_get(out, "v");
    if (v == NULL || v->type != CORE_INT || v->u.i > CORE_RECORD_VERSION)
        return CORE_EINTERNAL;
    return 0;
}

int core_record_get(core_store *s, const char *kind, const char *id, core_arena *a, core_value *out)
{
    core_slice val;
    int rc = core_store_get(s, CORE_CF_RECORDS, core_record_key(a, kind, id), a, &val);
    return rc != 0 ? rc : core_record_decode(a, val, out);
}

int core_record_get_txn(core_txn *t, const char *kind, const char *id, core_arena *a,
                        core_value *out)
{
    core_slice val;
    int rc = core_txn_get(t, CORE_CF_RECORDS, core_record_key(a, kind, id), a, &val);
    return rc != 0 ? rc : core_record_decode(a, val, out);
}

int core_record_each_linked(core_store *s, const char *prefix, core_record_get_fn *get,
                            core_arena *a, core_record_linked_fn *fn, void *arg)
{
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    int rc = 0;
    while (rc == 0 && core_iter_next(it, &k, &v)) {
        char *id = core_arena_strndup(a, k.ptr + plen, k.len - plen);
        core_value rec;
        int got = get(s, id, a, &rec);
        rc = fn(arg, id, got, got == 0 ? &rec : NULL);
    }
    core_iter_free(it);
    return rc;
}

int64_t core_record_int(const core_value *rec, const char *key, int64_t dflt)
{
    const core_value *v = core_value_get(rec, key);
    return v != NULL && v->type == CORE_INT ? v->u.i : dflt;
}
