/*
 * Unit tests of core/profile_rules.c: field validation of every profile field (one test
 * per family, several failures at once), type-specific and unknown fields, patch mode,
 * the mandatory fields per type, the six cluster criteria at their boundaries, folding,
 * name keys, URL domains, and the banded edit distance against a full-matrix reference.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/profile_rules.h"
#include "core/text.h"
#include "core/vocab.h"

static core_arena A;

/* ---- a small JSON reader, so cases read like request bodies ---- */

static const char *jp;

static void ws(void)
{
    while (*jp == ' ' || *jp == '\n' || *jp == '\t' || *jp == '\r')
        jp++;
}

static core_value parse_value(void);

static core_value parse_string(void)
{
    CHECK(*jp == '"');
    jp++;
    char *buf = core_arena_alloc(&A, strlen(jp) + 1), *o = buf;
    while (*jp != '"') {
        CHECK(*jp != '\0');
        if (*jp == '\\') {
            jp++;
            switch (*jp) {
            case 'n':
                *o++ = '\n';
                break;
            case 't':
                *o++ = '\t';
                break;
            case 'u': {
                char hex[5] = {jp[1], jp[2], jp[3], jp[4], 0};
                o += core_utf8_put((uint32_t)strtoul(hex, NULL, 16), o);
                jp += 4;
                break;
            }
            default:
                *o++ = *jp;
            }
            jp++;
        } else {
            *o++ = *jp++;
        }
    }
    jp++;
    return core_value_str(&A, buf, (size_t)(o - buf));
}

static core_value parse_value(void)
{
    ws();
    if (*jp == '{') {
        core_value obj = core_value_obj();
        jp++;
        ws();
        while (*jp != '}') {
            core_value k = parse_string();
            ws();
            CHECK(*jp == ':');
            jp++;
            core_value v = parse_value();
            core_value_set(&A, &obj, k.u.s.ptr, v);
            ws();
            if (*jp == ',')
                jp++;
            ws();
        }
        jp++;
        return obj;
    }
    if (*jp == '[') {
        core_value arr = core_value_arr();
        jp++;
        ws();
        while (*jp != ']') {
            core_value_push(&A, &arr, parse_value());
            ws();
            if (*jp == ',')
                jp++;
            ws();
        }
        jp++;
        return arr;
    }
    if (*jp == '"')
        return parse_string();
    if (strncmp(jp, "true", 4) == 0)
        return jp += 4, core_value_bool(true);
    if (strncmp(jp, "false", 5) == 0)
        return jp += 5, core_value_bool(false);
    if (strncmp(jp, "null", 4) == 0)
        return jp += 4, core_value_null();
    char *end;
    const char *start = jp;
    long long i = strtoll(jp, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E') {
        double d = strtod(start, &end);
        jp = end;
        return core_value_double(d);
    }
    CHECK(end != start);
    jp = end;
    return core_value_int(i);
}

static core_value J(const char *json)
{
    jp = json;
    core_value v = parse_value();
    ws();
    CHECK(*jp == '\0');
    return v;
}

/* ---- helpers ---- */

#define FULL_CLUSTER                                                                               \
    "{\"name\":\"Klaster Mobilität Süd-West\",\"acronym\":\"KMSW\",\"country\":\"DE\","          \
    "\"region\":\"Baden-Württemberg\",\"city\":\"Stuttgart\",\"address\":\"Königstraße 1\\n"    \
    "70173 Stuttgart\",\"lat\":48.78,\"lon\":9.18,\"website\":\"https://www.kmsw.example.de/\","   \
    "\"description\":\"A cluster for sustainable mobility.\",\"languages\":[\"de\",\"en\"],"       \
    "\"year_founded\":2005,\"management_fte\":2.5,\"members_count\":80,"                           \
    "\"member_composition\":{\"smes\":60,\"research\":12,\"large_companies\":8,"                   \
    "\"public_bodies\":0,\"civil_society\":0,\"other\":0},"                                        \
    "\"members\":[{\"name\":\"Bosch\",\"url\":\"https://bosch.example.com\"},{\"name\":\"KIT\"}]," \
    "\"ecosystems\":[\"mobility_transport_automotive\",\"digital\"],"                              \
    "\"keywords\":[\"e-mobility\",\"batteries\"],\"services\":[\"matchmaking\",\"training\"],"     \
    "\"cooperation_countries\":[\"FR\",\"PL\"],\"excellence_label\":\"gold\","                     \
    "\"officially_recognised\":true,"                                                              \
    "\"contact\":{\"name\":\"Eva Example\",\"email\":\"eva@example.eu\"}}"

static core_fields validate(core_profile_type t, const char *json, bool patch)
{
    core_fields f;
    core_fields_init(&f, &A);
    core_value v = J(json);
    core_profile_validate(&f, t, &v, patch);
    return f;
}

static const char *reason(const core_fields *f, const char *field)
{
    return core_value_get_str(&f->obj, field);
}

static size_t nreasons(const core_fields *f)
{
    return f->obj.u.obj.len;
}

static void dump(const core_fields *f)
{
    for (size_t i = 0; i < f->obj.u.obj.len; i++)
        fprintf(stderr, "    %s: %s\n", f->obj.u.obj.items[i].key.ptr,
                f->obj.u.obj.items[i].value.u.s.ptr);
}

/* Exactly one reason, for field, containing needle (NULL: any). */
static void expect_one(core_profile_type t, const char *json, bool patch, const char *field,
                       const char *needle)
{
    core_fields f = validate(t, json, patch);
    const char *r = reason(&f, field);
    if (nreasons(&f) != 1 || r == NULL || (needle != NULL && strstr(r, needle) == NULL)) {
        fprintf(stderr, "  for %s (expecting %s ~ %s):\n", json, field, needle ? needle : "*");
        dump(&f);
    }
    CHECK_EQ(nreasons(&f), 1);
    CHECK(r != NULL);
    CHECK(needle == NULL || strstr(r, needle) != NULL);
}

