/*
 * op.h: the part every domain write shares.
 *
 * Each domain module (profile, partner, event, news, exchange, xchange, xchange_msg) writes
 * through one struct per call, core_<module>_op, handed as the argument to one of its
 * core_txn_fn. Besides its own inputs and outputs, every such struct has four members of the
 * same names and meaning:
 *
 *   core_actor actor;     who acts (input)
 *   core_arena *out;      where outputs live: the caller's arena (input)
 *   const char *message;  a failure's explanation (in out), or NULL (output)
 *   core_fields fields;   CORE_EINVALID: the failing fields (in out) (output)
 *
 * core_op_init and core_op_fail work on those members of any of these structs (they are
 * macros for that reason only: each expands to one call of a function below, and the
 * members keep their names so callers read op.message and op.fields as before).
 *
 * The other helpers are the small steps every module's writes repeat: a value that is
 * absent or null, replacing an object's member in place, and a key of the keys family.
 */
#ifndef ECCPD_CORE_OP_H
#define ECCPD_CORE_OP_H
#include <stdbool.h>
#include <string.h>

#include "core/authz.h"
#include "core/check.h"
#include "core/store.h"
#include "core/value.h"

/* Zeroes *op, then sets its actor (a copy of *actor_) and out (out_), and starts its fields
 * in out_. Every other member is zero: the caller sets its own null values after. */
#define core_op_init(op, out_, actor_)                                                             \
    (memset((op), 0, sizeof(*(op))),                                                               \
     core__op_init(&(op)->actor, &(op)->out, &(op)->fields, (out_), (actor_)))

/* Sets op->message to a copy of text in op->out and returns code: `return core_op_fail(op,
 * CORE_ECONFLICT, "...")` is how every domain write says why it refused. */
#define core_op_fail(op, code, text) core__op_fail((op)->out, &(op)->message, (code), (text))

void core__op_init(core_actor *actor, core_arena **out, core_fields *fields, core_arena *out_,
                   const core_actor *actor_);
int core__op_fail(core_arena *out, const char **message, int code, const char *text);

/* True when v is absent (NULL) or JSON null. */
static inline bool core_op_is_null(const core_value *v)
{
    return v == NULL || v->type == CORE_NULL;
}

/* Sets member key of object obj to v, replacing the member in place when there is one (so
 * its position stays), else appending a copy of key in a. */
void core_op_obj_put(core_arena *a, core_value *obj, const char *key, core_value v);

/* Puts key -> val (both NUL-terminated) in the keys family, in the write t. */
void core_op_put_key(core_txn *t, const char *key, const char *val);

/* Deletes key from the keys family, in the write t. */
void core_op_del_key(core_txn *t, const char *key);

#endif
