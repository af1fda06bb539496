/*
 * http.h: what a handler sees of a request, and the one way to answer it.
 *
 * A handler parses (net_req_body, net_req_param, net_req_query), authorises
 * (net_req_user), calls one core function, and answers with net_reply or net_fail.
 * Errors follow API.md: {"error":{"code","message","fields"?}}, mapped from core's
 * codes in one place (http.c). Responses are JSON, or MessagePack when the request's
 * Accept asks for application/msgpack.
 *
 * Memory: r->arena lives until the request is disposed; if a handler has handed work
 * off the loop (net_req_write, net_req_offload), the arena lives until that work has
 * come back, even when the client has gone away meanwhile.
 */
#ifndef ECCPD_NET_HTTP_H
#define ECCPD_NET_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include <h2o.h>

#include "core/arena.h"
#include "core/authz.h"
#include "core/store.h"
#include "core/value.h"
#include "net/pool.h"
#include "net/router.h"
#include "net/server.h"

typedef struct net_job net_job;

typedef struct net_principal {
    bool signed_in;
    const char *user_id; /* arena strings */
    const char *username;
    const char *role;        /* "user" or "moderator" */
    const char *session_key; /* the session's store key, for logout */
} net_principal;

/* Allocated per request (malloc) and freed when both the h2o request has been disposed
 * and no handed-off work refers to it any more. */
struct net_req {
    h2o_req_t *req; /* NULL once h2o disposed the request (client gone or answered) */
    net_server *server;
    net_thread *thread;
    core_arena arena;
    net_match match;
    uint64_t started_us;
    bool want_msgpack;
    bool answered;
    bool auth_checked;
    net_principal who;
    net_job *pending;       /* work handed off the loop, or NULL */
    const core_value *body; /* the decoded body (NULL when none was sent) */
};

/* ---- parsing ---- */

/* The decoded body, or NULL when there was none. Decoding happened before the handler ran:
 * a handler never sees a malformed body (the request got 400/413/415 already). */
static inline const core_value *net_req_body(net_req *r)
{
    return r->body;
}
/* A path parameter by name, percent-decoded into the arena; NULL if absent. */
const char *net_req_param(net_req *r, const char *name);
/* A query parameter by name, percent-decoded into the arena; NULL if absent. */
const char *net_req_query(net_req *r, const char *name);
/* Reads page (1-based, default 1) and per_page (default 20, at most 100). Returns false
 * after answering 400 when either is malformed. */
bool net_req_page(net_req *r, size_t *page, size_t *per_page);
/* A request header's value (NUL-terminated in the arena), or NULL. */
const char *net_req_header(net_req *r, const char *name);
/* The client's address as text ("127.0.0.1"), for rate limits and logs. */
const char *net_req_peer(net_req *r);

/* ---- authorisation ---- */

/* Resolves the bearer token once. Returns the principal (signed_in false when anonymous).
 * A present but invalid or expired token answers 401 and returns NULL. */
const net_principal *net_req_auth(net_req *r);
/* The caller as core/ sees it (user_id NULL when anonymous); false after answering 401 for
 * a bad token. Every handler builds its core_actor here and nowhere else. */
bool net_req_actor(net_req *r, core_actor *actor);
/* Authorises an action that concerns the caller rather than a record (the moderation
 * queue, one's notifications and account, the batch run) through the one table in
 * core/authz.c, filling actor. false after answering 401, or 403 with why (or a message
 * naming the action when why is NULL). Actions on a record are authorised in core/. */
bool net_req_allow(net_req *r, core_action action, core_actor *actor, const char *why);
/* The principal of a signed-in caller (the table's "signed_in" row); NULL after answering
 * 401. For handlers that need the session or username, not only the actor. */
const net_principal *net_req_user(net_req *r);

/* ---- answering ---- */

/* Sends status with v as the body (JSON or MessagePack); v == NULL sends no body. */
void net_reply(net_req *r, int status, const core_value *v);
/* Sends a body already encoded in the negotiated format (bytes are copied). */
void net_reply_raw(net_req *r, int status, const char *content_type, const char *bytes, size_t len);
/* Answers status with a body of len bytes that read(ctx, offset, buf, want) supplies piece
 * by piece as the client takes them, at most cap bytes at a time (the one buffer this
 * response holds). read copies up to want bytes of the body from offset into buf and
 * returns how many (> 0), or a negative code, which cuts the response short. It runs on the
 * request's loop; ctx must live as long as the request (allocate it with net_req_pool). */
typedef long (*net_read_fn)(void *ctx, size_t offset, char *buf, size_t want);
void net_reply_stream(net_req *r, int status, const char *content_type, size_t len, size_t cap,
                      net_read_fn read, void *ctx);
/* Memory that lives as long as the request (h2o's pool), for net_reply_stream's ctx. */
void *net_req_pool(net_req *r, size_t size);
/* Sends the error for a core code with a message a person reads; fields (an object of
 * field -> reason) only with CORE_EINVALID. */
void net_fail(net_req *r, int code, const char *message, const core_value *fields);
/* Sends an error by HTTP status for the few statuses core has no code for (405, 415). */
void net_fail_status(net_req *r, int status, const char *message);
/* Adds a response header (copied into the request's pool). */
void net_add_header(net_req *r, const char *name, const char *value);

/* ---- work off the loop ---- */

/* Builds the response of a successful write on the committer thread, inside the write's
 * transaction, so that it can be stored with the Idempotency-Key in the same batch. */
typedef void (*net_write_respond_fn)(void *arg, core_arena *a, int *status, core_value *body);
/* Called on the loop thread when a write failed, to answer (default: net_fail with the
 * code and a generic message when NULL). */
typedef void (*net_write_fail_fn)(net_req *r, int rc, void *arg);

/* Runs fn as one store write; answers with respond's result once it is durable, or
 * through fail. Honours Idempotency-Key on POST. arg must live in r->arena. */
void net_req_write(net_req *r, core_txn_fn fn, void *arg, net_write_respond_fn respond,
                   net_write_fail_fn fail);

/* True when the request's Idempotency-Key has a stored first answer, which net_req_write
 * will replay without running its write: a handler skips its costly preparation then. */
bool net_req_idempotent_seen(net_req *r);

/* Runs work on the worker pool, then calls back on this request's loop with the request
 * (never called when the client has gone away). arg must live in r->arena. */
typedef void (*net_offload_fn)(void *arg);
typedef void (*net_resume_fn)(net_req *r, void *arg);
void net_req_offload(net_req *r, net_offload_fn work, net_resume_fn resume, void *arg);

/* Answers the writes of thread t that were waiting for the feed to make them visible. */
void net_http_release_visible(net_thread *t);
/* Registers the loop-side receiver of finished jobs for a thread (server.c). */
void net_http_thread_init(net_thread *t);
/* h2o's entry point: routes, decodes the body, calls the handler (server.c installs it). */
int net_http_on_req(h2o_handler_t *self, h2o_req_t *req);

/* Monotonic microseconds. */
uint64_t net_now_us(void);

#endif