static void expect_valid(core_profile_type t, const char *json, bool patch)
{
    core_fields f = validate(t, json, patch);
    if (nreasons(&f) != 0) {
        fprintf(stderr, "  for %s:\n", json);
        dump(&f);
    }
    CHECK_EQ(nreasons(&f), 0);
}

#define CO CORE_PROFILE_CLUSTER_ORGANISATION
#define CM CORE_PROFILE_CLUSTER_MEMBER

/* A patch body's field failing alone: patch mode so nothing else is required. */
#define BAD(json, field, needle) expect_one(CO, json, true, field, needle)
#define OK(json) expect_valid(CO, json, true)

/* ---- tests ---- */

static void types_round_trip(void)
{
    for (int t = 0; t < CORE_PROFILE_TYPE_COUNT; t++)
        CHECK_EQ(core_profile_type_parse(core_profile_type_name((core_profile_type)t)), t);
    CHECK_STR_EQ(core_profile_type_name(CO), "cluster_organisation");
    CHECK_STR_EQ(core_profile_type_name(CORE_PROFILE_TRAINING_PROVIDER), "training_provider");
    CHECK_EQ(core_profile_type_parse("Cluster_Organisation"), -1);
    CHECK_EQ(core_profile_type_parse("cluster"), -1);
    CHECK_EQ(core_profile_type_parse(NULL), -1);
    CHECK(core_profile_type_name(CORE_PROFILE_TYPE_COUNT) == NULL);
}

static void full_cluster_is_valid(void)
{
    expect_valid(CO, FULL_CLUSTER, false);
    expect_valid(CO, FULL_CLUSTER, true);
    /* every type accepts a minimal profile */
    for (int t = 0; t < CORE_PROFILE_TYPE_COUNT; t++)
        expect_valid((core_profile_type)t, "{\"name\":\"X\",\"country\":\"AT\"}", false);
    expect_valid(CM,
                 "{\"name\":\"Bosch Battery Lab\",\"country\":\"DE\",\"city\":\"Renningen\","
                 "\"description\":\"Battery research\","
                 "\"affiliations\":[\"01HZX3V5W6Y7Z8A9B0C1D2E3F4\"]}",
                 false);
    /* integral doubles count as integers */
    OK("{\"members_count\":15.0,\"year_founded\":1999.0}");
}

static void name_and_text(void)
{
    BAD("{\"name\":\"\"}", "name", "empty");
    BAD("{\"name\":\"   \"}", "name", "blank");
    BAD("{\"name\":42}", "name", "string");
    char long_name[260];
    memset(long_name, 0, sizeof(long_name));
    strcpy(long_name, "{\"name\":\"");
    memset(long_name + 9, 'x', 201);
    strcat(long_name, "\"}");
    BAD(long_name, "name", "at most 200");
    long_name[9 + 200] = '"', long_name[9 + 201] = '}', long_name[9 + 202] = 0;
    OK(long_name);
    BAD("{\"name\":\"two\\nlines\"}", "name", "single line");
    BAD("{\"acronym\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE\"}", "acronym", "at most 30");
    OK("{\"acronym\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCD\"}");
    BAD("{\"city\":[\"x\"]}", "city", "string");
    BAD("{\"region\":\"\\u0001\"}", "region", "control");
    /* 200 code points of a two-byte script is still 200 characters */
    char *greek = core_arena_alloc(&A, 1000), *o = greek;
    o += sprintf(o, "{\"name\":\"");
    for (int i = 0; i < 200; i++)
        o += core_utf8_put(0x3B1, o);
    strcpy(o, "\"}");
    OK(greek);
    /* description is multi-line and long */
    OK("{\"description\":\"Line one.\\nLine two.\\tTabbed.\"}");
    char *desc = core_arena_alloc(&A, 5100);
    strcpy(desc, "{\"description\":\"");
    memset(desc + 16, 'd', 5001);
    strcpy(desc + 16 + 5001, "\"}");
    BAD(desc, "description", "at most 5000");
}

static void cyrillic_address_is_valid(void)
{
    OK("{\"address\":\"ул. Тверская, д. 7\\n125009 Москва\"}");
    OK("{\"address\":\"Οδός Ερμού 10, Αθήνα\",\"city\":\"Αθήνα\"}");
    OK("{\"city\":\"Łódź\",\"region\":\"Łódzkie\"}");
    BAD("{\"address\":5}", "address", "string");
}

static void country(void)
{
    OK("{\"country\":\"PL\"}");
    BAD("{\"country\":\"pl\"}", "country", "capitals (\"PL\")");
    BAD("{\"country\":\"QQ\"}", "country", "not an ISO 3166-1");
    BAD("{\"country\":\"Poland\"}", "country", "alpha-2");
    BAD("{\"country\":1}", "country", NULL);
}

static void coordinates(void)
{
    OK("{\"lat\":-90,\"lon\":180}");
    OK("{\"lat\":90.0,\"lon\":-180.0}");
    BAD("{\"lat\":90.5,\"lon\":0}", "lat", "-90 to 90");
    BAD("{\"lat\":0,\"lon\":-180.01}", "lon", "-180 to 180");
    BAD("{\"lat\":\"48.7\",\"lon\":9}", "lat", "number");
    BAD("{\"lat\":48.7}", "lon", "together");
    BAD("{\"lon\":9.1}", "lat", "together");
    BAD("{\"lat\":48.7,\"lon\":null}", "lon", "together");
    OK("{\"lat\":null,\"lon\":null}"); /* clearing both */
    BAD("{\"lat\":null}", "lon", "cleared together with lat");
    /* a new profile without coordinates is fine, with one is not */
    expect_valid(CO, "{\"name\":\"X\",\"country\":\"DE\",\"lat\":null}", false);
    expect_one(CO, "{\"name\":\"X\",\"country\":\"DE\",\"lat\":1}", false, "lon", "together");
}

