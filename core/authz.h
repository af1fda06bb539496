/*
 * authz.h: who may do what, as one explicit table.
 *
 * A caller holds a set of roles for the record at hand: anonymous, a signed-in user, an
 * admin of this profile, a moderator. Each action lists the roles that may perform it.
 * Reads of things a caller may not see answer "not found" rather than "forbidden", so a
 * draft's existence does not leak; core_authorize returns the code to answer with.
 */
#ifndef ECCPD_CORE_AUTHZ_H
#define ECCPD_CORE_AUTHZ_H

#include <stdbool.h>

/* Who is asking: the signed-in user (NULL when anonymous) and whether they are on the
 * platform team. Handlers build it once per request (net_req_actor); core/ turns it into
 * roles for the record at hand. */
typedef struct core_actor {
    const char *user_id;
    bool moderator;
} core_actor;

typedef enum core_role {
    CORE_ROLE_ANONYMOUS = 1 << 0,
    CORE_ROLE_USER = 1 << 1,      /* signed in */
    CORE_ROLE_ADMIN = 1 << 2,     /* administers the profile in question */
    CORE_ROLE_MODERATOR = 1 << 3, /* the platform team */
} core_role;

typedef enum core_action {
    CORE_ACT_PROFILE_CREATE,
    CORE_ACT_PROFILE_READ_PUBLISHED,
    CORE_ACT_PROFILE_READ_DRAFT, /* ?version=draft, state, admins, contact e-mail */
    CORE_ACT_PROFILE_EDIT,
    CORE_ACT_PROFILE_CHECK,
    CORE_ACT_PROFILE_SUBMIT,
    CORE_ACT_PROFILE_MODERATE,
    CORE_ACT_PROFILE_ADMINS,      /* add or remove admins */
    CORE_ACT_PROFILE_AFFILIATION, /* approve or reject a member (admins of the cluster) */
    CORE_ACT_PROFILE_MEMBERS,     /* list a cluster's approved members */
    CORE_ACT_PROFILE_DELETE,
    CORE_ACT_MODERATION_QUEUE,
    CORE_ACT_NOTIFICATIONS,            /* one's own notifications */
    CORE_ACT_XCHANGE_REGISTER,         /* register a profile for ClusterXchange (its admins) */
    CORE_ACT_XCHANGE_READ,             /* a registration, its preferences and its matches */
    CORE_ACT_XCHANGE_DECIDE,           /* accept or reject a registration */
    CORE_ACT_XCHANGE_BATCH,            /* run the batch assignment */
    CORE_ACT_EVENT_CREATE,             /* post an event (admins of the organiser profile) */
    CORE_ACT_EVENT_READ,               /* an event on the agenda, and taking part in it */
    CORE_ACT_EVENT_EDIT,               /* edit, cancel, set slots and tables (organiser) */
    CORE_ACT_EVENT_PARTICIPANT_DECIDE, /* accept or reject a participant (organiser) */
    CORE_ACT_EVENT_APPLY,              /* apply with a profile (its admins) */
    CORE_ACT_EVENT_UNAVAILABLE,        /* mark slots a participant cannot attend (its admins) */
    CORE_ACT_EVENT_REQUEST,            /* ask for a meeting (admins of `from`) */
    CORE_ACT_EVENT_REQUEST_ANSWER,     /* accept or decline a meeting (admins of `to`) */
    CORE_ACT_EVENT_SCHEDULE,           /* run the scheduler, read the whole schedule (organiser) */
    CORE_ACT_EVENT_AGENDA,             /* a participant's agenda (its admins, the organiser) */
    CORE_ACT_XCHANGE_EXCHANGE_PROPOSE, /* propose an exchange (an admin of either side) */
    CORE_ACT_XCHANGE_EXCHANGE_READ,    /* an exchange (both sides' admins, moderators) */
    CORE_ACT_XCHANGE_EXCHANGE_STEP,    /* a step of an exchange; which side may take which
                                        * step is core/exchange.c's state table */
    CORE_ACT_XCHANGE_MESSAGE_WRITE,    /* write from a registration (its admins) */
    CORE_ACT_XCHANGE_MESSAGE_READ,     /* a conversation (either party's admins, moderators) */
    CORE_ACT_PSEARCH_CREATE,           /* post a partner search for a profile (its admins) */
    CORE_ACT_PSEARCH_READ,             /* a partner search, open or closed */
    CORE_ACT_PSEARCH_EDIT,             /* edit a partner search (the author profile's admins) */
    CORE_ACT_PSEARCH_CLOSE,            /* close a partner search */
    CORE_ACT_PSEARCH_FOLLOW,           /* follow or unfollow */
    CORE_ACT_PSEARCH_INTEREST,         /* express interest */
    CORE_ACT_PSEARCH_INTERESTS,        /* read the interests (private to the author's admins) */
    CORE_ACT_PSEARCH_COMMENT,          /* write a comment */
    CORE_ACT_PSEARCH_COMMENTS,         /* read the comments of an open search */
    CORE_ACT_PSEARCH_COMMENTS_CLOSED,  /* read the comments of a closed search */
    CORE_ACT_ATTACHMENT_UPLOAD,        /* upload an attachment */
    CORE_ACT_ATTACHMENT_READ,          /* download an attachment a public record references */
    CORE_ACT_ATTACHMENT_READ_OWN,      /* download one's own upload (the uploader holds the admin
                                        * role for it); attachments that private records reference
                                        * (exchange evidence) go by the record's read action */
    CORE_ACT_NEWS_WRITE,               /* post, edit, delete a profile's news (its admins) */
    CORE_ACT_NEWS_READ,                /* a public profile's news */
    CORE_ACT_CONTENT_READ_HIDDEN,      /* news and images of a profile that is not public */
    CORE_ACT_IMAGE_WRITE,              /* set or remove a profile's logo or contact photo */
    CORE_ACT_IMAGE_READ,               /* a public profile's logo or contact photo */
    CORE_ACT_ACCOUNT,                  /* one's own account: /v1/me, its data, sign out, erase */
    CORE_ACT_SIGNED_IN,                /* routes that answer only signed-in callers (401 before the
                                        * record is looked up); the record's own action decides next */
    CORE_ACT_XCHANGE_CATALOGUE,        /* browse the ClusterXchange catalogue */
    CORE_ACT__COUNT
} core_action;

/* The roles an actor holds whatever the record: anonymous, or signed in and perhaps a
 * moderator. Record modules add CORE_ROLE_ADMIN where the actor administers the record. */
unsigned core_actor_roles(const core_actor *actor);

/* 0 when a caller holding `roles` may perform action; otherwise CORE_EUNAUTH (sign in
 * first), CORE_ENOTFOUND (a hidden read) or CORE_EFORBIDDEN. */
int core_authorize(core_action action, unsigned roles);
/* The roles that may perform action (for tests and documentation). */
unsigned core_authz_allowed(core_action action);
/* A short name of the action ("profile.edit"), for messages. */
const char *core_authz_action_name(core_action action);

#endif
