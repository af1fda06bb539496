/*
 * transfer.h: moving a platform's durable data from one data directory to another as a
 * stream of lines (`eccpd export` and `eccpd import`; net/transfer.c reads and writes the
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
 *
 * `record` is the record as stored, ids and timestamps kept, without its schema-version
 * member "v" (that is the line's `version`). A line's members come in the order above;
 * within a record every object's members are sorted by name (byte order), and within a
 * kind lines follow store-key order (users, profiles and registrations by id,
 * notifications by user, then id). So exporting a store twice gives the same bytes, and
 * export -> import into an empty directory -> export is byte-identical.
 *
 * Not exported: sessions, password-reset tokens, idempotency entries, the e-mail outbox and
 * the change log (the state of a running platform, not data to migrate), nor any secondary
 * key: import derives every one again, through the very functions the API's writes use
 * (core_user_keys_add, core_profile_keys_add, core_xchange_keys_add).
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
    CORE_TRANSFER_KIND_COUNT
} core_transfer_kind;

/* The version of a notification line (notifications carry no "v" of their own). */
enum { CORE_TRANSFER_NOTIFICATION_VERSION = 1 };

/* The kind's name on a line ("user", "profile", "xchange_registration", "notification"), or
 * NULL when k is out of range. Static storage. */
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
    const char *id;     /* the record's id when well-formed, else NULL */
    core_value record;  /* the record to store */
    const char *user;   /* a notification's owner */
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