static void website(void)
{
    OK("{\"website\":\"https://example.eu\"}");
    OK("{\"website\":\"HTTP://www.example.co.uk:8080/path?q=1#x\"}");
    OK("{\"website\":\"https://münchen.example.de/über\"}");
    BAD("{\"website\":\"ftp://example.eu\"}", "website", "http:// or https://");
    BAD("{\"website\":\"example.eu\"}", "website", "http:// or https://");
    BAD("{\"website\":\"https://localhost/\"}", "website", "host");
    BAD("{\"website\":\"https://\"}", "website", "host");
    BAD("{\"website\":\"https://exa mple.eu\"}", "website", "spaces");
    BAD("{\"website\":\"https://a..b.eu\"}", "website", "host");
    BAD("{\"website\":\"https://-a.eu\"}", "website", "host");
    BAD("{\"website\":\"https://user:pw@example.eu\"}", "website", "user name");
    BAD("{\"website\":\"https://example.eu:99999\"}", "website", "port");
    BAD("{\"website\":\"https://example.eu:\"}", "website", "port");
    BAD("{\"website\":\"\"}", "website", NULL);
    char *long_url = core_arena_alloc(&A, 400);
    strcpy(long_url, "{\"website\":\"https://example.eu/");
    size_t n = strlen(long_url);
    memset(long_url + n, 'p', 300);
    strcpy(long_url + n + 300, "\"}");
    BAD(long_url, "website", "at most 300");
}

static void languages(void)
{
    OK("{\"languages\":[\"de\",\"en\",\"uk\"]}");
    OK("{\"languages\":[]}");
    BAD("{\"languages\":\"de\"}", "languages", "list");
    BAD("{\"languages\":[\"de\",\"DE\"]}", "languages[1]", "lower case");
    BAD("{\"languages\":[\"german\"]}", "languages[0]", "not an ISO 639-1");
    BAD("{\"languages\":[\"de\",\"en\",\"de\"]}", "languages[2]", "second time");
    BAD("{\"languages\":[\"xx\"]}", "languages[0]", "not an ISO 639-1");
}

static void numbers(void)
{
    OK("{\"year_founded\":1800,\"management_fte\":0,\"members_count\":0}");
    OK("{\"management_fte\":1000,\"members_count\":1000000}");
    BAD("{\"year_founded\":1799}", "year_founded", "from 1800");
    BAD("{\"year_founded\":2999}", "year_founded", "from 1800");
    BAD("{\"year_founded\":2005.5}", "year_founded", NULL);
    BAD("{\"management_fte\":-0.1}", "management_fte", "0 to 1000");
    BAD("{\"management_fte\":1000.5}", "management_fte", "0 to 1000");
    BAD("{\"management_fte\":\"2\"}", "management_fte", NULL);
    BAD("{\"members_count\":-1}", "members_count", "whole number from 0 to 1000000");
    BAD("{\"members_count\":1000001}", "members_count", NULL);
    BAD("{\"members_count\":12.5}", "members_count", "whole number");
    BAD("{\"members_count\":true}", "members_count", NULL);
}

static void member_composition(void)
{
    OK("{\"member_composition\":{\"smes\":3,\"research\":0,\"other\":null}}");
    OK("{\"member_composition\":{}}");
    BAD("{\"member_composition\":[1,2]}", "member_composition", "smes");
    BAD("{\"member_composition\":{\"smes\":-2}}", "member_composition.smes", "whole number");
    BAD("{\"member_composition\":{\"smes\":1.5}}", "member_composition.smes", NULL);
    BAD("{\"member_composition\":{\"startups\":4}}", "member_composition.startups",
        "large_companies, smes, research, public_bodies, civil_society, other");
    core_fields f = validate(CO, "{\"member_composition\":{\"startups\":4,\"smes\":\"x\"}}", true);
    CHECK_EQ(nreasons(&f), 2);
}

static void members(void)
{
    OK("{\"members\":[{\"name\":\"A\"},{\"name\":\"B\",\"url\":\"https://b.example\"},"
       "{\"name\":\"C\",\"url\":null}]}");
    BAD("{\"members\":{\"name\":\"A\"}}", "members", "list");
    BAD("{\"members\":[{\"name\":\"A\"},{\"url\":\"https://b.example\"}]}", "members[1].name",
        "required");
    BAD("{\"members\":[{\"name\":\"\"}]}", "members[0].name", "empty");
    BAD("{\"members\":[\"A\"]}", "members[0]", "object");
    BAD("{\"members\":[{\"name\":\"A\",\"url\":\"b.example\"}]}", "members[0].url", "http");
    BAD("{\"members\":[{\"name\":\"A\",\"size\":3}]}", "members[0].size", "not a known field");
    /* more than 2000 is one reason on the list */
    core_value body = core_value_obj(), list = core_value_arr();
    for (int i = 0; i < CORE_PROFILE_MAX_MEMBERS + 1; i++) {
        core_value m = core_value_obj();
        core_value_set(&A, &m, "name", core_value_cstr(&A, "M"));
        core_value_push(&A, &list, m);
    }
    core_value_set(&A, &body, "members", list);
    core_fields f;
    core_fields_init(&f, &A);
    core_profile_validate(&f, CO, &body, true);
    CHECK_EQ(nreasons(&f), 1);
    CHECK(strstr(reason(&f, "members"), "at most 2000") != NULL);
    /* exactly 2000 pass */
    list.u.arr.len = CORE_PROFILE_MAX_MEMBERS;
    body = core_value_obj();
    core_value_set(&A, &body, "members", list);
    core_fields_init(&f, &A);
    core_profile_validate(&f, CO, &body, true);
    CHECK_EQ(nreasons(&f), 0);
    /* many bad items: the first 20 are listed, then a summary on the list */
    for (size_t i = 0; i < 50; i++)
        list.u.arr.items[i] = core_value_int(1);
    body = core_value_obj();
    core_value_set(&A, &body, "members", list);
    core_fields_init(&f, &A);
    core_profile_validate(&f, CO, &body, true);
    CHECK_EQ(nreasons(&f), 21);
    CHECK(reason(&f, "members[19]") != NULL);
    CHECK(reason(&f, "members[20]") == NULL);
    CHECK(strstr(reason(&f, "members"), "50 invalid items") != NULL);
}

