/*
 * news.h: news posted on profiles (API.md, Profile content; issue 20).
 *
 * A news record (kind "news") belongs to one profile: its admins post, edit and delete it;
 * anyone reads it while the profile is public (core_profile_is_public), its admins and
 * moderators at any time. The change log carries news to the index as kind `news` linked
 * to its profile; the index drops it whenever the profile stops being public. News goes
 * with its profile (core_news_remove_of_profile_txn, called by the profile's delete).
 *
 * Record: {id, profile_id, title, body, attachments: [{id, filename, content_type, size}],
 * created_by, published_at, updated_at} (times in Unix seconds).
 *
 * Keys (keys family), kept in the same write as the record:
 *   nwprofile/<profile>/<news>        the news of a profile (ids sort by creation time)
 *   attref/<attachment>/news/<news>   an attachment is referenced (core/attachment.h)
 */
#ifndef ECCPD_CORE_NEWS_H
#define ECCPD_CORE_NEWS_H

#include "core/check.h"
#include "core/profile.h"
#include "core/store.h"
#include "core/value.h"

#define CORE_NEWS_KIND "news" /* the record kind */

enum {
    CORE_NEWS_TITLE_MAX = 200,
    CORE_NEWS_BODY_MAX = 20000,
    CORE_NEWS_ATTACHMENTS_MAX = 10,
};

typedef struct core_news_op {
    core_actor actor;
    const char *profile_id; /* the profile in the path */
    const char *id;         /* the news item (create: out) */
    const core_value *body; /* the request body, or NULL */
    core_arena *out;        /* where outputs live: the caller's arena */
    /* out */
    core_value rec;      /* the record after the write (in out) */
    const char *message; /* a failure's explanation (in out), or NULL */
    core_fields fields;  /* CORE_EINVALID: the failing fields (in out) */
} core_news_op;

/* Initialises an op whose outputs go to arena out. */
void core_news_op_init(core_news_op *op, core_arena *out, const core_actor *actor);

/* core_txn_fn: posts news {title, body, attachments} on op->profile_id (its admins).
 * CORE_EUNAUTH, CORE_EFORBIDDEN, CORE_ENOTFOUND (no such profile), CORE_EINVALID. */
int core_news_create_txn(core_txn *t, void *op);
/* core_txn_fn: edits news op->id of op->profile_id (any subset of the fields). */
int core_news_patch_txn(core_txn *t, void *op);
/* core_txn_fn: deletes news op->id of op->profile_id. */
int core_news_delete_txn(core_txn *t, void *op);
/* Inside a profile's delete: removes every news item of profile pid (records, keys and
 * attachment references). Returns 0 or a store error. */
int core_news_remove_of_profile_txn(core_txn *t, const char *pid);

/* Reads a news record: 0, CORE_ENOTFOUND, CORE_EIO. */
int core_news_get(core_store *s, const char *id, core_arena *a, core_value *rec);
/* The response view {id, profile_id, title, body, attachments, published_at, updated_at},
 * times in RFC 3339. In a. */
core_value core_news_view(core_arena *a, const core_value *rec);
/* GET /v1/profiles/{id}/news: newest first; anyone while the profile is public, its admins
 * and moderators always. CORE_ENOTFOUND (*message set) otherwise. {total, items} in a. */
int core_news_list(core_store *s, const core_actor *actor, const char *profile_id, size_t page,
                   size_t per_page, core_arena *a, core_value *out, const char **message);
/* The ids of a profile's news, oldest first, as an array of strings in a. */
core_value core_news_ids_of(core_store *s, const char *profile_id, core_arena *a);

#endif
