/*
 * demo.h: a generator of a realistic, deterministic demo platform (`eccpd demo-data`, and
 * the data a first `eccpd serve` on an empty directory starts with).
 *
 * Everything is written through the same core_txn_fn functions as the API's writes
 * (core_user_create_txn, core_profile_create_txn, _submit_txn, _moderate_txn,
 * _affiliation_txn): validation, secondary keys, change log and notifications happen
 * exactly as for a person using the platform, so the index and matcher pick the data up
 * from the change log like any other write. One organisation's life (its admin's account,
 * creation, submission, moderation, affiliation approvals) is one logical write; many of
 * them are kept in flight with core_store_submit so the committer groups them into few
 * synced batches.
 *
 * At scale 1 the data looks like the real platform: ~1,500 published cluster
 * organisations, ~200 other organisations, ~15,000 cluster members affiliated to and
 * approved by published clusters, a handful of drafts, profiles waiting for moderation
 * and declined ones, and ~10,000 ClusterXchange registrations of published organisations
 * in eligible countries (created by an admin, most accepted by the moderator). Counts grow
 * with the scale except members per cluster, which shrink, so scale 100 stays near
 * 190,000 profiles; registrations grow linearly (hosts offer further periods), so scale
 * 100 has 1,000,000 of them. The vocabulary (cities,
 * domain terms per ecosystem, local words in their own scripts) is data:
 * demo/data/cities.tsv and demo/data/words.tsv.
 *
 * Determinism: for one seed and scale, two runs write the same names, fields, states and
 * counts (the report's digest is equal); record ids and timestamps differ by design.
 * Costs: one argon2id hash in all (every demo account shares the demo password), then
 * roughly one store write per organisation; memory is bounded by the writes in flight
 * plus ~100 bytes per organisation.
 */
#ifndef ECCPD_DEMO_DEMO_H
#define ECCPD_DEMO_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/profile_rules.h"
#include "core/store.h"

/* The states a generated profile ends in (the `state` of profile.h). */
typedef enum core_demo_state {
    CORE_DEMO_DRAFT,
    CORE_DEMO_NEEDS_REVIEW,
    CORE_DEMO_PUBLISHED,
    CORE_DEMO_DECLINED,
    CORE_DEMO_STATE_COUNT
} core_demo_state;

/* Where the generator is, for a progress display. */
typedef struct core_demo_progress {
    const char *phase; /* "accounts", "organisations", "members", "registrations", "done" */
    uint64_t done;     /* organisations or members of this phase written so far */
    uint64_t total;    /* of this phase */
    uint64_t records;  /* records (users and profiles) written so far, every phase */
    double seconds;    /* since the start */
} core_demo_progress;

/* Called on the generating thread, at most about ten times a second and once at the end
 * of each phase. */
typedef void (*core_demo_progress_fn)(void *ctx, const core_demo_progress *p);

typedef struct core_demo_options {
    double scale;                   /* 1 = the real platform's size; from 0.001 to 1000 */
    uint64_t seed;                  /* same seed and scale, same data */
    const char *password;           /* every demo account's password (>= 10 characters), or
                                       NULL for a random one (given back in the report) */
    unsigned in_flight;             /* writes queued at once; 0 = 256 */
    core_demo_progress_fn progress; /* or NULL */
    void *progress_ctx;
} core_demo_options;

/* Fills o with the defaults: scale 1, seed 1, random password, 256 writes in flight. */
void core_demo_options_init(core_demo_options *o);

typedef struct core_demo_report {
    uint64_t users;                                                    /* accounts created */
    uint64_t profiles[CORE_PROFILE_TYPE_COUNT][CORE_DEMO_STATE_COUNT]; /* by type, state */
    uint64_t profiles_total;
    uint64_t affiliations_approved; /* pmember keys set to approved */
    uint64_t affiliations_pending;  /* members still waiting for their cluster */
    uint64_t criteria_waived;       /* clusters published with waive_criteria */
    uint64_t registrations[3];      /* ClusterXchange: pending, accepted, rejected */
    size_t exchanges;               /* ClusterXchange exchanges (demo/exchange.h) */
    uint64_t partner_searches;      /* with their follows, interests and comments */
    uint64_t news, logos;           /* profile content (demo/content.c) */
    uint64_t writes;                /* logical writes (one per organisation or account) */
    uint64_t failed;                /* writes the core refused: 0 unless something broke */
    uint64_t records;               /* users + profiles + registrations */
    double seconds;                 /* wall time of the whole run */
    char password[64];              /* the demo accounts' password */
    char moderator[32];             /* "demo-moderator" */
    char user[32];                  /* "demo-user" */
    char error[256];                /* the first failure's explanation, or "" */
    unsigned char digest[32];       /* SHA-256 of every generated field except ids and times */
} core_demo_report;

/* Generates the demo platform into an open store. Returns 0 when every write succeeded,
 * CORE_EINVALID when the options are out of range, CORE_ECONFLICT when the demo accounts
 * already exist (the store was filled before), or the first failing write's code (the
 * report's error says which write and why; what was written before stays). */
int core_demo_generate(core_store *s, const core_demo_options *o, core_demo_report *out);

/* The demo's partner searches (demo/partner.c): about 300 * scale of them posted by
 * admins of published organising profiles, with follows, interests and comments by demo
 * accounts, a quarter closed, every 25th with a small PDF; deadlines from now + 7 days.
 * *made counts them; on failure error says which and why. */
int core_demo_partner_generate(core_store *s, uint64_t seed, double scale, int64_t now,
                               uint64_t *made, char *error, size_t error_len);

/* The demo's profile content (demo/content.c): news on about 300 * scale published
 * profiles and a generated PNG logo on every third of them. */
int core_demo_content_generate(core_store *s, uint64_t seed, double scale, uint64_t *news_made,
                               uint64_t *logos_made);

/* The demo platform's events (demo/events.c): four events and two matchmaking events
 * with participants and requests, by the first published cluster organisations of the
 * store. 0, or the first failing write's code; nothing when the store has too few. */
int core_demo_events(core_store *s, uint64_t seed);

/* True when the store holds at least one profile record (then demo-data refuses to run). */
bool core_demo_store_has_profiles(core_store *s);

#endif
