/*
 * test_time.c: RFC 3339 out and in (core/time.h), checked against known instants and
 * round trips over a wide range, and the inputs it must refuse.
 */
#include "check.h"
#include "core/time.h"

static int64_t parse(const char *s, bool date)
{
    int64_t t = -1;
    CHECK(core_time_parse(s, date, &t));
    return t;
}

int main(void)
{
    char buf[CORE_TIME_RFC3339_LEN + 1];
    core_time_format(0, buf);
    CHECK_STR_EQ(buf, "1970-01-01T00:00:00Z");
    core_time_format(1796479391, buf);
    CHECK_STR_EQ(buf, "2026-12-05T14:03:11Z");
    core_time_format(951782400, buf); /* a leap day in a year divisible by 400 */
    CHECK_STR_EQ(buf, "2000-02-29T00:00:00Z");

    CHECK_EQ(parse("2026-12-05T14:03:11Z", false), 1796479391);
    CHECK_EQ(parse("2026-12-05t14:03:11z", false), 1796479391);
    CHECK_EQ(parse("2026-12-05T15:03:11.250+01:00", false), 1796479391);
    CHECK_EQ(parse("2026-12-05T09:33:11-04:30", false), 1796479391);
    CHECK_EQ(parse("2026-12-05", true), 1796428800);

    /* every day from 1970 to 2100 round-trips, at a time of day that moves with it */
    for (int64_t t = 0; t < 4102444800; t += 86400 + 3671) {
        core_time_format(t, buf);
        CHECK_EQ(parse(buf, false), t);
    }

    static const char *const bad[] = {
        "",
        "2026-12-05",
        "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2026-12-05T24:00:00Z",
        "2026-12-05T10:00:00",
        "2026-12-05 10:00:00Z",
        "2026-12-05T10:00:00.Z",
        "2026-12-05T10:00:00+0100",
        "2026-12-05T10:00:00Zjunk",
        "20261205T100000Z",
        "2026-1-05T10:00:00Z",
    };
    int64_t t;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        if (core_time_parse(bad[i], false, &t))
            CHECK__FAIL("accepted \"%s\"", bad[i]);
    CHECK(!core_time_parse("2026-02-30", true, &t));
    CHECK(!core_time_parse("2026-12-5", true, &t));
    /* an offset that carries the time past 9999 in UTC (found by fuzz_time) */
    CHECK(!core_time_parse("9999-12-31T23:30:00-01:00", false, &t));
    CHECK(parse("9999-12-31T23:30:00+01:00", false) == INT64_C(253402295400));

    /* a view's copy of a record: integer times at any depth become RFC 3339, the rest stays */
    core_arena a;
    core_arena_init(&a);
    core_value rec = core_value_obj(), hist = core_value_arr(), entry = core_value_obj();
    core_value_set(&a, &entry, "at", core_value_int(1796479391));
    core_value_set(&a, &entry, "decision", core_value_cstr(&a, "publish"));
    core_value_push(&a, &hist, entry);
    core_value_set(&a, &rec, "created_at", core_value_int(0));
    core_value_set(&a, &rec, "members_count", core_value_int(80));
    core_value_set(&a, &rec, "cat", core_value_int(7)); /* ends in "at", not "_at" */
    core_value_set(&a, &rec, "history", hist);
    core_value v = core_value_times(&a, &rec);
    CHECK_STR_EQ(core_value_get_str(&v, "created_at"), "1970-01-01T00:00:00Z");
    CHECK_EQ(core_value_get(&v, "members_count")->u.i, 80);
    CHECK_EQ(core_value_get(&v, "cat")->u.i, 7);
    const core_value *e = &core_value_get(&v, "history")->u.arr.items[0];
    CHECK_STR_EQ(core_value_get_str(e, "at"), "2026-12-05T14:03:11Z");
    CHECK_STR_EQ(core_value_get_str(e, "decision"), "publish");
    CHECK_EQ(core_value_get(&rec, "created_at")->type, CORE_INT); /* the record is untouched */
    core_arena_dispose(&a);
    return 0;
}