static void vocabularies(void)
{
    OK("{\"ecosystems\":[\"aerospace_defence\",\"tourism\"],\"services\":[\"skills\"]}");
    BAD("{\"ecosystems\":[\"digital\",\"space\"]}", "ecosystems[1]",
        "must be one of: aerospace_defence, agri_food, construction");
    BAD("{\"ecosystems\":[\"digital\",\"digital\"]}", "ecosystems[1]", "second time");
    BAD("{\"ecosystems\":\"digital\"}", "ecosystems", "list of industrial ecosystems");
    BAD("{\"services\":[\"coaching\"]}", "services[0]", "animation, marketing");
    BAD("{\"services\":[\"Training\"]}", "services[0]", "one of");
    BAD("{\"services\":[1]}", "services[0]", "one of");
    /* longer than the vocabulary: some entry must repeat */
    BAD("{\"services\":[\"skills\",\"skills\",\"skills\",\"skills\",\"skills\",\"skills\","
        "\"skills\",\"skills\",\"skills\",\"skills\",\"skills\"]}",
        "services", "at most once");
    OK("{\"excellence_label\":\"none\"}");
    OK("{\"excellence_label\":\"bronze\"}");
    BAD("{\"excellence_label\":\"platinum\"}", "excellence_label", "none, bronze, silver, gold");
    BAD("{\"excellence_label\":\"Gold\"}", "excellence_label", NULL);
    OK("{\"officially_recognised\":false}");
    BAD("{\"officially_recognised\":\"yes\"}", "officially_recognised", "true or false");
    BAD("{\"officially_recognised\":1}", "officially_recognised", NULL);
}

static void keywords(void)
{
    OK("{\"keywords\":[\"AI\",\"robotics\",\"Ελληνικά\"]}");
    BAD("{\"keywords\":\"ai\"}", "keywords", "list");
    BAD("{\"keywords\":[\"\"]}", "keywords[0]", "empty");
    BAD("{\"keywords\":[\"ok\",7]}", "keywords[1]", "string");
    BAD("{\"keywords\":[\"AI\",\"ai\"]}", "keywords[1]", "repeats keyword 0");
    BAD("{\"keywords\":[\"0123456789012345678901234567890123456789012345678901234567890\"]}",
        "keywords[0]", "at most 60");
    OK("{\"keywords\":[\"012345678901234567890123456789012345678901234567890123456789\"]}");
    char *many = core_arena_alloc(&A, 1000), *o = many;
    o += sprintf(o, "{\"keywords\":[");
    for (int i = 0; i < 31; i++)
        o += sprintf(o, "%s\"k%d\"", i ? "," : "", i);
    strcpy(o, "]}");
    BAD(many, "keywords", "at most 30");
}

static void cooperation_countries(void)
{
    OK("{\"cooperation_countries\":[\"none\"]}");
    OK("{\"cooperation_countries\":[\"FR\",\"US\",\"UA\"]}");
    OK("{\"cooperation_countries\":[]}");
    BAD("{\"cooperation_countries\":[\"none\",\"FR\"]}", "cooperation_countries",
        "cannot be combined");
    BAD("{\"cooperation_countries\":[\"FR\",\"none\"]}", "cooperation_countries",
        "cannot be combined");
    BAD("{\"cooperation_countries\":[\"FR\",\"fr\"]}", "cooperation_countries[1]", "capitals");
    BAD("{\"cooperation_countries\":[\"FR\",\"FR\"]}", "cooperation_countries[1]", "second time");
    BAD("{\"cooperation_countries\":[\"NONE\"]}", "cooperation_countries[0]", NULL);
    BAD("{\"cooperation_countries\":\"none\"}", "cooperation_countries", "[\"none\"]");
}

static void contact(void)
{
    OK("{\"contact\":{\"name\":\"Jan Kowalski\",\"email\":\"jan@example.pl\"}}");
    BAD("{\"contact\":{\"name\":\"Jan\"}}", "contact.email", "required");
    BAD("{\"contact\":{\"email\":\"jan@example.pl\"}}", "contact.name", "required");
    BAD("{\"contact\":{\"name\":\"Jan\",\"email\":\"jan@\"}}", "contact.email", "e-mail");
    BAD("{\"contact\":{\"name\":\"Jan\",\"email\":\"jan at example.pl\"}}", "contact.email", NULL);
    BAD("{\"contact\":{\"name\":\"Jan\",\"email\":\"jan@example.pl\",\"phone\":\"1\"}}",
        "contact.phone", "not a known field");
    BAD("{\"contact\":\"jan@example.pl\"}", "contact", "object");
    core_fields f = validate(CO, "{\"contact\":{}}", true);
    CHECK_EQ(nreasons(&f), 2);
    CHECK(reason(&f, "contact.name") != NULL && reason(&f, "contact.email") != NULL);
    char *long_name = core_arena_alloc(&A, 300);
    strcpy(long_name, "{\"contact\":{\"email\":\"a@example.eu\",\"name\":\"");
    size_t n = strlen(long_name);
    memset(long_name + n, 'n', 101);
    strcpy(long_name + n + 101, "\"}}");
    BAD(long_name, "contact.name", "at most 100");
}

static void affiliations(void)
{
    expect_valid(CM, "{\"affiliations\":[\"01HZX3V5W6Y7Z8A9B0C1D2E3F4\"]}", true);
    expect_one(CM, "{\"affiliations\":[\"not-an-id\"]}", true, "affiliations[0]", "profile id");
    expect_one(CM, "{\"affiliations\":[\"01HZX3V5W6Y7Z8A9B0C1D2E3FU\"]}", true, "affiliations[0]",
               "profile id"); /* U is not Crockford base32 */
    expect_one(CM,
               "{\"affiliations\":[\"01HZX3V5W6Y7Z8A9B0C1D2E3F4\",\"01HZX3V5W6Y7Z8A9B0C1D2E3F4\"]}",
               true, "affiliations[1]", "repeats");
    expect_one(CM, "{\"affiliations\":\"01HZX3V5W6Y7Z8A9B0C1D2E3F4\"}", true, "affiliations",
               "list");
    char *many = core_arena_alloc(&A, 1000), *o = many;
    o += sprintf(o, "{\"affiliations\":[");
    for (int i = 0; i < 21; i++)
        o += sprintf(o, "%s\"01HZX3V5W6Y7Z8A9B0C1D2E3%02d\"", i ? "," : "", i);
    strcpy(o, "]}");
    expect_one(CM, many, true, "affiliations", "at most 20");
}

