/* json.c: see json.h. */
#include "net/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static int from_cjson(core_arena *a, const cJSON *j, core_value *out, int depth, const char **why)
{
    if (depth > CORE_VALUE_MAX_DEPTH) {
        *why = "nesting is too deep";
        return CORE_EBADREQ;
    }
    if (cJSON_IsNull(j)) {
        *out = core_value_null();
    } else if (cJSON_IsBool(j)) {
        *out = core_value_bool(cJSON_IsTrue(j));
    } else if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (!isfinite(d)) {
            *why = "numbers must be finite";
            return CORE_EBADREQ;
        }
        /* Integers stay integers when they are exactly representable. */
        if (d == floor(d) && d >= -9007199254740992.0 && d <= 9007199254740992.0)
            *out = core_value_int((int64_t)d);
        else
            *out = core_value_double(d);
    } else if (cJSON_IsString(j)) {
        size_t n = strlen(j->valuestring);
        if (!core_utf8_valid(j->valuestring, n)) {
            *why = "strings must be valid UTF-8";
            return CORE_EBADREQ;
        }
        *out = core_value_str(a, j->valuestring, n);
    } else if (cJSON_IsArray(j)) {
        *out = core_value_arr();
        for (const cJSON *c = j->child; c != NULL; c = c->next) {
            core_value item;
            int rc = from_cjson(a, c, &item, depth + 1, why);
            if (rc != 0)
                return rc;
            core_value_push(a, out, item);
        }
    } else if (cJSON_IsObject(j)) {
        *out = core_value_obj();
        for (const cJSON *c = j->child; c != NULL; c = c->next) {
            size_t kn = strlen(c->string);
            if (!core_utf8_valid(c->string, kn)) {
                *why = "keys must be valid UTF-8";
                return CORE_EBADREQ;
            }
            if (core_value_get(out, c->string) != NULL) {
                *why = "duplicate key in object";
                return CORE_EBADREQ;
            }
            core_value item;
            int rc = from_cjson(a, c, &item, depth + 1, why);
            if (rc != 0)
                return rc;
            core_value_set_copy(a, out, c->string, kn, item);
        }
    } else {
        *why = "unsupported JSON value";
        return CORE_EBADREQ;
    }
    return 0;
}

int net_json_parse(core_arena *a, const char *buf, size_t len, core_value *out, const char **why)
{
    if (memchr(buf, '\0', len) != NULL) {
        *why = "NUL byte in JSON text";
        return CORE_EBADREQ;
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (j == NULL) {
        *why = "malformed JSON";
        return CORE_EBADREQ;
    }
    int rc = 0;
    for (const char *p = end; p < buf + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            *why = "trailing characters after the JSON value";
            rc = CORE_EBADREQ;
            break;
        }
    }
    if (rc == 0)
        rc = from_cjson(a, j, out, 0, why);
    cJSON_Delete(j);
    return rc;
}

void net_json_write_str(net_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    net_buf_reserve(b, len + 2);
    net_buf_putc(b, '"');
    size_t run = 0; /* bytes that need no escaping are copied in runs */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        net_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            net_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            net_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            net_buf_append(b, "\\n", 2);
            break;
        case '\r':
            net_buf_append(b, "\\r", 2);
            break;
        case '\t':
            net_buf_append(b, "\\t", 2);
            break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            net_buf_append(b, e, 6);
        }
        }
    }
    net_buf_append(b, s + run, len - run);
    net_buf_putc(b, '"');
}

void net_json_write(net_buf *b, const core_value *v)
{
    switch (v->type) {
    case CORE_NULL:
        net_buf_append(b, "null", 4);
        break;
    case CORE_BOOL:
        if (v->u.b)
            net_buf_append(b, "true", 4);
        else
            net_buf_append(b, "false", 5);
        break;
    case CORE_INT:
        net_buf_printf(b, "%lld", (long long)v->u.i);
        break;
    case CORE_DOUBLE:
        if (isfinite(v->u.d)) {
            /* the shortest of %.15g / %.17g that reads back exactly */
            char tmp[32];
            snprintf(tmp, sizeof(tmp), "%.15g", v->u.d);
            if (strtod(tmp, NULL) != v->u.d)
                snprintf(tmp, sizeof(tmp), "%.17g", v->u.d);
            net_buf_puts(b, tmp);
        }
        else
            net_buf_append(b, "null", 4);
        break;
    case CORE_STR:
        net_json_write_str(b, v->u.s.ptr, v->u.s.len);
        break;
    case CORE_ARR:
        net_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.arr.len; i++) {
            if (i)
                net_buf_putc(b, ',');
            net_json_write(b, &v->u.arr.items[i]);
        }
        net_buf_putc(b, ']');
        break;
    case CORE_OBJ:
        net_buf_putc(b, '{');
        for (size_t i = 0; i < v->u.obj.len; i++) {
            const core_member *m = &v->u.obj.items[i];
            if (i)
                net_buf_putc(b, ',');
            net_json_write_str(b, m->key.ptr, m->key.len);
            net_buf_putc(b, ':');
            net_json_write(b, &m->value);
        }
        net_buf_putc(b, '}');
        break;
    }
}
