/*
 * notify.h: notifications for users: stored (listed by /v1/me/notifications) and sent
 * as e-mail through the outbox, both inside the write that caused them.
 * Keys (keys family): "notif/<user id>/<notification id>" -> {id, kind, text, ...}.
 */
#ifndef ECCPD_CORE_NOTIFY_H
#define ECCPD_CORE_NOTIFY_H

#include <stdbool.h>

#include "core/store.h"
#include "core/value.h"

/* Stores a notification for user_id and queues an e-mail to the user's address. kind is a
 * stable identifier ("profile.published"); text is what a person reads; subject heads the
 * e-mail; ref is the id of the record concerned (or NULL). Unknown users are skipped. */
void core_notify(core_txn *t, const char *user_id, const char *kind, const char *subject,
                 const char *text, const char *ref);

/* As core_notify, with the notification's id given (ids must sort by time; a fan-out job
 * uses its own id, so a re-run chunk finds what it wrote) and the e-mail only when mail. */
void core_notify_as(core_txn *t, const char *id, const char *user_id, const char *kind,
                    const char *subject, const char *text, const char *ref, bool mail);

/* The key of a notification (keys family), in a. */
char *core_notify_key(core_arena *a, const char *user_id, const char *id);

/* Lists a user's notifications, newest first: {total, unread, items:[...]}, in the arena. */
int core_notifications_list(core_store *s, const char *user_id, bool unread_only, size_t page,
                            size_t per_page, core_arena *a, core_value *out);

typedef struct core_notification_read {
    const char *user_id, *id;
} core_notification_read;
/* core_txn_fn: marks one notification read; CORE_ENOTFOUND when it is not the user's. */
int core_notification_read_txn(core_txn *t, void *arg);

#endif
