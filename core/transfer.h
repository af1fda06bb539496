/*
 * transfer.h: moving a platform's durable data from one data directory to another as a
 * stream of lines (`eccpd export` and `eccpd import`; cli/transfer.c reads and writes the
 * lines as JSON text, one a line).
 *
 * A line is an object {kind, version, record}; a notification's line also names its
 * "user", since the user a notification belongs to is part of its store key, not of the
 * record. The kinds, in the order an export writes them (each refers only to kinds before
 * it, so an export imports in one pass):
 *
 *   user                  records user/<id>, password hash included
 *   profile               records profile/<id>: state, both versions (published and draft),
 *                         admins, moderation history, affiliation decisions
 *   xchange_registration  records xchange_registration/<id>
 *   notification          keys notif/<user>/<id> (notify.h)
 *   <record kind>         every other record kind (transfer.c's table: event,
 *                         event_participant, event_schedule, meeting_request, news,
 *                         partner_search, xchange_exchange): {kind, version, id, record},
 *                         the id being the record's store id (a participant's is
 *                         "<event>.<profile>"), in store-key order
 *   key                   the keys family's entries that are data of those kinds (a
 *                         partner search's follows, interests and comments, an event's
 *                         fixed slots and pairs, exchange messages, attachments' and
 *                         images' metadata, newsletter unsubscriptions and their tokens,
 *                         reserved names of erased accounts, ...; transfer.c's table
 *                         names each prefix): {kind, version, key, value}, value "" or a
 *                         string or an object as the prefix's row says
 *   bytes                 the attachments family (an attachment's pieces, a logo's or
 *                         photo's bytes): {kind, version, key, sha256, base64}, the
 *                         bytes in standard base64 and the hex SHA-256 of the bytes, which
 *                         import checks
 *
 * `record` is the record as stored, ids and timestamps kept, without its schema-version
 * member "v" (that is the line's `version`). A line's members come in the order above;
 * within a record of the four older kinds every object's members are sorted by name (byte
 * order); records of the newer kinds and key objects keep their stored member order (their
 * API answers show it, so an imported server answers byte for byte the same); within a
 * kind lines follow store-key order (users, profiles and registrations by id,
 * notifications by user, then id). So exporting a store twice gives the same bytes, and
 * export -> import into an empty directory -> export is byte-identical.
 *
 * Not exported: sessions, password-reset tokens, idempotency entries, the e-mail outbox,
 * pending notification fan-outs and the change log (the state of a running platform, not
 * data to migrate), nor the secondary keys of users, profiles and registrations: import
 * derives those again, through the very functions the API's writes use (core_user_keys_add,
 * core_profile_keys_add, core_xchange_keys_add). The newer kinds' modules derive their
 * keys inside each write, with no function that derives them from a record, so their keys
 * travel as `key` lines, index keys included (one implementation of each key, not two).
 * Export refuses a key or record kind none of these rules names (CORE_EINTERNAL, *bad the
 * key), so a kind added later cannot be lost silently: it needs a row in transfer.c.
 *
 * Import is one write per line, so a line is imported whole or not at all. A line is first
 * checked without the store (core_transfer_check: shape, kind, version, every field by the
 * rules creation applies), then, in its write, against the store (core_transfer_import_txn:
 * the id is new; username and e-mail are free; admins, authors, deciders and owners of
 * notifications are users; one cluster organisation per user; one visitor registration per
 * profile). Records are written with a change-log entry, so the index and the matcher pick
 * them up like any other write; notifications, as when the platform makes them, have none.
 *
 * References to profiles (a member's affiliations, a registration's profile_id) need not
 * resolve: deleting a profile leaves them dangling on a live platform too. The write lists
 * the ones missing at that moment, so the caller can warn about those still missing once
 * the whole file is in.
 */
#ifndef ECCPD_CORE_TRANSFER_H
#define ECCPD_CORE_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"
#include "core/value.h"

typedef enum core_transfer_kind {
    CORE_TRANSFER_USER,
    CORE_TRANSFER_PROFILE,
    CORE_TRANSFER_XCHANGE,
    CORE_TRANSFER_NOTIFICATION,
    CORE_TRANSFER_RECORD, /* a record of one of the newer kinds (its line names which) */
    CORE_TRANSFER_KEY,
    CORE_TRANSFER_BYTES,
    CORE_TRANSFER_KIND_COUNT
} core_transfer_kind;

/* The version of a notification, key and bytes line (those carry no "v" of their own). */
enum { CORE_TRANSFER_NOTIFICATION_VERSION = 1, CORE_TRANSFER_KEY_VERSION = 1 };

/* The kind's name on a line ("user", "profile", "xchange_registration", "notification",
 * "key", "bytes"; "record" for CORE_TRANSFER_RECORD, whose lines name their record kind),
 * or NULL when k is out of range. Static storage. */
const char *core_transfer_kind_name(core_transfer_kind k);

/* ---- export ---- */

/* Receives one line; it and everything it points to are valid until emit returns. A
 * non-zero return stops the export. */
typedef int (*core_transfer_emit_fn)(void *ctx, core_transfer_kind kind, const core_value *line);

/* Calls emit with every line, in export order (see above). Returns 0, emit's first non-zero
 * return, or CORE_EINTERNAL when a stored record cannot be read (written by a newer eccpd,
 * or damaged); then *bad (if not NULL) is its store key, malloc'd, for the caller to free. */
int core_transfer_export(core_store *s, core_transfer_emit_fn emit, void *ctx, char **bad);

/* ---- import ---- */

typedef struct core_transfer_line {
    /* in */
    const core_value *line; /* the parsed line */
    core_arena *out;        /* where the outputs live: the caller's arena */
    /* out of core_transfer_check (kind and id as soon as they are known) */
    int kind;           /* a core_transfer_kind, or -1 */
    const char *id;     /* the record's id when well-formed, else NULL; for a record of a
                           newer kind "<kind>/<id>", for key and bytes lines the key */
    core_value record;  /* the record to store */
    const char *user;   /* a notification's owner */
    const char *rkind;  /* CORE_TRANSFER_RECORD: the record kind; KEY, BYTES: the key */
    core_slice bytes;   /* BYTES: the decoded bytes; KEY: the value to store */
    const char *reason; /* why the line is refused, for a person (in out) */
    /* out of core_transfer_import_txn */
    core_value missing; /* profile ids the record names that the store lacked: [string] */
} core_transfer_line;

/* Prepares l for a parsed line whose outputs go to arena out. */
void core_transfer_line_init(core_transfer_line *l, core_arena *out, const core_value *line);

/* Checks what needs no store: the line's shape, a known kind, a supported version and the
 * record by the rules creation applies (core_user_validate_record,
 * core_profile_validate_record, core_xchange_validate_record, and the notification's form).
 * 0, or CORE_EINVALID with l->reason listing every failing field ("draft.country: …; …").
 * Pure: any thread. */
int core_transfer_check(core_transfer_line *l);

/* core_txn_fn over a core_transfer_line that passed core_transfer_check: the store's checks
 * (above), then the record, its secondary keys and its change-log entry ("create").
 * CORE_ECONFLICT (the id exists, a username or e-mail is taken, an admin has a cluster
 * organisation, the profile has a visitor registration) or CORE_EINVALID (a user named
 * is not in the store) with l->reason, and nothing written; CORE_EIO. */
int core_transfer_import_txn(core_txn *t, void *arg);

#endif
