/*
 * profile_rules.h: the domain rules of profiles that need no store (API.md, Profiles):
 * the eight profile types, validation of the editable fields, the mandatory fields for
 * submission, the cluster-organisation validation criteria with their check list, and
 * the text helpers duplicate detection compares names and websites with.
 *
 * Everything here is a pure function over core_value trees: no store, no I/O, no
 * mutable globals, so it is safe from any thread. Whatever is returned lives in the
 * caller's arena (core_fields carries its own) and stays valid until core_arena_dispose.
 * Costs are linear in the size of the fields object, except the vocabulary and duplicate
 * checks of short lists, which are quadratic in at most a few hundred items.
 *
 * Which fields belong to which type (a field of another type is rejected with "does not
 * apply to <type> profiles"):
 *
 *   every type            name, acronym, country, region, city, address, lat, lon,
 *                         website, description, languages, year_founded, ecosystems,
 *                         keywords, cooperation_countries, contact
 *   cluster_organisation, management_fte, members_count, member_composition, members,
 *   cluster_partnership,  services, excellence_label, officially_recognised
 *   meta_cluster_network,
 *   national_association
 *   cluster_member        affiliations
 *
 * Mandatory fields before submitting to moderation (core_profile_missing):
 *
 *   cluster_organisation  name, country, city, description, website, ecosystems, services,
 *                         members_count, member_composition, management_fte, contact
 *   cluster_member        name, country, city, description, affiliations
 *   every other type      name, country, city, description, website, contact
 *
 * Field rules (core_profile_validate), in short: free text may be in any script and is
 * measured in code points; only description and address may hold line breaks or tabs;
 * optional text fields may be empty strings (name may not be blank). Codes are exact:
 * countries in capitals ("DE"), languages in lower case ("de"), vocabulary identifiers as
 * API.md spells them. year_founded runs from 1800 to the current year (UTC clock). Lists
 * reject duplicates. lat and lon are given, or cleared, together in one request. Reasons
 * of list items and nested objects are reported under paths such as "members[3].name",
 * "ecosystems[1]", "contact.email", "member_composition.smes" (0-based indexes); at most
 * 20 item reasons are listed per list, the list itself then says that more items are
 * invalid.
 */
#ifndef ECCPD_CORE_PROFILE_RULES_H
#define ECCPD_CORE_PROFILE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/check.h"
#include "core/value.h"

/* The profile types, in API.md's order. */
typedef enum core_profile_type {
    CORE_PROFILE_CLUSTER_ORGANISATION,
    CORE_PROFILE_CLUSTER_MEMBER,
    CORE_PROFILE_CLUSTER_PARTNERSHIP,
    CORE_PROFILE_NATIONAL_ASSOCIATION,
    CORE_PROFILE_META_CLUSTER_NETWORK,
    CORE_PROFILE_POLICY_INSTITUTION,
    CORE_PROFILE_RESOURCE_EFFICIENCY_PROVIDER,
    CORE_PROFILE_TRAINING_PROVIDER,
    CORE_PROFILE_TYPE_COUNT
} core_profile_type;

/* Limits the validator enforces, for documentation and for clients' forms. */
enum {
    CORE_PROFILE_MAX_MEMBERS = 2000,     /* entries of `members` */
    CORE_PROFILE_MAX_KEYWORDS = 30,      /* entries of `keywords` */
    CORE_PROFILE_MAX_AFFILIATIONS = 20,  /* entries of `affiliations` */
    CORE_PROFILE_MAX_LANGUAGES = 50,     /* entries of `languages` */
    CORE_PROFILE_MIN_YEAR_FOUNDED = 1800 /* `year_founded` runs from here to this year */
};

/* The type whose API identifier is s ("cluster_organisation" ...), matched exactly, or -1
 * when s is NULL or names no type. */
int core_profile_type_parse(const char *s);

/* The API identifier of a type ("cluster_organisation" ...), or NULL when t is out of
 * range. Static storage. */
const char *core_profile_type_name(core_profile_type t);

/* Validates a profile's editable fields (the request body without "type") for a profile
 * of type t, adding one reason per failing field to f, every failing field at once.
 * Unknown fields, "type", and fields of other types are rejected. With patch false (a
 * new profile) name and country are required and null means "not given"; with patch
 * true only the fields present are checked and null clears a field, except name and
 * country, which cannot be cleared. Adds nothing when the fields are valid. An object
 * that is not a CORE_OBJ gets the reason under "body"; a type out of range under "type". */
void core_profile_validate(core_fields *f, core_profile_type t, const core_value *fields,
                           bool patch);

/* Adds "is required before submitting" to f for every mandatory field of type t (see the
 * table above) that fields lacks. A field counts as present when it is not null and, for
 * strings, lists and objects, not empty (a string of only spaces is empty). Adds nothing
 * when every mandatory field is present, or when t is out of range. */
void core_profile_missing(core_fields *f, core_profile_type t, const core_value *fields);

/* The check list of a profile: an array of {criterion, ok, message} objects. For cluster
 * organisations it starts with the six validation criteria: "management_fte" (at least
 * 0.5 FTE), "website" (a valid http or https address), "members_count" (at least 15),
 * "member_types" (at least 2 keys of member_composition above zero), "thematic_focus" (at
 * least one ecosystem) and "services" (at least 2); then, for every type, one entry
 * "field:<name>" per mandatory field. Every message is a sentence for a person, whether
 * ok or not. The array and its strings live in arena a (valid until core_arena_dispose);
 * fields is only read. A type out of range gives an empty array. */
core_value core_profile_check(core_arena *a, core_profile_type t, const core_value *fields);

/* True when every cluster-organisation criterion of core_profile_check holds; always true
 * for the other types (they have no criteria). Allocates nothing. */
bool core_profile_criteria_pass(core_profile_type t, const core_value *fields);

/* The key duplicate detection compares profile names with: core_fold_diacritics, then
 * punctuation and symbols (ASCII punctuation, Latin-1 and general punctuation, quotes,
 * dashes, modifier apostrophes) removed without a trace, whitespace runs collapsed to one
 * space, and leading and trailing spaces trimmed. So "Klaster Mobilité, e.V." and
 * "klaster  mobilite ev" have the same key "klaster mobilite ev". The key never contains
 * '/' (store keys may embed it). An empty or all-punctuation name gives "". NULL name
 * gives NULL. NUL-terminated, in arena a, valid until core_arena_dispose. */
char *core_profile_name_key(core_arena *a, const char *name);

/* The domain of an http or https URL (scheme in any case): the host, lowercased, without
 * a leading "www." (when a dot remains after it), without port and trailing dot:
 * "https://www.Example.eu:8443/x" -> "example.eu". NULL when url is NULL or is not an
 * address the profile validator would accept (no scheme, user info, spaces, a host
 * without a dot ...). NUL-terminated, in arena a, valid until core_arena_dispose. */
char *core_url_domain(core_arena *a, const char *url);

#endif
