/*
 * personal.h: a person's data as a whole (API.md, Personal data; issue 20): the copy a
 * data-protection request asks for, and erasure.
 */
#ifndef ECCPD_CORE_PERSONAL_H
#define ECCPD_CORE_PERSONAL_H

#include "core/store.h"
#include "core/value.h"

/* Every record about user_id, in the API's shapes: {account, profiles, registrations,
 * exchanges, messages, notifications, follows, interests, comments, events, news,
 * exported_at}. Interests and comments are found by a scan of all of them (a rare request;
 * no per-user key is kept for them). In a. 0, CORE_ENOTFOUND (no such user), CORE_EIO. */
int core_personal_export(core_store *s, const char *user_id, core_arena *a, core_value *out);

#endif
