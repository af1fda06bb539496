/*
 * time.c: RFC 3339 in and out, without the C library's locale- and TZ-dependent calls
 * (timegm is not portable, strptime ignores offsets), so the result never depends on
 * the process's environment.
 */
#include "core/time.h"

#include <stdio.h>
#include <string.h>

int64_t core_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil: eras of 400 years, March-based years. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void core_time_format(int64_t t, char out[CORE_TIME_RFC3339_LEN + 1])
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* outside RFC 3339's range: clamp rather than mis-format */
        memcpy(out, y < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z",
               CORE_TIME_RFC3339_LEN + 1);
        return;
    }
    unsigned hh = (unsigned)(secs / 3600) % 24, mm = (unsigned)(secs / 60 % 60),
             ss = (unsigned)(secs % 60);
    snprintf(out, CORE_TIME_RFC3339_LEN + 1, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000,
             m % 100, d % 100, hh, mm, ss);
}

core_value core_value_time(core_arena *a, int64_t t)
{
    char buf[CORE_TIME_RFC3339_LEN + 1];
    core_time_format(t, buf);
    return core_value_str(a, buf, CORE_TIME_RFC3339_LEN);
}

/* Reads exactly n digits; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static unsigned days_in_month(int y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

bool core_time_parse(const char *s, bool allow_date, int64_t *out)
{
    size_t len = strlen(s);
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return false;
    int64_t t = core_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
    if (len == 10) {
        if (!allow_date)
            return false;
        *out = t;
        return true;
    }
    if (len < 20 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        return false;
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return false;
    if (sec == 60) /* a leap second is the last second of its minute */
        sec = 59;
    t += h * 3600 + mi * 60 + sec;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        const char *f = p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == f)
            return false;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        *out = t;
        return true;
    }
    if ((*p != '+' && *p != '-') || strlen(p) != 6 || p[3] != ':')
        return false;
    int oh = digits(p + 1, 2), om = digits(p + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59)
        return false;
    int off = oh * 3600 + om * 60;
    t += *p == '+' ? -off : off;
    /* the offset may carry the time out of 1970-9999 in UTC ("9999-12-31T23:30:00-01:00"):
     * such a time could not be written back (core_time_format clamps), so it is refused */
    if (t < 0 || t > INT64_C(253402300799) /* 9999-12-31T23:59:59Z */)
        return false;
    *out = t;
    return true;
}

static bool is_time_key(core_slice k)
{
    return (k.len == 2 && memcmp(k.ptr, "at", 2) == 0) ||
           (k.len > 3 && memcmp(k.ptr + k.len - 3, "_at", 3) == 0);
}

core_value core_value_times(core_arena *a, const core_value *v)
{
    if (v->type == CORE_ARR) {
        core_value out = core_value_arr();
        for (size_t i = 0; i < v->u.arr.len; i++)
            core_value_push(a, &out, core_value_times(a, &v->u.arr.items[i]));
        return out;
    }
    if (v->type != CORE_OBJ)
        return *v;
    core_value out = core_value_obj();
    for (size_t i = 0; i < v->u.obj.len; i++) {
        const core_member *m = &v->u.obj.items[i];
        core_value mv = m->value.type == CORE_INT && is_time_key(m->key)
                            ? core_value_time(a, m->value.u.i)
                            : core_value_times(a, &m->value);
        core_value_set_copy(a, &out, m->key.ptr, m->key.len, mv);
    }
    return out;
}
