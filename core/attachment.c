/* attachment.c: see attachment.h. */
#include "core/attachment.h"

#include <string.h>

#include "core/error.h"
#include "core/id.h"

static char *meta_key(core_arena *a, const char *id)
{
    return core_arena_printf(a, "attmeta/%s", id);
}

static char *ref_key(core_arena *a, const char *id, const char *kind, const char *ref_id)
{
    return core_arena_printf(a, "attref/%s/%s/%s", id, kind, ref_id);
}

/* The public part of stored metadata. */
static int public_meta(core_arena *a, core_slice bytes, core_value *meta)
{
    core_value m;
    const char *why;
    if (core_value_from_msgpack(a, bytes.ptr, bytes.len, &m, &why) != 0)
        return CORE_EINTERNAL;
    *meta = core_value_obj();
    static const char *const keep[] = {"id", "filename", "content_type", "size"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        const core_value *v = core_value_get(&m, keep[i]);
        core_value_set(a, meta, keep[i], v != NULL ? *v : core_value_null());
    }
    return 0;
}

int core_attachment_meta_txn(core_txn *t, const char *id, core_arena *a, core_value *meta)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    char *k = meta_key(a, id);
    core_slice v;
    int rc = core_txn_get(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &v);
    return rc != 0 ? rc : public_meta(a, v, meta);
}

int core_attachment_meta(core_store *s, const char *id, core_arena *a, core_value *meta)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    char *k = meta_key(a, id);
    core_slice v;
    int rc = core_store_get(s, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &v);
    return rc != 0 ? rc : public_meta(a, v, meta);
}

void core_attachment_ref(core_txn *t, const char *id, const char *kind, const char *ref_id)
{
    char *k = ref_key(core_txn_arena(t), id, kind, ref_id);
    core_txn_put(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}, (core_slice){"", 0});
}

void core_attachment_unref(core_txn *t, const char *id, const char *kind, const char *ref_id)
{
    char *k = ref_key(core_txn_arena(t), id, kind, ref_id);
    core_txn_delete(t, CORE_CF_KEYS, (core_slice){k, strlen(k)});
}