static void several_failures_at_once(void)
{
    core_fields f = validate(CO,
                             "{\"name\":\"\",\"country\":\"XX\",\"website\":\"nope\","
                             "\"members_count\":-3,\"ecosystems\":[\"space\"],"
                             "\"contact\":{\"name\":\"A\",\"email\":\"bad\"},"
                             "\"members\":[{\"name\":\"ok\"},{\"url\":\"x\"}],\"colour\":\"red\","
                             "\"affiliations\":[]}",
                             false);
    const char *expected[] = {"name",          "country",       "website",         "members_count",
                              "ecosystems[0]", "contact.email", "members[1].name", "members[1].url",
                              "colour",        "affiliations"};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        if (reason(&f, expected[i]) == NULL) {
            fprintf(stderr, "  no reason for %s\n", expected[i]);
            dump(&f);
        }
        CHECK(reason(&f, expected[i]) != NULL);
    }
    CHECK_EQ(nreasons(&f), sizeof(expected) / sizeof(expected[0]));
    /* a new profile needs name and country */
    f = validate(CORE_PROFILE_POLICY_INSTITUTION, "{\"city\":\"Wien\"}", false);
    CHECK_EQ(nreasons(&f), 2);
    CHECK_STR_EQ(reason(&f, "name"), "is required");
    CHECK_STR_EQ(reason(&f, "country"), "is required");
}

static void type_specific_fields(void)
{
    /* cluster fields on a cluster member, affiliations on a cluster */
    expect_one(CM, "{\"members_count\":20}", true, "members_count",
               "does not apply to cluster_member profiles");
    expect_one(CO, "{\"affiliations\":[]}", true, "affiliations", "only to cluster_member");
    expect_one(CORE_PROFILE_TRAINING_PROVIDER, "{\"excellence_label\":\"gold\"}", true,
               "excellence_label", "cluster_organisation");
    expect_one(CORE_PROFILE_POLICY_INSTITUTION, "{\"services\":[\"training\"]}", true, "services",
               NULL);
    /* even a null is rejected when the field does not belong to the type */
    expect_one(CORE_PROFILE_RESOURCE_EFFICIENCY_PROVIDER, "{\"management_fte\":null}", true,
               "management_fte", "does not apply");
    /* the cluster-like types share the cluster fields */
    const core_profile_type clusterish[] = {CO, CORE_PROFILE_CLUSTER_PARTNERSHIP,
                                            CORE_PROFILE_META_CLUSTER_NETWORK,
                                            CORE_PROFILE_NATIONAL_ASSOCIATION};
    for (size_t i = 0; i < 4; i++)
        expect_valid(
            clusterish[i],
            "{\"management_fte\":1,\"members_count\":3,\"member_composition\":{\"smes\":3},"
            "\"members\":[],\"services\":[],\"excellence_label\":\"none\","
            "\"officially_recognised\":false}",
            true);
}

static void unknown_fields(void)
{
    expect_one(CO, "{\"colour\":\"red\"}", true, "colour", "is not a known field");
    expect_one(CO, "{\"id\":\"x\"}", true, "id", "is not a known field");
    expect_one(CO, "{\"type\":\"cluster_member\"}", true, "type", "cannot be changed");
    core_fields f;
    core_fields_init(&f, &A);
    core_value arr = core_value_arr();
    core_profile_validate(&f, CO, &arr, true);
    CHECK(reason(&f, "body") != NULL);
    core_fields_init(&f, &A);
    core_value obj = core_value_obj();
    core_profile_validate(&f, (core_profile_type)42, &obj, true);
    CHECK(strstr(reason(&f, "type"), "cluster_organisation") != NULL);
}

static void patch_mode(void)
{
    /* absent fields are ignored, null clears */
    OK("{}");
    OK("{\"description\":null,\"website\":null,\"contact\":null,\"members\":null,"
       "\"member_composition\":null,\"languages\":null,\"excellence_label\":null}");
    /* name and country cannot be cleared */
    BAD("{\"name\":null}", "name", "cannot be cleared");
    BAD("{\"country\":null}", "country", "cannot be cleared");
    /* on create, a null name is simply missing */
    expect_one(CO, "{\"name\":null,\"country\":\"DE\"}", false, "name", "is required");
    /* a patch still validates what it carries */
    BAD("{\"description\":\"ok\",\"members_count\":\"many\"}", "members_count", NULL);
}

static core_fields missing(core_profile_type t, const char *json)
{
    core_fields f;
    core_fields_init(&f, &A);
    core_value v = J(json);
    core_profile_missing(&f, t, &v);
    return f;
}

static void mandatory_fields(void)
{
    core_fields f = missing(CO, FULL_CLUSTER);
    CHECK_EQ(nreasons(&f), 0);
    f = missing(CO, "{\"name\":\"X\",\"country\":\"DE\"}");
    const char *co[] = {
        "city",          "description",        "website",        "ecosystems", "services",
        "members_count", "member_composition", "management_fte", "contact"};
    for (size_t i = 0; i < sizeof(co) / sizeof(co[0]); i++)
        CHECK_STR_EQ(reason(&f, co[i]), "is required before submitting");
    CHECK_EQ(nreasons(&f), sizeof(co) / sizeof(co[0]));
    /* empty strings, lists and objects, and null, count as missing; 0 does not */
    f = missing(CO, "{\"name\":\" \",\"country\":\"DE\",\"city\":\"\",\"description\":null,"
                    "\"website\":\"https://x.eu\",\"ecosystems\":[],\"services\":[\"skills\"],"
                    "\"members_count\":0,\"member_composition\":{},\"management_fte\":0,"
                    "\"contact\":{\"name\":\"C\",\"email\":\"c@x.eu\"}}");
    CHECK_EQ(nreasons(&f), 5);
    CHECK(reason(&f, "name") && reason(&f, "city") && reason(&f, "description") &&
          reason(&f, "ecosystems") && reason(&f, "member_composition"));

    f = missing(CM, "{\"name\":\"M\",\"country\":\"DE\",\"city\":\"C\",\"description\":\"D\"}");
    CHECK_EQ(nreasons(&f), 1);
    CHECK(reason(&f, "affiliations") != NULL);
    for (int t = CORE_PROFILE_CLUSTER_PARTNERSHIP; t < CORE_PROFILE_TYPE_COUNT; t++) {
        f = missing((core_profile_type)t, "{\"name\":\"X\",\"country\":\"DE\"}");
        CHECK_EQ(nreasons(&f), 4);
        CHECK(reason(&f, "city") && reason(&f, "description") && reason(&f, "website") &&
              reason(&f, "contact"));
    }
    f = missing(CORE_PROFILE_TRAINING_PROVIDER,
                "{\"name\":\"Skills Academy\",\"country\":\"AT\",\"city\":\"Wien\","
                "\"description\":\"Courses\",\"website\":\"https://skills.example.at\","
                "\"contact\":{\"name\":\"S\",\"email\":\"s@example.eu\"}}");
    CHECK_EQ(nreasons(&f), 0);
}

