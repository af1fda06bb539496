/*
 * xchange.c: ClusterXchange handlers (API.md, ClusterXchange). Each parses, authorises
 * through core/authz.c, calls one core function (the rules of core/xchange.c) or the
 * matcher's records (matcher/records.c, which the feed keeps), and answers.
 *
 * Best matches run on the event loop against a snapshot with a per-thread scratch (a
 * scan over compact columns: microseconds to a few milliseconds); batch runs go to the
 * worker pool.
 */
#include "net/xchange.h"

#include <string.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/profile.h"
#include "core/xchange.h"
#include "core/xchange_msg.h"
#include "index/records.h"
#include "matcher/records.h"
#include "net/search.h"

/* ---- writes ---- */

static core_xchange_op *new_op(net_req *r)
{
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return NULL;
    core_xchange_op *op = core_arena_alloc(&r->arena, sizeof(*op));
    core_xchange_op_init(op, &r->arena, &actor);
    op->body = net_req_body(r);
    return op;
}

static void created_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    core_xchange_op *op = arg;
    *status = 201;
    *body = core_xchange_view(a, &op->rec);
}

static void updated_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    core_xchange_op *op = arg;
    *status = 200;
    *body = core_xchange_view(a, &op->rec);
}

static void op_fail(net_req *r, int rc, void *arg)
{
    core_xchange_op *op = arg;
    net_fail(r, rc, op->message, &op->fields.obj);
}

void net_xchange_register(net_req *r)
{
    core_xchange_op *op = new_op(r);
    if (op == NULL)
        return;
    if (op->actor.user_id == NULL) {
        net_fail(r, CORE_EUNAUTH, "sign in first", NULL);
        return;
    }
    net_req_write(r, core_xchange_create_txn, op, created_respond, op_fail);
}

void net_xchange_decide(net_req *r)
{
    const char *id = net_req_param(r, "id");
    if (id == NULL || !core_id_valid(id)) {
        net_fail(r, CORE_ENOTFOUND, "no such registration", NULL);
        return;
    }
    core_xchange_op *op = new_op(r);
    if (op == NULL)
        return;
    op->id = id;
    net_req_write(r, core_xchange_decide_txn, op, updated_respond, op_fail);
}

/* ---- reads ---- */

/* Loads registration {id} and its profile and authorises a read; answers and returns
 * false when the caller may not see it (404, never 403: existence does not leak). */
static bool load_readable(net_req *r, core_value *rec, core_value *prof, bool *have_prof)
{
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return false;
    const char *id = net_req_param(r, "id");
    int rc = core_xchange_get(r->server->store, id, &r->arena, rec);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such registration" : NULL, NULL);
        return false;
    }
    const char *pid = core_value_get_str(rec, "profile_id");
    rc = core_profile_get(r->server->store, pid, &r->arena, prof);
    if (rc != 0 && rc != CORE_ENOTFOUND) {
        net_fail(r, rc, NULL, NULL);
        return false;
    }
    *have_prof = rc == 0;
    rc =
        core_authorize(CORE_ACT_XCHANGE_READ, core_xchange_roles(&actor, *have_prof ? prof : NULL));
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such registration" : "sign in first", NULL);
        return false;
    }
    return true;
}

void net_xchange_get(net_req *r)
{
    core_value rec, prof;
    bool have_prof;
    if (!load_readable(r, &rec, &prof, &have_prof))
        return;
    core_value v = core_xchange_view(&r->arena, &rec);
    net_reply(r, 200, &v);
}

void net_xchange_matches(net_req *r)
{
    core_value rec, prof;
    bool have_prof;
    if (!load_readable(r, &rec, &prof, &have_prof))
        return;
    const char *role, *why;
    size_t limit;
    int rc = core_xchange_matches_query(&rec, net_req_query(r, "role"), net_req_query(r, "limit"),
                                        &r->arena, &role, &limit, &why);
    if (rc != 0) {
        net_fail(r, rc, why, NULL);
        return;
    }
    core_value out;
    rc = matcher_records_best(r->server->xchange, r->thread->index, r->server->store, &rec,
                              have_prof ? &prof : NULL, role, limit, &r->arena, &out, &why);
    if (rc != 0) {
        net_fail(r, rc, why, NULL);
        return;
    }
    net_reply(r, 200, &out);
}

/* ---- batch assignment ---- */

static void batch_work(void *arg)
{
    matcher_records_batch_run(arg);
}

static void batch_resume(net_req *r, void *arg)
{
    matcher_records_batch *j = arg;
    if (j->rc != 0)
        net_fail(r, j->rc,
                 j->rc == CORE_ENOMEM || j->rc == CORE_ETOOLARGE
                     ? "the problem is too large: list fewer registrations or raise min_score"
                     : NULL,
                 NULL);
    else {
        core_value out = matcher_records_batch_view(j, &r->arena);
        net_reply(r, 200, &out);
    }
    matcher_records_batch_dispose(j);
}

