/*
 * outbox.h: e-mail that must not be lost.
 *
 * A message is queued in the outbox column family inside the same write as the event
 * that caused it (core_outbox_add in a core_txn_fn), so it exists exactly when the event
 * does. A deliverer thread then writes each queued message as an RFC 5322 .eml file into
 * the spool directory (DIR/outbox) — a batch of up to 256 written to temporary names,
 * made durable together (one syncfs of the spool's file system), renamed, the directory
 * fsynced — and only then removes the batch from the outbox in one write. A crash
 * between the two
 * delivers the same file again under the same name: at least once, never lost.
 * The same thread expands pending notification fan-out jobs (core/fanout.h) between
 * batches; a kick after a write wakes it for both.
 */
#ifndef ECCPD_CORE_OUTBOX_H
#define ECCPD_CORE_OUTBOX_H

#include "core/store.h"

typedef struct core_outbox core_outbox;

/* Queues an e-mail inside a write (unless the write asked for none: core_commit.no_mail).
 * Texts are UTF-8; body lines are separated by \n. */
void core_outbox_add(core_txn *t, const char *to, const char *subject, const char *body);

/* As core_outbox_add for an e-mail to user user_id of kind `kind` (a notification kind such
 * as "partner_search.comment", or "password_reset"): nothing is queued when the user has
 * unsubscribed from that kind; otherwise the message carries the user's unsubscribe token
 * for the kind (core/unsubscribe.h), and its file List-Unsubscribe and
 * List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058). */
void core_outbox_add_for(core_txn *t, const char *user_id, const char *kind, const char *to,
                         const char *subject, const char *body);
/* The platform's address for the links written into e-mails ("https://platform.example");
 * set once at start, before any deliverer runs (default "http://localhost"). Copied. */
void core_outbox_set_public_url(const char *url);

/* Starts the deliverer for store into spool_dir (created if missing). from is the From:
 * address. Returns NULL (and a message on stderr) when the directory cannot be made. */
core_outbox *core_outbox_start(core_store *s, const char *spool_dir, const char *from);
/* Stops the thread once the batch it is writing is delivered; what is still queued stays
 * in the store for the next start. */
void core_outbox_stop(core_outbox *o);
/* Wakes the deliverer (after a write that queued mail); cheap, any thread. */
void core_outbox_kick(core_outbox *o);
/* Delivers everything queued now, synchronously (tools and tests). Returns the count or
 * a negative code. */
int core_outbox_flush(core_store *s, const char *spool_dir, const char *from);

#endif
