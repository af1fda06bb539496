/*
 * news.c: the handlers of a profile's news. Each parses the path, takes the caller's
 * identity and runs one core operation (core/news.c), which authorises through the table
 * and keeps the record, its keys and its attachments' references in one write.
 */
#include "net/news.h"

#include <string.h>

#include "core/error.h"
#include "core/id.h"
#include "core/image.h"
#include "core/news.h"

typedef struct call {
    core_news_op op;
    int ok_status;
} call;

/* The call for the caller and the path; NULL once answered (bad token, malformed id). */
static call *new_call(net_req *r, int ok_status, bool with_nid)
{
    const char *pid = net_req_param(r, "id");
    const char *nid = with_nid ? net_req_param(r, "nid") : NULL;
    if (pid == NULL || !core_id_valid(pid)) {
        net_fail(r, CORE_ENOTFOUND, "no such profile", NULL);
        return NULL;
    }
    if (with_nid && (nid == NULL || !core_id_valid(nid))) {
        net_fail(r, CORE_ENOTFOUND, "no such news item on this profile", NULL);
        return NULL;
    }
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return NULL;
    call *c = core_arena_alloc(&r->arena, sizeof(*c));
    core_news_op_init(&c->op, &r->arena, &actor);
    c->op.profile_id = pid;
    c->op.id = nid;
    c->op.body = net_req_body(r);
    c->ok_status = ok_status;
    return c;
}

static void respond(void *arg, core_arena *a, int *status, core_value *body)
{
    call *c = arg;
    *status = c->ok_status;
    *body = c->ok_status == 204 ? core_value_null() : core_news_view(a, &c->op.rec);
}

static void op_fail(net_req *r, int rc, void *arg)
{
    call *c = arg;
    net_fail(r, rc, c->op.message, &c->op.fields.obj);
}

void net_news_create(net_req *r)
{
    call *c = new_call(r, 201, false);
    if (c != NULL)
        net_req_write(r, core_news_create_txn, c, respond, op_fail);
}

void net_news_patch(net_req *r)
{
    call *c = new_call(r, 200, true);
    if (c != NULL)
        net_req_write(r, core_news_patch_txn, c, respond, op_fail);
}

void net_news_delete(net_req *r)
{
    call *c = new_call(r, 204, true);
    if (c != NULL)
        net_req_write(r, core_news_delete_txn, c, respond, op_fail);
}

void net_news_list(net_req *r)
{
    const char *pid = net_req_param(r, "id");
    if (pid == NULL || !core_id_valid(pid)) {
        net_fail(r, CORE_ENOTFOUND, "no such profile", NULL);
        return;
    }
    core_actor actor;
    size_t page, per_page;
    if (!net_req_actor(r, &actor) || !net_req_page(r, &page, &per_page))
        return;
    core_value v;
    const char *message = NULL;
    int rc = core_news_list(r->server->store, &actor, pid, page, per_page, &r->arena, &v, &message);
    if (rc != 0) {
        net_fail(r, rc, message, NULL);
        return;
    }
    net_reply(r, 200, &v);
}

/* ---- logo and contact photo ---- */

typedef struct image_call {
    core_image_op op;
} image_call;

