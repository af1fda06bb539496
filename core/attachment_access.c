/*
 * attachment_access.c: who may download an attachment, judged by the records that
 * reference it (attref/<attachment>/<kind>/<id>, kept by core_attachment_ref).
 *
 * A partner search is public, so an attachment it references is for anyone
 * (CORE_ACT_ATTACHMENT_READ). ClusterXchange closing-report evidence (kind "exchange") is
 * for whoever may read the exchange: both sides' admins and moderators
 * (CORE_ACT_XCHANGE_EXCHANGE_READ, through core_exchange_read). The uploader may always
 * read their own upload (CORE_ACT_ATTACHMENT_READ_OWN), which is how an unreferenced one
 * is read at all. A kind not listed here is private: a branch that references attachments
 * from a new kind of record adds its row to `kinds`. Everyone else is told "not found",
 * so an attachment's existence does not leak. Cost: one metadata read and a prefix scan
 * of the (few) references, plus one record read per private reference tried.
 */
#include <stdbool.h>
#include <string.h>

#include "core/attachment.h"
#include "core/authz.h"
#include "core/error.h"
#include "core/exchange.h"
#include "core/id.h"
#include "core/news.h"
#include "core/partner.h"
#include "core/profile.h"

/* 0 when the record kind/ref_id lets actor read what it references. */
typedef int (*ref_check)(core_store *s, const core_actor *actor, const char *ref_id, core_arena *a);

static int public_record(core_store *s, const core_actor *actor, const char *ref_id, core_arena *a)
{
    (void)s, (void)ref_id, (void)a;
    return core_authorize(CORE_ACT_ATTACHMENT_READ, core_actor_roles(actor));
}

static int exchange_party(core_store *s, const core_actor *actor, const char *ref_id, core_arena *a)
{
    core_value view;
    return core_exchange_read(s, actor, ref_id, a, &view);
}

/* News is public while its profile is; otherwise its admins and moderators read it. */
static int news_reader(core_store *s, const core_actor *actor, const char *ref_id, core_arena *a)
{
    core_value news, prof;
    const char *pid;
    if (core_news_get(s, ref_id, a, &news) != 0 ||
        (pid = core_value_get_str(&news, "profile_id")) == NULL ||
        core_profile_get(s, pid, a, &prof) != 0)
        return CORE_ENOTFOUND;
    if (core_profile_is_public(s, &prof, a))
        return core_authorize(CORE_ACT_NEWS_READ, core_actor_roles(actor));
    return core_authorize(CORE_ACT_CONTENT_READ_HIDDEN, core_profile_roles(actor, &prof));
}

static const struct {
    const char *kind;
    ref_check check;
} kinds[] = {
    {CORE_PARTNER_KIND, public_record}, /* partner searches: public, open or closed */
    {"exchange", exchange_party},       /* closing-report evidence */
    {CORE_NEWS_KIND, news_reader},      /* a profile's news */
};

int core_attachment_authorize(core_store *s, const core_actor *actor, const char *id, core_arena *a)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    char *mk = core_arena_printf(a, "attmeta/%s", id);
    core_slice v;
    int rc = core_store_get(s, CORE_CF_KEYS, (core_slice){mk, strlen(mk)}, a, &v);
    if (rc != 0)
        return rc;
    core_value meta;
    const char *why;
    if (core_value_from_msgpack(a, v.ptr, v.len, &meta, &why) != 0)
        return CORE_EINTERNAL;
    const char *by = core_value_get_str(&meta, "created_by");
    bool own = actor->user_id != NULL && by != NULL && strcmp(by, actor->user_id) == 0;
    if (core_authorize(CORE_ACT_ATTACHMENT_READ_OWN,
                       core_actor_roles(actor) | (own ? CORE_ROLE_ADMIN : 0)) == 0)
        return 0;
    /* the references first, then the checks (which read other records) */
    char *prefix = core_arena_printf(a, "attref/%s/", id);
    size_t plen = strlen(prefix), n = 0;
    enum { MAX_REFS = 64 };
    char *refs[MAX_REFS];
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k;
    while (n < MAX_REFS && core_iter_next(it, &k, &v))
        refs[n++] = core_arena_strndup(a, k.ptr + plen, k.len - plen);
    core_iter_free(it);
    for (size_t i = 0; i < n; i++) {
        char *slash = strchr(refs[i], '/');
        if (slash == NULL)
            continue;
        *slash = '\0';
        for (size_t j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++) {
            if (strcmp(kinds[j].kind, refs[i]) != 0)
                continue;
            rc = kinds[j].check(s, actor, slash + 1, a);
            if (rc == 0 || (rc != CORE_ENOTFOUND && rc != CORE_EFORBIDDEN && rc != CORE_EUNAUTH))
                return rc;
        }
    }
    return CORE_ENOTFOUND;
}
