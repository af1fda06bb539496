/*
 * error.h: the project's error codes. Every fallible function in core/, the index's and the
 * matcher's glue (index/records.c, matcher/records.c) and net/ returns 0 or one of these
 * negative codes; net_fail (net/http.c) maps them to HTTP statuses and the API's error
 * codes in one place. Messages for people travel separately.
 *
 * Each module owns a disjoint range: core -1..-99 (here), the index -101..-199
 * (index/index.h), the matcher -201..-299 (matcher/matcher.h). A module's codes become
 * core codes through one function each: index_core_error, matcher_core_error.
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