static image_call *new_image_call(net_req *r, const char *slot)
{
    const char *pid = net_req_param(r, "id");
    if (pid == NULL || !core_id_valid(pid)) {
        net_fail(r, CORE_ENOTFOUND, "no such profile", NULL);
        return NULL;
    }
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return NULL;
    image_call *c = core_arena_alloc(&r->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->op.actor = actor;
    c->op.profile_id = pid;
    c->op.slot = slot;
    c->op.out = &r->arena;
    return c;
}

static void image_done(void *arg, core_arena *a, int *status, core_value *body)
{
    (void)arg, (void)a;
    *status = 204;
    *body = core_value_null();
}

static void image_fail(net_req *r, int rc, void *arg)
{
    image_call *c = arg;
    net_fail(r, rc, c->op.message, NULL);
}

static void image_put(net_req *r, const char *slot)
{
    image_call *c = new_image_call(r, slot);
    if (c == NULL)
        return;
    if (!c->op.actor.user_id) {
        net_fail(r, CORE_EUNAUTH, "sign in first", NULL);
        return;
    }
    h2o_iovec_t body = r->req->entity;
    if (body.base == NULL || body.len == 0) {
        net_fail(r, CORE_EBADREQ, "send the image's bytes as the request body", NULL);
        return;
    }
    if (body.len > CORE_IMAGE_MAX) { /* the route's limit answers first; kept as a guard */
        net_fail(r, CORE_ETOOLARGE, "images are at most 2 MiB", NULL);
        return;
    }
    int rc = core_image_probe(body.base, body.len, &c->op.type, &c->op.width, &c->op.height);
    if (rc == CORE_EBADREQ) {
        net_fail_status(r, 415, "images are PNG or JPEG files, judged by their content");
        return;
    }
    if (rc != 0) {
        core_fields f;
        core_fields_init(&f, &r->arena);
        bool big = c->op.width > CORE_IMAGE_SIDE_MAX || c->op.height > CORE_IMAGE_SIDE_MAX;
        core_fields_add(
            &f, "image",
            big ? core_arena_printf(&r->arena,
                                    "must be between 1 and %d pixels a side (this one is larger)",
                                    CORE_IMAGE_SIDE_MAX)
                : core_arena_printf(&r->arena,
                                    "must be between 1 and %d pixels a side, with a readable "
                                    "header (this one reads %ux%u)",
                                    CORE_IMAGE_SIDE_MAX, c->op.width, c->op.height));
        net_fail(r, CORE_EINVALID, "the image cannot be used; see fields", &f.obj);
        return;
    }
    c->op.bytes = (core_slice){body.base, body.len};
    net_req_write(r, core_image_put_txn, c, image_done, image_fail);
}

static void image_delete(net_req *r, const char *slot)
{
    image_call *c = new_image_call(r, slot);
    if (c != NULL)
        net_req_write(r, core_image_delete_txn, c, image_done, image_fail);
}

static void image_get(net_req *r, const char *slot)
{
    const char *pid = net_req_param(r, "id");
    if (pid == NULL || !core_id_valid(pid)) {
        net_fail(r, CORE_ENOTFOUND, "no such profile", NULL);
        return;
    }
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return;
    const char *inm = net_req_header(r, "if-none-match");
    core_value meta;
    core_slice bytes;
    bool pub = false;
    const char *message = NULL;
    /* the metadata first: a matching ETag answers 304 without reading the bytes */
    int rc = core_image_read(r->server->store, &actor, pid, slot, false, &r->arena, &meta, &bytes,
                             &pub, &message);
    const char *etag = rc == 0 ? core_value_get_str(&meta, "etag") : NULL;
    bool fresh = etag != NULL && inm != NULL && strstr(inm, etag) != NULL;
    if (rc == 0 && !fresh)
        rc = core_image_read(r->server->store, &actor, pid, slot, true, &r->arena, &meta, &bytes,
                             &pub, &message);
    if (rc != 0) {
        net_fail(r, rc, message, NULL);
        return;
    }
    net_add_header(r, "etag", etag);
    /* public images may be cached briefly by anyone, and always revalidated cheaply with
     * the ETag; a hidden profile's image only by the browser of the admin who asked */
    net_add_header(r, "cache-control", pub ? "public, max-age=300" : "private, no-cache");
    net_add_header(r, "x-content-type-options", "nosniff");
    if (fresh) {
        net_reply_raw(r, 304, core_value_get_str(&meta, "content_type"), "", 0);
        return;
    }
    net_reply_raw(r, 200, core_value_get_str(&meta, "content_type"), bytes.ptr, bytes.len);
}

void net_logo_put(net_req *r)
{
    image_put(r, "logo");
}
void net_logo_get(net_req *r)
{
    image_get(r, "logo");
}
void net_logo_delete(net_req *r)
{
    image_delete(r, "logo");
}
void net_photo_put(net_req *r)
{
    image_put(r, "contact_photo");
}
void net_photo_get(net_req *r)
{
    image_get(r, "contact_photo");
}
void net_photo_delete(net_req *r)
{
    image_delete(r, "contact_photo");
}
