/*
 * check.h: collecting validation failures. Domain validators add one reason per failing
 * field and report them all at once, so a 422 names every field a person must fix.
 */
#ifndef ECCPD_CORE_CHECK_H
#define ECCPD_CORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/value.h"

typedef struct core_fields {
    core_arena *arena;
    core_value obj; /* field -> reason */
} core_fields;

static inline void core_fields_init(core_fields *f, core_arena *a)
{
    f->arena = a;
    f->obj = core_value_obj();
}
/* Records the first reason for a field (later ones for the same field are dropped). */
void core_fields_add(core_fields *f, const char *field, const char *reason);
static inline bool core_fields_any(const core_fields *f)
{
    return f->obj.u.obj.len > 0;
}

/* Field readers: each returns the value when present and of the right type, NULL (and
 * a reason added) when present and wrong, NULL (and, if required, a reason) when absent.
 * Strings are checked for length in code points and for control characters. */
const char *core_check_string(core_fields *f, const core_value *obj, const char *field,
                              bool required, size_t min_len, size_t max_len);
/* Rejects members of obj not in the NULL-terminated list `allowed`. */
void core_check_known(core_fields *f, const core_value *obj, const char *const *allowed);
/* True when s is an e-mail address of the usual form (local@domain.tld, no spaces). */
bool core_check_email(const char *s);

#endif