/* The check item for criterion id, or NULL. */
static const core_value *item(const core_value *list, const char *id)
{
    for (size_t i = 0; i < list->u.arr.len; i++)
        if (strcmp(core_value_get_str(&list->u.arr.items[i], "criterion"), id) == 0)
            return &list->u.arr.items[i];
    return NULL;
}

static bool ok_of(const core_value *list, const char *id)
{
    const core_value *it = item(list, id);
    CHECK(it != NULL);
    const char *msg = core_value_get_str(it, "message");
    CHECK(msg != NULL && strlen(msg) > 10 && msg[strlen(msg) - 1] == '.');
    return core_value_get(it, "ok")->u.b;
}

/* A cluster that meets every criterion exactly at its boundary, with one field replaced. */
static core_value boundary_cluster(const char *field, const char *json)
{
    core_value v = J("{\"name\":\"B\",\"country\":\"DE\",\"city\":\"C\",\"description\":\"D\","
                     "\"website\":\"https://b.example\",\"management_fte\":0.5,"
                     "\"members_count\":15,\"member_composition\":{\"smes\":14,\"research\":1},"
                     "\"ecosystems\":[\"digital\"],\"services\":[\"training\",\"skills\"],"
                     "\"contact\":{\"name\":\"C\",\"email\":\"c@b.example\"}}");
    if (field != NULL) {
        for (size_t i = 0; i < v.u.obj.len; i++)
            if (strcmp(v.u.obj.items[i].key.ptr, field) == 0)
                v.u.obj.items[i].value = J(json);
    }
    return v;
}

static void criteria_at_boundaries(void)
{
    core_value v = boundary_cluster(NULL, NULL);
    core_value list = core_profile_check(&A, CO, &v);
    CHECK_EQ(list.u.arr.len, 6 + 11);
    const char *ids[] = {"management_fte", "website",        "members_count",
                         "member_types",   "thematic_focus", "services"};
    for (size_t i = 0; i < 6; i++) {
        CHECK_STR_EQ(core_value_get_str(&list.u.arr.items[i], "criterion"), ids[i]);
        CHECK(ok_of(&list, ids[i]));
    }
    CHECK(ok_of(&list, "field:name") && ok_of(&list, "field:management_fte"));
    CHECK(core_profile_criteria_pass(CO, &v));
    CHECK_STR_EQ(core_value_get_str(item(&list, "members_count"), "message"),
                 "The cluster has 15 members (at least 15 needed).");

    struct {
        const char *field, *json, *criterion, *needle;
    } fails[] = {
        {"management_fte", "0.49", "management_fte", "0.49 FTE; at least 0.5"},
        {"management_fte", "null", "management_fte", "not given"},
        {"website", "\"\"", "website", "no website"},
        {"website", "\"not a url\"", "website", "not a valid"},
        {"members_count", "14", "members_count", "The cluster has 14 members; at least 15"},
        {"members_count", "1", "members_count", "1 member;"},
        {"member_composition", "{\"smes\":15,\"research\":0}", "member_types", "one type (SMEs)"},
        {"member_composition", "{}", "member_types", "no member type"},
        {"ecosystems", "[]", "thematic_focus", "no industrial ecosystem"},
        {"ecosystems", "[\"nonsense\"]", "thematic_focus", "no industrial ecosystem"},
        {"services", "[\"training\"]", "services", "1 service (Training); at least 2"},
        {"services", "[\"training\",\"training\"]", "services", "1 service"},
        {"services", "[]", "services", "no services"},
    };
    for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
        v = boundary_cluster(fails[i].field, fails[i].json);
        list = core_profile_check(&A, CO, &v);
        int failing = 0;
        for (size_t k = 0; k < 6; k++)
            failing += !core_value_get(&list.u.arr.items[k], "ok")->u.b;
        const char *msg = core_value_get_str(item(&list, fails[i].criterion), "message");
        if (failing != 1 || ok_of(&list, fails[i].criterion) ||
            strstr(msg, fails[i].needle) == NULL)
            fprintf(stderr, "  case %zu: %d failing, message: %s\n", i, failing, msg);
        CHECK_EQ(failing, 1);
        CHECK(!ok_of(&list, fails[i].criterion));
        CHECK(strstr(msg, fails[i].needle) != NULL);
        CHECK(!core_profile_criteria_pass(CO, &v));
    }
    /* passing messages name what is there */
    v = boundary_cluster("members_count", "40");
    list = core_profile_check(&A, CO, &v);
    CHECK_STR_EQ(core_value_get_str(item(&list, "members_count"), "message"),
                 "The cluster has 40 members (at least 15 needed).");
    CHECK(strstr(core_value_get_str(item(&list, "member_types"), "message"), "2 types") != NULL);
    CHECK(strstr(core_value_get_str(item(&list, "thematic_focus"), "message"), "Digital") != NULL);
    CHECK(strstr(core_value_get_str(item(&list, "management_fte"), "message"), "0.5 FTE") != NULL);
    /* a missing mandatory field shows in the check list */
    v = boundary_cluster("contact", "null");
    list = core_profile_check(&A, CO, &v);
    CHECK(!ok_of(&list, "field:contact"));
    CHECK(strstr(core_value_get_str(item(&list, "field:contact"), "message"),
                 "required before submitting") != NULL);
    CHECK(core_profile_criteria_pass(CO, &v)); /* mandatory fields are not criteria */

    /* other types: no criteria, only their mandatory fields */
    core_value m = J("{\"name\":\"M\",\"country\":\"DE\"}");
    list = core_profile_check(&A, CM, &m);
    CHECK_EQ(list.u.arr.len, 5);
    CHECK(item(&list, "members_count") == NULL);
    CHECK(ok_of(&list, "field:name"));
    CHECK(!ok_of(&list, "field:affiliations"));
    CHECK(core_profile_criteria_pass(CM, &m));
    list = core_profile_check(&A, CORE_PROFILE_NATIONAL_ASSOCIATION, &m);
    CHECK_EQ(list.u.arr.len, 6);
    CHECK(core_profile_criteria_pass(CORE_PROFILE_NATIONAL_ASSOCIATION, &m));
    CHECK(!core_profile_criteria_pass(CO, &m));
}

