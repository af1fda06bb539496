/*
 * test_vocab.c: the vocabulary, country and language tables loaded from the embedded
 * data (core/vocab.h): sizes, the API's identifiers with their names, eligibility flags,
 * case-insensitive code lookups and rejection of anything else.
 *
 * Eligibility sources: the Single Market Programme regulation (EU) 2021/690, art. 5
 * (third countries associated to the programme), and the Commission's list of countries
 * associated to the SMP: EEA members Iceland and Norway, and Albania, Armenia, Bosnia and
 * Herzegovina, Kosovo, Moldova, Montenegro, North Macedonia, Serbia, Türkiye and Ukraine.
 * The United Kingdom's association after 2020 covers Horizon Europe and Copernicus only,
 * so GB is not eligible; neither are Switzerland and other third countries.
 */
#include "core/vocab.h"
#include "check.h"

#include <pthread.h>

#define S(lit) lit, sizeof(lit) - 1

static void test_init(void)
{
    CHECK_EQ(core_vocab_init(), 0);
    CHECK_EQ(core_vocab_init(), 0); /* idempotent */
    CHECK_EQ(CORE_VOCAB_ENOTFOUND, CORE_ENOTFOUND);
}

static void *find_in_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++)
        if (core_country_find(S("de")) < 0 ||
            core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("digital")) < 0)
            return (void *)1;
    return NULL;
}

/* Concurrent first use must see fully loaded tables (run before test_init's explicit
 * call would hide it, so it comes first in main). */
static void test_concurrent_first_use(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, find_in_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *ret = (void *)1;
        CHECK_EQ(pthread_join(t[i], &ret), 0);
        CHECK(ret == NULL);
    }
}

static void test_country_count(void)
{
    /* 249 ISO 3166-1 codes plus XK. */
    CHECK_EQ(core_country_count(), 250);
    for (size_t id = 0; id < core_country_count(); id++) {
        const core_country *c = core_country_at(id);
        CHECK(c != NULL);
        CHECK_EQ(strlen(c->code), 2);
        CHECK(c->name[0] != '\0');
        CHECK_EQ(core_country_find(c->code, 2), (int64_t)id);
        if (id > 0)
            CHECK_LT(strcmp(core_country_at(id - 1)->code, c->code), 0);
    }
    CHECK(core_country_at(core_country_count()) == NULL);
}

static void test_country_eligibility(void)
{
    static const char *const eligible[] = {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", /* EU */
        "IS", "NO", "AL", "BA", "XK", "ME", "MK", "RS", "TR", "AM", "MD", "UA"};
    static const char *const not_eligible[] = {"US", "CN", "GB", "CH", "RU", "BY", "JP", "IN"};
    size_t n_eligible = sizeof(eligible) / sizeof(eligible[0]);
    for (size_t i = 0; i < n_eligible; i++)
        CHECK_EQ(core_country_eligible(eligible[i], 2), 1);
    for (size_t i = 0; i < sizeof(not_eligible) / sizeof(not_eligible[0]); i++)
        CHECK_EQ(core_country_eligible(not_eligible[i], 2), 0);

    size_t count = 0;
    for (size_t id = 0; id < core_country_count(); id++)
        count += core_country_at(id)->eligible;
    CHECK_EQ(count, n_eligible);
    CHECK_EQ(core_country_eligible(S("QQ")), CORE_VOCAB_ENOTFOUND);
}

