/* attachments.c: see attachments.h. */
#include "net/attachments.h"

#include <string.h>

#include "core/attachment.h"
#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"

static void created(void *arg, core_arena *a, int *status, core_value *body)
{
    (void)a;
    core_attachment_new *n = arg;
    *status = 201;
    *body = n->meta;
}

static void create_failed(net_req *r, int rc, void *arg)
{
    (void)arg;
    net_fail(r, rc, rc == CORE_ETOOLARGE ? "attachments are at most 10 MiB" : NULL, NULL);
}

void net_attachments_upload(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_ATTACHMENT_UPLOAD, &actor, NULL))
        return;
    h2o_iovec_t body = r->req->entity;
    if (body.base == NULL || body.len == 0) {
        net_fail(r, CORE_EBADREQ, "send the file's bytes as the request body", NULL);
        return;
    }
    if (body.len > CORE_ATTACHMENT_MAX) { /* the route's limit answers first; kept as a guard */
        net_fail(r, CORE_ETOOLARGE, "attachments are at most 10 MiB", NULL);
        return;
    }
    core_attachment_new *n = core_arena_alloc(&r->arena, sizeof(*n));
    memset(n, 0, sizeof(*n));
    n->type = core_attachment_sniff(body.base, body.len, &n->ext);
    if (n->type == NULL) {
        net_fail_status(r, 415,
                        "attachments are PDF, ODT, DOCX, PNG or JPEG files, judged by their "
                        "content (not their name or Content-Type)");
        return;
    }
    n->user_id = actor.user_id;
    n->filename = net_req_header(r, "x-filename");
    n->bytes = (core_slice){body.base, body.len};
    n->out = &r->arena;
    net_req_write(r, core_attachment_create_txn, n, created, create_failed);
}

/* A download in progress: what read_piece needs while the client takes the pieces. */
typedef struct download {
    core_store *store;
    char id[CORE_ID_LEN + 1];
} download;

static long read_piece(void *ctx, size_t offset, char *buf, size_t want)
{
    download *d = ctx;
    return core_attachment_pread(d->store, d->id, offset, buf, want);
}

void net_attachments_get(net_req *r)
{
    const char *id = net_req_param(r, "id");
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return;
    core_value meta;
    int rc = core_attachment_authorize(r->server->store, &actor, id, &r->arena);
    if (rc == 0)
        rc = core_attachment_meta(r->server->store, id, &r->arena, &meta);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such attachment" : NULL, NULL);
        return;
    }
    net_add_header(r, "content-disposition",
                   core_attachment_disposition(&r->arena, core_value_get_str(&meta, "filename")));
    net_add_header(r, "x-content-type-options", "nosniff");
    net_add_header(r, "content-security-policy", "sandbox");
    const core_value *size = core_value_get(&meta, "size");
    download *d = net_req_pool(r, sizeof(*d));
    d->store = r->server->store;
    memcpy(d->id, id, CORE_ID_LEN + 1);
    net_reply_stream(r, 200, core_value_get_str(&meta, "content_type"),
                     size != NULL && size->type == CORE_INT ? (size_t)size->u.i : 0,
                     CORE_ATTACHMENT_CHUNK, read_piece, d);
}
