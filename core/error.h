/*
 * error.h: the project's error codes. Every fallible function in core/, index/ glue and
 * net/ returns 0 or one of these negative codes; the HTTP layer maps them to the API's
 * error codes in one place (net/respond.c). Messages for people travel separately.
 */
#ifndef ECCPD_CORE_ERROR_H
#define ECCPD_CORE_ERROR_H

enum {
    CORE_OK = 0,
    CORE_EBADREQ = -1,      /* malformed input: bad JSON, bad query parameter (400) */
    CORE_EUNAUTH = -2,      /* not signed in, or bad credentials (401) */
    CORE_EFORBIDDEN = -3,   /* signed in but not allowed (403) */
    CORE_ENOTFOUND = -4,    /* no such record (404) */
    CORE_ECONFLICT = -5,    /* uniqueness or state conflict (409) */
    CORE_EINVALID = -6,     /* validation failed, with per-field reasons (422) */
    CORE_ELIMIT = -7,       /* rate limited (429) */
    CORE_EIO = -8,          /* the store could not write or sync; retry later (503) */
    CORE_EINTERNAL = -9,    /* a bug or corruption (500) */
    CORE_ENOMEM = -10,      /* memory could not be had for a user-sized request (503) */
    CORE_ETOOLARGE = -11,   /* a body or value over its limit (413) */
    CORE_EUNAVAILABLE = -12 /* shutting down or overloaded (503) */
};

/* A short static description of a code, for logs. */
const char *core_strerror(int code);

#endif
