/*
 * fixture_cjson.h: core_values written as JSON text in a test, through cJSON (the tests'
 * JSON reader, independent of the server's own in net/json.c). Header-only; the test links
 * cJSON.
 */
#ifndef ECCPD_TESTS_FIXTURE_CJSON_H
#define ECCPD_TESTS_FIXTURE_CJSON_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "core/value.h"

/* The core_value of j, its strings copied into a. */
static inline core_value test_from_cjson(core_arena *a, const cJSON *j)
{
    if (cJSON_IsObject(j)) {
        core_value o = core_value_obj();
        for (const cJSON *c = j->child; c; c = c->next)
            core_value_set_copy(a, &o, c->string, strlen(c->string), test_from_cjson(a, c));
        return o;
    }
    if (cJSON_IsArray(j)) {
        core_value arr = core_value_arr();
        for (const cJSON *c = j->child; c; c = c->next)
            core_value_push(a, &arr, test_from_cjson(a, c));
        return arr;
    }
    if (cJSON_IsString(j))
        return core_value_cstr(a, j->valuestring);
    if (cJSON_IsBool(j))
        return core_value_bool(cJSON_IsTrue(j));
    if (cJSON_IsNumber(j))
        return j->valuedouble == (double)(int64_t)j->valuedouble
                   ? core_value_int((int64_t)j->valuedouble)
                   : core_value_double(j->valuedouble);
    return core_value_null();
}

/* The core_value of JSON text; text that does not parse fails the test. */
static inline core_value test_json(core_arena *a, const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (j == NULL)
        CHECK__FAIL("bad JSON in test: %s", text);
    core_value v = test_from_cjson(a, j);
    cJSON_Delete(j);
    return v;
}

#endif
