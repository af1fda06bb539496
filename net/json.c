/* json.c: see json.h. */
#include "net/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/text.h"

/* ---- parsing ----
 *
 * A strict RFC 8259 reader straight into the arena. cJSON could not serve: it keeps
 * strings NUL-terminated, so "nulA\u0000evil" came back as "nulA" with no way to tell,
 * and its objects were checked for repeated keys one lookup per key (quadratic in a
 * hostile object). The rules a body follows are core's, shared with MessagePack
 * (core__body_str_ok, core__obj_has_duplicate). */

typedef struct parser {
    core_arena *a;
    const char *p, *end;
    const char *why;
} parser;

static int fail(parser *ps, const char *why)
{
    ps->why = why;
    return CORE_EBADREQ;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool literal(parser *ps, const char *word, size_t n)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/* Reads a string literal (ps->p at the opening quote) into the arena. */
static int parse_string(parser *ps, core_slice *out)
{
    ps->p++; /* the quote */
    const char *start = ps->p;
    /* Escapes only shorten text, so the raw length bounds the result. */
    const char *close = start;
    while (close < ps->end && *close != '"') {
        if (*close == '\\')
            close++;
        close++;
    }
    if (close >= ps->end)
        return fail(ps, "unterminated string");
    char *buf = core_arena_alloc(ps->a, (size_t)(close - start) + 1), *o = buf;
    while (ps->p < close) {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20)
            return fail(ps, "control characters in strings must be escaped");
        if (c != '\\') {
            *o++ = (char)c;
            ps->p++;
            continue;
        }
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '/':
            *o++ = '/';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            int cp = close - ps->p >= 4 ? hex4(ps->p) : -1;
            if (cp < 0)
                return fail(ps, "malformed \\u escape");
            ps->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = close - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' ? hex4(ps->p + 2)
                                                                                   : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(ps, "a \\u escape leaves a surrogate unpaired");
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(ps, "a \\u escape leaves a surrogate unpaired");
            }
            o += core_utf8_put((uint32_t)cp, o);
            break;
        }
        default:
            return fail(ps, "unknown escape in string");
        }
    }
    ps->p = close + 1;
    *o = '\0';
    size_t n = (size_t)(o - buf);
    if (!core__body_str_ok(buf, n, &ps->why))
        return CORE_EBADREQ;
    *out = (core_slice){buf, n};
    return 0;
}

static int parse_number(parser *ps, core_value *out)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return fail(ps, "malformed number");
    if (*ps->p == '0')
        ps->p++;
    else
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "malformed number");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "malformed number");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    size_t n = (size_t)(ps->p - s);
    if (n > 64)
        return fail(ps, "number too long");
    char tmp[65];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    double d = strtod(tmp, NULL);
    if (!isfinite(d))
        return fail(ps, "numbers must be finite");
    /* Integers stay integers when they are exactly representable. */
    if (d == floor(d) && d >= -9007199254740992.0 && d <= 9007199254740992.0)
        *out = core_value_int((int64_t)d);
    else
        *out = core_value_double(d);
    return 0;
}

static int parse_value(parser *ps, core_value *out, int depth)
{
    if (depth > CORE_VALUE_MAX_DEPTH)
        return fail(ps, "nesting is too deep");
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "malformed JSON");
    int rc;
    switch (*ps->p) {
    case '{': {
        ps->p++;
        *out = core_value_obj();
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return 0;
        }
        for (;;) {
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "malformed JSON: expected a key");
            core_slice key;
            if ((rc = parse_string(ps, &key)) != 0)
                return rc;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "malformed JSON: expected ':'");
            ps->p++;
            core_value item;
            if ((rc = parse_value(ps, &item, depth + 1)) != 0)
                return rc;
            core_value_set(ps->a, out, key.ptr, item);
            out->u.obj.items[out->u.obj.len - 1].key.len = key.len;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == '}') {
                ps->p++;
                break;
            }
            return fail(ps, "malformed JSON: expected ',' or '}'");
        }
        if (core__obj_has_duplicate(ps->a, out))
            return fail(ps, "duplicate key in object");
        return 0;
    }
    case '[':
        ps->p++;
        *out = core_value_arr();
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return 0;
        }
        for (;;) {
            core_value item;
            if ((rc = parse_value(ps, &item, depth + 1)) != 0)
                return rc;
            core_value_push(ps->a, out, item);
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == ']') {
                ps->p++;
                return 0;
            }
            return fail(ps, "malformed JSON: expected ',' or ']'");
        }
    case '"': {
        core_slice s;
        if ((rc = parse_string(ps, &s)) != 0)
            return rc;
        *out = core_value_str_ref(s.ptr, s.len);
        return 0;
    }
    case 't':
        if (!literal(ps, "true", 4))
            return fail(ps, "malformed JSON");
        *out = core_value_bool(true);
        return 0;
    case 'f':
        if (!literal(ps, "false", 5))
            return fail(ps, "malformed JSON");
        *out = core_value_bool(false);
        return 0;
    case 'n':
        if (!literal(ps, "null", 4))
            return fail(ps, "malformed JSON");
        *out = core_value_null();
        return 0;
    default:
        return parse_number(ps, out);
    }
}

int net_json_parse(core_arena *a, const char *buf, size_t len, core_value *out, const char **why)
{
    parser ps = {a, buf, buf + len, NULL};
    int rc = parse_value(&ps, out, 0);
    if (rc == 0) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            rc = fail(&ps, "trailing characters after the JSON value");
    }
    if (rc != 0)
        *why = ps.why != NULL ? ps.why : "malformed JSON";
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
        } else
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