static void folding(void)
{
#define FOLD(in, out) CHECK_STR_EQ(core_fold_diacritics(&A, in, strlen(in)), out)
    FOLD("Żywność", "zywnosc");
    FOLD("Mobilité", "mobilite");
    FOLD("Ελλάδα", "ελλαδα");
    FOLD("Röhr", "rohr");
    FOLD("Straße", "strasse");
    FOLD("STRAẞE", "strasse");
    FOLD("Łódź", "lodz");
    FOLD("Øresund", "oresund");
    FOLD("Đakovo", "dakovo");
    FOLD("Æbeltoft Œuvre", "aebeltoft oeuvre");
    FOLD("Iğdır İzmir", "igdir izmir");
    FOLD("Științe Țară", "stiinte tara");
    FOLD("Şişli", "sisli"); /* Turkish/old Romanian cedilla forms */
    FOLD("Việt Nam Đường", "viet nam duong");
    FOLD("Čeština Ěřů", "cestina eru");
    FOLD("ÀÁÂÃÄÅ àáâãäå", "aaaaaa aaaaaa");
    FOLD("Þingvellir", "thingvellir");
    FOLD("ΆΈΉΊΌΎΏ", "αεηιουω");
    FOLD("ϊ ΐ ϋ ΰ Ϊ", "ι ι υ υ ι");
    FOLD("Οδυσσεύς", "οδυσσευσ");     /* final sigma */
    FOLD("Йошкар-Ола", "йошкар-ола"); /* й, ў, ѓ, ќ are letters of their own (core/text.c) */
    FOLD("Ўзбекистон Ѓорѓи Ќоле", "ўзбекистон ѓорѓи ќоле");
    FOLD("Ɓamako Ɗakar Ƙano Ƭogo", "bamako dakar kano togo"); /* hooks */
    FOLD("Ɔ Ɛ Ǝ ǝ", "ɔ ɛ ǝ ǝ");                               /* letters of their own */
    FOLD("ǸǹǺǻ", "nnaa");
    FOLD("2×3÷4", "2×3÷4"); /* symbols are no letters: only lowercased, like punctuation */
    FOLD("Ёлка Її", "елка іі");
    FOLD("Ђорђе", "ђорђе");            /* a letter of its own stays */
    FOLD("e\xcc\x81t\xc3\xa9", "ete"); /* decomposed é folds like composed */
    FOLD("ABC xyz 123 -.,", "abc xyz 123 -.,");
    FOLD("日本語", "日本語");
    FOLD("", "");
    /* ill-formed input does not crash */
    char *r = core_fold_diacritics(&A, "\xff\xc3", 2);
    CHECK(r != NULL);
#undef FOLD
}

static void name_keys(void)
{
    const char *variants[] = {"Klaster Mobilité, e.V.",      "klaster mobilite ev",
                              "  KLASTER   MOBILITÉ  e.V. ", "Klaster\tMobilite (e.V.)",
                              "Klaster Mobilité – e.V.",     "„Klaster Mobilité“ e.V."};
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
        CHECK_STR_EQ(core_profile_name_key(&A, variants[i]), "klaster mobilite ev");
    CHECK_STR_EQ(core_profile_name_key(&A, "Ελληνικό Σύμπλεγμα"), "ελληνικο συμπλεγμα");
    CHECK_STR_EQ(core_profile_name_key(&A, "A / B"), "a b");
    CHECK_STR_EQ(core_profile_name_key(&A, "R&D-Cluster Nord"), "rdcluster nord");
    CHECK_STR_EQ(core_profile_name_key(&A, "...!!!"), "");
    CHECK_STR_EQ(core_profile_name_key(&A, ""), "");
    CHECK(core_profile_name_key(&A, NULL) == NULL);
    CHECK(strcmp(core_profile_name_key(&A, "Klaster Nord"),
                 core_profile_name_key(&A, "Klaster Süd")) != 0);
}

static void url_domains(void)
{
    CHECK_STR_EQ(core_url_domain(&A, "https://www.Example.eu:8443/x"), "example.eu");
    CHECK_STR_EQ(core_url_domain(&A, "http://dck.example.de"), "dck.example.de");
    CHECK_STR_EQ(core_url_domain(&A, "HTTPS://WWW.DCK.EXAMPLE.DE/path?q#f"), "dck.example.de");
    CHECK_STR_EQ(core_url_domain(&A, "https://example.eu./"), "example.eu");
    CHECK_STR_EQ(core_url_domain(&A, "https://www.eu"), "www.eu"); /* nothing left otherwise */
    CHECK_STR_EQ(core_url_domain(&A, "https://wwwx.example.eu"), "wwwx.example.eu");
    CHECK_STR_EQ(core_url_domain(&A, "https://MÜNCHEN.example.de"), "münchen.example.de");
    CHECK(core_url_domain(&A, "example.eu") == NULL);
    CHECK(core_url_domain(&A, "ftp://example.eu") == NULL);
    CHECK(core_url_domain(&A, "https://localhost") == NULL);
    CHECK(core_url_domain(&A, "https://a b.eu") == NULL);
    CHECK(core_url_domain(&A, "") == NULL);
    CHECK(core_url_domain(&A, NULL) == NULL);
}

