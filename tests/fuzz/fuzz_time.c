/*
 * fuzz_time: RFC 3339 parsing (core_time_parse), what every request's times go through.
 *
 * Input: byte 0 says whether a plain date is allowed; the rest is the text (cut at its
 * first NUL, as a C string from a request would be). Properties: an accepted text gives
 * a time within years 1970-9999; what is accepted without dates is accepted with them, to
 * the same second; the accepted time written back (core_time_format) is RFC 3339 UTC of
 * exactly CORE_TIME_RFC3339_LEN characters that parses to the same second, and a plain
 * date written from it (its first 10 characters) parses to the day's first second.
 */
#include <string.h>

#include "core/time.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    bool allow_date = data[0] & 1;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';

    int64_t t = -1;
    bool ok = core_time_parse(s, allow_date, &t);
    if (ok) {
        FUZZ_CHECK(t >= 0 && t <= INT64_C(253402300799)); /* 9999-12-31T23:59:59Z */
        int64_t t2 = -1;
        if (!allow_date) {
            FUZZ_CHECK(core_time_parse(s, true, &t2) && t2 == t);
        }
        char out[CORE_TIME_RFC3339_LEN + 1];
        core_time_format(t, out);
        FUZZ_CHECK(strlen(out) == CORE_TIME_RFC3339_LEN && out[10] == 'T' && out[19] == 'Z');
        FUZZ_CHECK(core_time_parse(out, false, &t2) && t2 == t);
        out[10] = '\0';
        FUZZ_CHECK(core_time_parse(out, true, &t2) && t2 == t - t % 86400);
        FUZZ_CHECK(!core_time_parse(out, false, &t2));
    }
    free(s);
    return 0;
}
