/* check.c: see check.h. */
#include "core/check.h"

#include <string.h>

#include "core/text.h"

void core_fields_add(core_fields *f, const char *field, const char *reason)
{
    if (core_value_get(&f->obj, field) != NULL)
        return;
    core_value_set_copy(f->arena, &f->obj, field, strlen(field), core_value_cstr(f->arena, reason));
}

const char *core_check_string(core_fields *f, const core_value *obj, const char *field,
                              bool required, size_t min_len, size_t max_len)
{
    const core_value *v = core_value_get(obj, field);
    if (v == NULL || v->type == CORE_NULL) {
        if (required)
            core_fields_add(f, field, "is required");
        return NULL;
    }
    if (v->type != CORE_STR) {
        core_fields_add(f, field, "must be a string");
        return NULL;
    }
    for (size_t i = 0; i < v->u.s.len; i++) {
        unsigned char c = (unsigned char)v->u.s.ptr[i];
        if (c < 0x20 && c != '\n' && c != '\t') {
            core_fields_add(f, field, "must not contain control characters");
            return NULL;
        }
    }
    size_t n = core_utf8_count(v->u.s.ptr, v->u.s.len);
    if (n < min_len) {
        core_fields_add(
            f, field,
            min_len == 1 ? "must not be empty"
                         : core_arena_printf(f->arena, "must be at least %zu characters", min_len));
        return NULL;
    }
    if (n > max_len) {
        core_fields_add(f, field,
                        core_arena_printf(f->arena, "must be at most %zu characters", max_len));
        return NULL;
    }
    return v->u.s.ptr;
}

void core_check_known(core_fields *f, const core_value *obj, const char *const *allowed)
{
    if (obj == NULL || obj->type != CORE_OBJ)
        return;
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const core_member *m = &obj->u.obj.items[i];
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strlen(*a) == m->key.len && memcmp(*a, m->key.ptr, m->key.len) == 0;
        if (!known)
            core_value_set_copy(f->arena, &f->obj, m->key.ptr, m->key.len,
                                core_value_cstr(f->arena, "is not a known field"));
    }
}

bool core_check_email(const char *s)
{
    size_t len = strlen(s);
    const char *at = strrchr(s, '@');
    if (len > 254 || at == NULL || at == s || at - s > 64)
        return false;
    for (const char *p = s; p < at; p++)
        if ((unsigned char)*p <= ' ' || strchr("()<>,;:\\\"[]@", *p) != NULL)
            return false;
    const char *d = at + 1;
    const char *dot = strrchr(d, '.');
    if (*d == '\0' || *d == '.' || *d == '-' || dot == NULL || dot[1] == '\0' ||
        strlen(dot + 1) < 2 || strstr(d, "..") != NULL)
        return false;
    for (const char *p = d; *p; p++)
        if ((unsigned char)*p <= ' ' || strchr("()<>,;:\\\"[]@_!#$%&'*+/=?^`{|}~", *p) != NULL)
            return false;
    return true;
}