void net_xchange_batch(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_XCHANGE_BATCH, &actor,
                       "only moderators run the batch assignment"))
        return;
    core_fields f;
    core_fields_init(&f, &r->arena);
    const char **only;
    matcher_records_batch *j = core_arena_alloc(&r->arena, sizeof(*j));
    matcher_records_batch_init(j, r->server->xchange);
    core_xchange_batch_parse(net_req_body(r), &f, &r->arena, &only, &j->n_only, &j->min_score);
    j->only = only;
    if (core_fields_any(&f)) {
        net_fail(r, CORE_EINVALID, "the batch request has errors; see fields", &f.obj);
        return;
    }
    net_req_offload(r, batch_work, batch_resume, j);
}

/* ---- lists and messages ---- */

void net_xchange_list(net_req *r)
{
    size_t page, per_page;
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_SIGNED_IN, &actor, NULL) || !net_req_page(r, &page, &per_page))
        return;
    core_value v;
    int rc = core_xchange_list(r->server->store, &actor, net_req_query(r, "state"), page, per_page,
                               &r->arena, &v);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_EBADREQ ? "state is pending, accepted or rejected" : NULL, NULL);
        return;
    }
    net_reply(r, 200, &v);
}

static core_xchange_msg_op *new_msg_op(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_SIGNED_IN, &actor, NULL))
        return NULL;
    core_xchange_msg_op *op = core_arena_alloc(&r->arena, sizeof(*op));
    core_xchange_msg_op_init(op, &r->arena, &actor);
    op->body = net_req_body(r);
    op->id = net_req_param(r, "id");
    op->with = net_req_param(r, "with");
    return op;
}

static void msg_created(void *arg, core_arena *a, int *status, core_value *body)
{
    core_xchange_msg_op *op = arg;
    (void)a;
    *status = 201;
    *body = op->view;
}

static void msg_read(void *arg, core_arena *a, int *status, core_value *body)
{
    core_xchange_msg_op *op = arg;
    (void)a;
    *status = 200;
    *body = op->view;
}

static void msg_fail(net_req *r, int rc, void *arg)
{
    core_xchange_msg_op *op = arg;
    net_fail(r, rc, op->message, &op->fields.obj);
}

void net_xchange_message(net_req *r)
{
    core_xchange_msg_op *op = new_msg_op(r);
    if (op != NULL)
        net_req_write(r, core_xchange_message_txn, op, msg_created, msg_fail);
}

void net_xchange_conversation(net_req *r)
{
    core_xchange_msg_op *op = new_msg_op(r);
    if (op != NULL)
        net_req_write(r, core_xchange_conversation_txn, op, msg_read, msg_fail);
}

void net_xchange_conversations(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_SIGNED_IN, &actor, NULL))
        return;
    core_value v;
    int rc =
        core_xchange_conversations(r->server->store, &actor, net_req_param(r, "id"), &r->arena, &v);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such registration" : NULL, NULL);
        return;
    }
    net_reply(r, 200, &v);
}

/* ---- the catalogue ---- */

/* A comma-separated query parameter as slices in the arena (at most 64); false after
 * answering 400. */
static bool csv_param(net_req *r, const char *name, const index_str **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *v = net_req_query(r, name);
    if (v == NULL || *v == '\0')
        return true;
    index_str *items = core_arena_alloc(&r->arena, 64 * sizeof(*items));
    for (const char *p = v; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            if (*n == 64) {
                net_fail(r, CORE_EBADREQ,
                         core_arena_printf(&r->arena, "%s lists too many values", name), NULL);
                return false;
            }
            items[(*n)++] = (index_str){p, len};
        }
        p += len + (end != NULL);
    }
    *out = items;
    return true;
}

/* A tag group "<prefix>:<value>" for each value of query parameter name; false after
 * answering 400. */
static bool tag_param(net_req *r, const char *name, const char *prefix, index_tag_group *groups,
                      size_t *ng)
{
    const index_str *vals;
    size_t n;
    if (!csv_param(r, name, &vals, &n))
        return false;
    if (n == 0)
        return true;
    index_str *tags = core_arena_alloc(&r->arena, n * sizeof(*tags));
    for (size_t i = 0; i < n; i++) {
        char *t = core_arena_printf(&r->arena, "%s:%.*s", prefix, (int)vals[i].len, vals[i].ptr);
        tags[i] = (index_str){t, strlen(t)};
    }
    groups[(*ng)++] = (index_tag_group){tags, n};
    return true;
}

/* The catalogue's hit: the registration's public members only. */
static core_value catalogue_hit(net_req *r, const index_hit *h)
{
    core_arena *a = &r->arena;
    core_value v = core_value_obj(), p = core_value_obj(), rec;
    core_value_set(a, &v, "registration_id", core_value_cstr(a, h->id));
    bool have = core_xchange_get(r->server->store, h->id, a, &rec) == 0;
    const char *pid = have ? core_value_get_str(&rec, "profile_id") : NULL;
    core_value_set(a, &p, "id", pid ? core_value_cstr(a, pid) : core_value_null());
    core_value_set(a, &p, "name", core_value_cstr(a, h->name));
    core_value_set(a, &p, "country", core_value_cstr(a, h->country));
    core_value_set(a, &p, "city", core_value_cstr(a, h->city));
    core_value_set(a, &v, "profile", p);
    core_xchange_catalogue_fields(a, have ? &rec : NULL, &v);
    core_value_set(a, &v, "snippet", core_value_cstr(a, h->snippet));
    return v;
}

