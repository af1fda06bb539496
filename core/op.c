/* op.c: see op.h. */
#include "core/op.h"

void core__op_init(core_actor *actor, core_arena **out, core_fields *fields, core_arena *out_,
                   const core_actor *actor_)
{
    *actor = *actor_;
    *out = out_;
    core_fields_init(fields, out_);
}

int core__op_fail(core_arena *out, const char **message, int code, const char *text)
{
    *message = core_arena_strndup(out, text, strlen(text));
    return code;
}

void core_op_obj_put(core_arena *a, core_value *obj, const char *key, core_value v)
{
    core_value *old = (core_value *)core_value_get(obj, key);
    if (old != NULL)
        *old = v;
    else
        core_value_set_copy(a, obj, key, strlen(key), v);
}

void core_op_put_key(core_txn *t, const char *key, const char *val)
{
    core_txn_put(t, CORE_CF_KEYS, (core_slice){key, strlen(key)}, (core_slice){val, strlen(val)});
}

void core_op_del_key(core_txn *t, const char *key)
{
    core_txn_delete(t, CORE_CF_KEYS, (core_slice){key, strlen(key)});
}
