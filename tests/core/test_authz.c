/* Unit tests of the authorisation table: each row, for each role. */
#include "check.h"
#include "core/authz.h"
#include "core/error.h"

enum {
    ANON = CORE_ROLE_ANONYMOUS,
    USER = CORE_ROLE_USER,
    ADMIN = CORE_ROLE_USER | CORE_ROLE_ADMIN,
    MOD = CORE_ROLE_USER | CORE_ROLE_MODERATOR
};

static bool covered[CORE_ACT__COUNT];

static void expect(core_action a, int anon, int user, int admin, int mod)
{
    covered[a] = true;
    CHECK_EQ(core_authorize(a, ANON), anon);
    CHECK_EQ(core_authorize(a, USER), user);
    CHECK_EQ(core_authorize(a, ADMIN), admin);
    CHECK_EQ(core_authorize(a, MOD), mod);
}

static void every_row(void)
{
    const int OK = 0, UNAUTH = CORE_EUNAUTH, FORBID = CORE_EFORBIDDEN, HIDDEN = CORE_ENOTFOUND;
    expect(CORE_ACT_PROFILE_CREATE, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_PROFILE_READ_PUBLISHED, OK, OK, OK, OK);
    expect(CORE_ACT_PROFILE_READ_DRAFT, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_PROFILE_EDIT, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_PROFILE_CHECK, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_PROFILE_SUBMIT, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_PROFILE_MODERATE, UNAUTH, FORBID, FORBID, OK);
    expect(CORE_ACT_PROFILE_ADMINS, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_PROFILE_AFFILIATION, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_PROFILE_MEMBERS, OK, OK, OK, OK);
    expect(CORE_ACT_PROFILE_DELETE, UNAUTH, FORBID, OK, OK);
    expect(CORE_ACT_MODERATION_QUEUE, UNAUTH, FORBID, FORBID, OK);
    expect(CORE_ACT_NOTIFICATIONS, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_EVENT_CREATE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_READ, OK, OK, OK, OK);
    expect(CORE_ACT_EVENT_EDIT, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_PARTICIPANT_DECIDE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_APPLY, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_UNAVAILABLE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_REQUEST, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_REQUEST_ANSWER, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_SCHEDULE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_EVENT_AGENDA, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_PSEARCH_CREATE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_PSEARCH_READ, OK, OK, OK, OK);
    expect(CORE_ACT_PSEARCH_EDIT, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_PSEARCH_CLOSE, UNAUTH, FORBID, OK, OK);
    expect(CORE_ACT_PSEARCH_FOLLOW, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_PSEARCH_INTEREST, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_PSEARCH_INTERESTS, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_PSEARCH_COMMENT, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_PSEARCH_COMMENTS, OK, OK, OK, OK);
    expect(CORE_ACT_PSEARCH_COMMENTS_CLOSED, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_ATTACHMENT_UPLOAD, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_ATTACHMENT_READ, OK, OK, OK, OK);
    expect(CORE_ACT_ATTACHMENT_READ_OWN, HIDDEN, HIDDEN, OK, HIDDEN);
    expect(CORE_ACT_NEWS_WRITE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_NEWS_READ, OK, OK, OK, OK);
    expect(CORE_ACT_CONTENT_READ_HIDDEN, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_IMAGE_WRITE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_IMAGE_READ, OK, OK, OK, OK);
    expect(CORE_ACT_XCHANGE_REGISTER, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_XCHANGE_READ, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_XCHANGE_DECIDE, UNAUTH, FORBID, FORBID, OK);
    expect(CORE_ACT_XCHANGE_BATCH, UNAUTH, FORBID, FORBID, OK);
    expect(CORE_ACT_XCHANGE_CATALOGUE, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_XCHANGE_EXCHANGE_PROPOSE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_XCHANGE_EXCHANGE_READ, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_XCHANGE_EXCHANGE_STEP, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_XCHANGE_MESSAGE_WRITE, UNAUTH, FORBID, OK, FORBID);
    expect(CORE_ACT_XCHANGE_MESSAGE_READ, HIDDEN, HIDDEN, OK, OK);
    expect(CORE_ACT_ACCOUNT, UNAUTH, OK, OK, OK);
    expect(CORE_ACT_SIGNED_IN, UNAUTH, OK, OK, OK);
    /* A row added to the table without a line here fails. */
    for (int a = 0; a < CORE_ACT__COUNT; a++)
        if (!covered[a])
            CHECK__FAIL("row %s has no expectation", core_authz_action_name((core_action)a));
}

static void actor_roles(void)
{
    core_actor anon = {NULL, false}, user = {"u1", false}, mod = {"u2", true},
               stale = {NULL, true}; /* a moderator flag without a user is anonymous */
    CHECK_EQ(core_actor_roles(&anon), ANON);
    CHECK_EQ(core_actor_roles(&user), USER);
    CHECK_EQ(core_actor_roles(&mod), MOD);
    CHECK_EQ(core_actor_roles(&stale), ANON);
}

static void every_action_has_a_name_and_an_unknown_one_is_refused(void)
{
    for (int a = 0; a < CORE_ACT__COUNT; a++) {
        CHECK(core_authz_allowed((core_action)a) != 0);
        CHECK(strcmp(core_authz_action_name((core_action)a), "unknown") != 0);
    }
    CHECK_EQ(core_authorize((core_action)CORE_ACT__COUNT, MOD), CORE_EFORBIDDEN);
}

int main(void)
{
    RUN(every_row);
    RUN(actor_roles);
    RUN(every_action_has_a_name_and_an_unknown_one_is_refused);
    return 0;
}