void net_xchange_catalogue(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_XCHANGE_CATALOGUE, &actor, NULL))
        return;
    index_query q = index_query_default();
    size_t page, per_page;
    if (!net_req_page(r, &page, &per_page))
        return;
    const char *text = net_req_query(r, "q");
    q.q = index_cstr(text ? text : "");
    q.page = (uint32_t)page;
    q.per_page = (uint32_t)per_page;
    q.filter.kinds = 1u << INDEX_KIND_XCHANGE;
    q.facets =
        (1u << INDEX_FACET_COUNTRY) | (1u << INDEX_FACET_ECOSYSTEM) | (1u << INDEX_FACET_TYPE);
    index_tag_group *groups = core_arena_alloc(&r->arena, 4 * sizeof(*groups));
    size_t ng = 0;
    const char *month = net_req_query(r, "month");
    if (month != NULL && (strlen(month) != 7 || core_xchange_parse_day(core_arena_printf(
                                                    &r->arena, "%s-01", month)) < 0)) {
        net_fail(r, CORE_EBADREQ, "month is a month such as 2027-05", NULL);
        return;
    }
    const char *role = net_req_query(r, "role");
    if (role != NULL && strcmp(role, "host") != 0 && strcmp(role, "visitor") != 0) {
        net_fail(r, CORE_EBADREQ, "role is host or visitor", NULL);
        return;
    }
    if (!csv_param(r, "country", &q.filter.countries, &q.filter.countries_len) ||
        !csv_param(r, "ecosystem", &q.filter.ecosystems, &q.filter.ecosystems_len) ||
        !tag_param(r, "role", "role", groups, &ng) ||
        !tag_param(r, "objective", "objective", groups, &ng) ||
        !tag_param(r, "language", "language", groups, &ng) ||
        !tag_param(r, "month", "month", groups, &ng))
        return;
    q.filter.tag_groups = groups;
    q.filter.tag_groups_len = ng;
    index_reader *ix = net_search_reader(r);
    if (ix == NULL)
        return;
    index_result *res;
    int rc = index_search(ix, &q, &res);
    if (rc != 0) {
        int code = index_core_error(rc);
        net_fail(r, code,
                 code == CORE_EBADREQ ? index_last_error() : "the catalogue could not answer",
                 NULL);
        return;
    }
    core_arena *a = &r->arena;
    core_value hits = core_value_arr(), facets = core_value_obj();
    for (size_t i = 0; i < res->hits_len; i++)
        core_value_push(a, &hits, catalogue_hit(r, &res->hits[i]));
    /* facets: country, ecosystem, and role (a host_and_visitor counts for both) */
    int64_t roles[2] = {0, 0};
    for (int f = 0; f < INDEX_FACET_COUNT; f++) {
        const index_facet *fc = &res->facets[f];
        if (fc->name == NULL)
            continue;
        if (f == INDEX_FACET_TYPE) {
            for (size_t i = 0; i < fc->len; i++) {
                unsigned sides = core_xchange_role_sides(fc->values[i].value);
                if (sides & CORE_XCHANGE_SIDE_HOST)
                    roles[0] += fc->values[i].count;
                if (sides & CORE_XCHANGE_SIDE_VISITOR)
                    roles[1] += fc->values[i].count;
            }
            continue;
        }
        core_value vals = core_value_arr();
        for (size_t i = 0; i < fc->len; i++) {
            core_value e = core_value_obj();
            core_value_set(a, &e, "value", core_value_cstr(a, fc->values[i].value));
            core_value_set(a, &e, "count", core_value_int(fc->values[i].count));
            core_value_push(a, &vals, e);
        }
        core_value_set(a, &facets, core_arena_strndup(a, fc->name, strlen(fc->name)), vals);
    }
    core_value rv = core_value_arr();
    static const char *const role_names[2] = {"host", "visitor"};
    for (int i = 0; i < 2; i++)
        if (roles[i] > 0) {
            core_value e = core_value_obj();
            core_value_set(a, &e, "value", core_value_cstr(a, role_names[i]));
            core_value_set(a, &e, "count", core_value_int(roles[i]));
            core_value_push(a, &rv, e);
        }
    core_value_set(a, &facets, "role", rv);
    core_value out = core_value_obj();
    core_value_set(a, &out, "total", core_value_int((int64_t)res->total));
    core_value_set(a, &out, "hits", hits);
    core_value_set(a, &out, "facets", facets);
    core_value_set(a, &out, "took_ms", core_value_double(res->took_ms));
    index_result_free(res);
    net_reply(r, 200, &out);
}