/* ---- edit distance ---- */

static size_t reference_distance(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
    size_t *d = malloc((la + 1) * (lb + 1) * sizeof(size_t));
    for (size_t i = 0; i <= la; i++)
        d[i * (lb + 1)] = i;
    for (size_t j = 0; j <= lb; j++)
        d[j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t v = d[(i - 1) * (lb + 1) + j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[(i - 1) * (lb + 1) + j] + 1, ins = d[i * (lb + 1) + j - 1] + 1;
            v = del < v ? del : v;
            v = ins < v ? ins : v;
            d[i * (lb + 1) + j] = v;
        }
    size_t r = d[la * (lb + 1) + lb];
    free(d);
    return r;
}

static uint64_t rng;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* A random string over a small alphabet mixing 1-, 2- and 3-byte code points, so edits
 * collide often and byte and code point positions differ. */
static size_t random_string(uint32_t *cps, char *utf8, size_t maxlen)
{
    static const uint32_t alphabet[] = {'a', 'b', 'c', 0xE9, 0x142, 0x3B1, 0x416, 0x20AC};
    size_t n = next_rand() % (maxlen + 1), o = 0;
    for (size_t i = 0; i < n; i++) {
        cps[i] = alphabet[next_rand() % 8];
        o += core_utf8_put(cps[i], utf8 + o);
    }
    utf8[o] = '\0';
    return n;
}

static void edit_distance_matches_reference(void)
{
    uint32_t ca[400], cb[400];
    char sa[1300], sb[1300];
    for (uint64_t seed = 1; seed <= 3000; seed++) {
        rng = seed * 0x9E3779B97F4A7C15ull;
        size_t maxlen = seed % 10 == 0 ? 300 : 24; /* some long ones use the heap path */
        size_t la = random_string(ca, sa, maxlen), lb = random_string(cb, sb, maxlen);
        if (seed % 3 == 0) { /* near copies, so small distances are common */
            lb = la;
            memcpy(cb, ca, la * sizeof(uint32_t));
            for (int e = next_rand() % 4; e > 0 && lb > 0; e--)
                cb[next_rand() % lb] = 'z';
            size_t o = 0;
            for (size_t i = 0; i < lb; i++)
                o += core_utf8_put(cb[i], sb + o);
            sb[o] = '\0';
        }
        size_t ref = reference_distance(ca, la, cb, lb);
        size_t maxes[] = {0, 1, 2, 3, 5, 8, ref, ref > 0 ? ref - 1 : 0, 1000, SIZE_MAX};
        for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
            size_t got = core_edit_distance(sa, sb, maxes[m]);
            size_t want = ref <= maxes[m] ? ref : maxes[m] + 1;
            if (got != want)
                fprintf(stderr, "  seed %llu max %zu: \"%s\" vs \"%s\": got %zu want %zu\n",
                        (unsigned long long)seed, maxes[m], sa, sb, got, want);
            CHECK_EQ(got, want);
            CHECK_EQ(core_edit_distance(sb, sa, maxes[m]), want); /* symmetric */
        }
    }
}

static void edit_distance_cut_off(void)
{
    CHECK_EQ(core_edit_distance("kitten", "sitting", 10), 3);
    CHECK_EQ(core_edit_distance("kitten", "sitting", 3), 3);
    CHECK_EQ(core_edit_distance("kitten", "sitting", 2), 3); /* max + 1 */
    CHECK_EQ(core_edit_distance("kitten", "sitting", 0), 1);
    CHECK_EQ(core_edit_distance("", "", 0), 0);
    CHECK_EQ(core_edit_distance("", "abc", 5), 3);
    CHECK_EQ(core_edit_distance("abc", "", 1), 2);
    CHECK_EQ(core_edit_distance(NULL, "ab", 5), 2);
    CHECK_EQ(core_edit_distance("żółw", "zolw", 5), 3); /* code points, not bytes */
    CHECK_EQ(core_edit_distance("digital cluster colgne", "digital cluster cologne", 2), 1);
    /* lengths far apart: answered without the table */
    char *big = core_arena_alloc(&A, 100001);
    memset(big, 'x', 100000);
    big[100000] = '\0';
    CHECK_EQ(core_edit_distance("x", big, 3), 4);
    /* long equal-length strings with a small max: the band keeps it quick */
    char *big2 = core_arena_strndup(&A, big, 100000);
    big2[50000] = 'y';
    CHECK_EQ(core_edit_distance(big, big2, 2), 1);
    big2[0] = 'y', big2[99999] = 'y';
    CHECK_EQ(core_edit_distance(big, big2, 2), 3);
    /* completely different: the row minimum passes max early */
    char *other = core_arena_alloc(&A, 100001);
    memset(other, 'o', 100000);
    other[100000] = '\0';
    CHECK_EQ(core_edit_distance(big, other, 5), 6);
}

int main(void)
{
    core_arena_init(&A);
    CHECK_EQ(core_vocab_init(), 0);
    RUN(types_round_trip);
    RUN(full_cluster_is_valid);
    RUN(name_and_text);
    RUN(cyrillic_address_is_valid);
    RUN(country);
    RUN(coordinates);
    RUN(website);
    RUN(languages);
    RUN(numbers);
    RUN(member_composition);
    RUN(members);
    RUN(vocabularies);
    RUN(keywords);
    RUN(cooperation_countries);
    RUN(contact);
    RUN(affiliations);
    RUN(several_failures_at_once);
    RUN(type_specific_fields);
    RUN(unknown_fields);
    RUN(patch_mode);
    RUN(mandatory_fields);
    RUN(criteria_at_boundaries);
    RUN(folding);
    RUN(name_keys);
    RUN(url_domains);
    RUN(edit_distance_matches_reference);
    RUN(edit_distance_cut_off);
    core_arena_dispose(&A);
    return 0;
}