static void test_country_lookup(void)
{
    int de = core_country_find(S("DE"));
    CHECK_GE(de, 0);
    CHECK_EQ(core_country_find(S("de")), de);
    CHECK_EQ(core_country_find(S("De")), de);
    CHECK_EQ(core_country_find(S("dE")), de);
    CHECK_STR_EQ(core_country_at(de)->code, "DE");
    CHECK_STR_EQ(core_country_at(de)->name, "Germany");
    CHECK_STR_EQ(core_country_at(core_country_find(S("tr")))->name, "Türkiye");
    CHECK_STR_EQ(core_country_at(core_country_find(S("XK")))->name, "Kosovo");
    CHECK_STR_EQ(core_country_at(core_country_find(S("MK")))->name, "North Macedonia");

    /* A slice, not a C string: the bytes after LEN do not matter. */
    CHECK_EQ(core_country_find("FRANCE", 2), core_country_find(S("FR")));

    CHECK_EQ(core_country_find(S("")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("D")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("DEU")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("ZZ")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("EU")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("UK")), CORE_VOCAB_ENOTFOUND); /* the code is GB */
    CHECK_EQ(core_country_find(S("none")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("1A")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("D\0")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(S("\xc3\x9c")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_country_find(NULL, 2), CORE_VOCAB_ENOTFOUND);
}

static void test_country_languages(void)
{
    const core_country *be = core_country_at(core_country_find(S("BE")));
    CHECK_EQ(be->language_count, 3);
    CHECK_STR_EQ(core_language_at(be->languages[0])->code, "nl");
    CHECK_STR_EQ(core_language_at(be->languages[1])->code, "fr");
    CHECK_STR_EQ(core_language_at(be->languages[2])->code, "de");
    /* Every eligible country has at least one language. */
    for (size_t id = 0; id < core_country_count(); id++) {
        const core_country *c = core_country_at(id);
        if (c->eligible)
            CHECK_GE(c->language_count, 1);
    }
}

/* Checks that vocabulary KIND holds exactly IDS, in that order, each with a name. */
static void check_vocab(core_vocab_kind kind, const char *const *ids, size_t n)
{
    CHECK_EQ(core_vocab_count(kind), n);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(core_vocab_find(kind, ids[i], strlen(ids[i])), (int64_t)i);
        CHECK_STR_EQ(core_vocab_id(kind, i), ids[i]);
        const char *name = core_vocab_name(kind, i);
        CHECK(name != NULL && name[0] != '\0');
        CHECK(strcmp(name, ids[i]) != 0);
    }
    CHECK(core_vocab_id(kind, n) == NULL);
    CHECK(core_vocab_name(kind, n) == NULL);
}

static void test_vocabularies(void)
{
    static const char *const ecosystems[] = {"aerospace_defence",
                                             "agri_food",
                                             "construction",
                                             "cultural_creative",
                                             "digital",
                                             "electronics",
                                             "energy_intensive",
                                             "energy_renewables",
                                             "health",
                                             "mobility_transport_automotive",
                                             "proximity_social_economy",
                                             "retail",
                                             "textile",
                                             "tourism"};
    static const char *const services[] = {"animation",
                                           "marketing",
                                           "facilities",
                                           "training",
                                           "internationalisation",
                                           "innovation_support",
                                           "access_to_finance",
                                           "matchmaking",
                                           "market_intelligence",
                                           "skills"};
    static const char *const member_types[] = {"large_companies", "smes",          "research",
                                               "public_bodies",   "civil_society", "other"};
    static const char *const objectives[] = {
        "market_exploration", "technology_transfer",  "cluster_management_learning",
        "joint_projects",     "internationalisation", "skills_development",
        "policy_learning"};
    CHECK_EQ(sizeof(ecosystems) / sizeof(ecosystems[0]), 14);
    CHECK_EQ(sizeof(services) / sizeof(services[0]), 10);
    CHECK_EQ(sizeof(member_types) / sizeof(member_types[0]), 6);
    CHECK_EQ(sizeof(objectives) / sizeof(objectives[0]), 7);
    check_vocab(CORE_VOCAB_ECOSYSTEM, ecosystems, 14);
    check_vocab(CORE_VOCAB_SERVICE, services, 10);
    check_vocab(CORE_VOCAB_MEMBER_TYPE, member_types, 6);
    check_vocab(CORE_VOCAB_OBJECTIVE, objectives, 7);

    CHECK_STR_EQ(
        core_vocab_name(CORE_VOCAB_ECOSYSTEM,
                        core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("mobility_transport_automotive"))),
        "Mobility, Transport and Automotive");
    CHECK_STR_EQ(core_vocab_name(CORE_VOCAB_ECOSYSTEM, 0), "Aerospace and Defence");
    CHECK_STR_EQ(core_vocab_kind_name(CORE_VOCAB_MEMBER_TYPE), "member_composition");
    CHECK(core_vocab_kind_name(CORE_VOCAB_KIND_COUNT) == NULL);
}

static void test_vocabulary_rejects(void)
{
    /* The same identifier in two vocabularies has its own index in each. */
    CHECK_GE(core_vocab_find(CORE_VOCAB_SERVICE, S("internationalisation")), 0);
    CHECK_GE(core_vocab_find(CORE_VOCAB_OBJECTIVE, S("internationalisation")), 0);
    /* An identifier of another vocabulary is not a member. */
    CHECK_EQ(core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("training")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_find(CORE_VOCAB_SERVICE, S("digital")), CORE_VOCAB_ENOTFOUND);
    /* Identifiers match exactly: case, prefixes, extensions, embedded NULs. */
    CHECK_EQ(core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("Digital")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("digita")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("digitals")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("digital\0")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_find(CORE_VOCAB_ECOSYSTEM, S("")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_find(CORE_VOCAB_ECOSYSTEM, "digital", 6), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_find(CORE_VOCAB_KIND_COUNT, S("digital")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_vocab_count(CORE_VOCAB_KIND_COUNT), 0);
}

static void test_languages(void)
{
    CHECK_EQ(core_language_count(), 184);
    int de = core_language_find(S("de"));
    CHECK_GE(de, 0);
    CHECK_EQ(core_language_find(S("DE")), de);
    CHECK_STR_EQ(core_language_at(de)->code, "de");
    CHECK_STR_EQ(core_language_at(de)->name, "German");
    CHECK_STR_EQ(core_language_at(core_language_find(S("el")))->name, "Greek");
    CHECK_STR_EQ(core_language_at(core_language_find(S("uk")))->name, "Ukrainian");
    CHECK_STR_EQ(core_language_at(core_language_find(S("sr")))->name, "Serbian");
    CHECK_EQ(core_language_find(S("deu")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_language_find(S("xx")), CORE_VOCAB_ENOTFOUND);
    CHECK_EQ(core_language_find(S("")), CORE_VOCAB_ENOTFOUND);
    for (size_t id = 0; id < core_language_count(); id++) {
        const core_language *l = core_language_at(id);
        CHECK_EQ(core_language_find(l->code, 2), (int64_t)id);
        CHECK(l->name[0] != '\0');
    }
    CHECK(core_language_at(core_language_count()) == NULL);
}

int main(void)
{
    printf("test_vocab\n");
    RUN(test_concurrent_first_use);
    RUN(test_init);
    RUN(test_country_count);
    RUN(test_country_eligibility);
    RUN(test_country_lookup);
    RUN(test_country_languages);
    RUN(test_vocabularies);
    RUN(test_vocabulary_rejects);
    RUN(test_languages);
    return 0;
}
