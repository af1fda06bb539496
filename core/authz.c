/* authz.c: the table. Every endpoint's handler authorises through it; tests check each row. */
#include "core/authz.h"

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

enum {
    ANY = CORE_ROLE_ANONYMOUS | CORE_ROLE_USER | CORE_ROLE_ADMIN | CORE_ROLE_MODERATOR,
    SIGNED_IN = CORE_ROLE_USER | CORE_ROLE_ADMIN | CORE_ROLE_MODERATOR,
    ADMIN = CORE_ROLE_ADMIN,
    ADMIN_OR_MOD = CORE_ROLE_ADMIN | CORE_ROLE_MODERATOR,
    MOD = CORE_ROLE_MODERATOR,
};

static const struct {
    const char *name;
    unsigned allowed;
    bool hidden; /* a denied caller is told "not found" */
} table[CORE_ACT__COUNT] = {
    [CORE_ACT_PROFILE_CREATE] = {"profile.create", SIGNED_IN, false},
    [CORE_ACT_PROFILE_READ_PUBLISHED] = {"profile.read", ANY, false},
    [CORE_ACT_PROFILE_READ_DRAFT] = {"profile.read_draft", ADMIN_OR_MOD, true},
    [CORE_ACT_PROFILE_EDIT] = {"profile.edit", ADMIN, false},
    [CORE_ACT_PROFILE_CHECK] = {"profile.check", ADMIN_OR_MOD, true},
    [CORE_ACT_PROFILE_SUBMIT] = {"profile.submit", ADMIN, false},
    [CORE_ACT_PROFILE_MODERATE] = {"profile.moderate", MOD, false},
    [CORE_ACT_PROFILE_ADMINS] = {"profile.admins", ADMIN, false},
    [CORE_ACT_PROFILE_AFFILIATION] = {"profile.affiliation", ADMIN, false},
    [CORE_ACT_PROFILE_MEMBERS] = {"profile.members", ANY, false},
    [CORE_ACT_PROFILE_DELETE] = {"profile.delete", ADMIN_OR_MOD, false},
    [CORE_ACT_MODERATION_QUEUE] = {"moderation.queue", MOD, false},
    [CORE_ACT_NOTIFICATIONS] = {"notifications", SIGNED_IN, false},
    [CORE_ACT_XCHANGE_REGISTER] = {"xchange.register", ADMIN, false},
    [CORE_ACT_XCHANGE_READ] = {"xchange.read", ADMIN_OR_MOD, true},
    [CORE_ACT_XCHANGE_DECIDE] = {"xchange.decide", MOD, false},
    [CORE_ACT_XCHANGE_BATCH] = {"xchange.batch", MOD, false},
    [CORE_ACT_EVENT_CREATE] = {"event.create", ADMIN, false},
    [CORE_ACT_EVENT_READ] = {"event.read", ANY, false},
    [CORE_ACT_EVENT_EDIT] = {"event.edit", ADMIN, false},
    [CORE_ACT_EVENT_PARTICIPANT_DECIDE] = {"event.participant_decide", ADMIN, false},
    [CORE_ACT_EVENT_APPLY] = {"event.apply", ADMIN, false},
    [CORE_ACT_EVENT_UNAVAILABLE] = {"event.unavailable", ADMIN, false},
    [CORE_ACT_EVENT_REQUEST] = {"event.request", ADMIN, false},
    [CORE_ACT_EVENT_REQUEST_ANSWER] = {"event.request_answer", ADMIN, false},
    [CORE_ACT_EVENT_SCHEDULE] = {"event.schedule", ADMIN, false},
    [CORE_ACT_EVENT_AGENDA] = {"event.agenda", ADMIN_OR_MOD, true},
    [CORE_ACT_XCHANGE_EXCHANGE_PROPOSE] = {"xchange.exchange.propose", ADMIN, false},
    [CORE_ACT_XCHANGE_EXCHANGE_READ] = {"xchange.exchange.read", ADMIN_OR_MOD, true},
    [CORE_ACT_XCHANGE_EXCHANGE_STEP] = {"xchange.exchange.step", ADMIN_OR_MOD, true},
    [CORE_ACT_XCHANGE_MESSAGE_WRITE] = {"xchange.message.write", ADMIN, false},
    [CORE_ACT_XCHANGE_MESSAGE_READ] = {"xchange.message.read", ADMIN_OR_MOD, true},
    [CORE_ACT_PSEARCH_CREATE] = {"partner_search.create", ADMIN, false},
    [CORE_ACT_PSEARCH_READ] = {"partner_search.read", ANY, false},
    [CORE_ACT_PSEARCH_EDIT] = {"partner_search.edit", ADMIN, false},
    [CORE_ACT_PSEARCH_CLOSE] = {"partner_search.close", ADMIN_OR_MOD, false},
    [CORE_ACT_PSEARCH_FOLLOW] = {"partner_search.follow", SIGNED_IN, false},
    [CORE_ACT_PSEARCH_INTEREST] = {"partner_search.interest", SIGNED_IN, false},
    [CORE_ACT_PSEARCH_INTERESTS] = {"partner_search.interests", ADMIN, false},
    [CORE_ACT_PSEARCH_COMMENT] = {"partner_search.comment", SIGNED_IN, false},
    [CORE_ACT_PSEARCH_COMMENTS] = {"partner_search.comments", ANY, false},
    [CORE_ACT_PSEARCH_COMMENTS_CLOSED] = {"partner_search.comments_closed", SIGNED_IN, false},
    [CORE_ACT_ATTACHMENT_UPLOAD] = {"attachment.upload", SIGNED_IN, false},
    [CORE_ACT_ATTACHMENT_READ] = {"attachment.read", ANY, false},
    [CORE_ACT_ATTACHMENT_READ_OWN] = {"attachment.read_own", ADMIN, true},
    [CORE_ACT_NEWS_WRITE] = {"news.write", ADMIN, false},
    [CORE_ACT_NEWS_READ] = {"news.read", ANY, false},
    [CORE_ACT_CONTENT_READ_HIDDEN] = {"profile.content_hidden", ADMIN_OR_MOD, true},
    [CORE_ACT_IMAGE_WRITE] = {"image.write", ADMIN, false},
    [CORE_ACT_IMAGE_READ] = {"image.read", ANY, false},
    [CORE_ACT_ACCOUNT] = {"account", SIGNED_IN, false},
    [CORE_ACT_SIGNED_IN] = {"signed_in", SIGNED_IN, false},
    [CORE_ACT_XCHANGE_CATALOGUE] = {"xchange.catalogue", SIGNED_IN, false},
};

unsigned core_actor_roles(const core_actor *actor)
{
    if (actor->user_id == NULL)
        return CORE_ROLE_ANONYMOUS;
    return CORE_ROLE_USER | (actor->moderator ? CORE_ROLE_MODERATOR : 0);
}

int core_authorize(core_action action, unsigned roles)
{
    if (action < 0 || action >= CORE_ACT__COUNT)
        return CORE_EFORBIDDEN;
    if (table[action].allowed & roles)
        return 0;
    if (table[action].hidden)
        return CORE_ENOTFOUND;
    /* Anonymous callers are asked to sign in whenever signing in could help. */
    if (!(roles & ~CORE_ROLE_ANONYMOUS))
        return CORE_EUNAUTH;
    return CORE_EFORBIDDEN;
}

unsigned core_authz_allowed(core_action action)
{
    return action >= 0 && action < CORE_ACT__COUNT ? table[action].allowed : 0;
}

const char *core_authz_action_name(core_action action)
{
    return action >= 0 && action < CORE_ACT__COUNT ? table[action].name : "unknown";
}
