/*
 * exchange.c: the exchange handlers. Each parses, calls one core function (the state
 * machine and the rules are core/exchange.c's, authorisation included), and answers.
 */
#include "net/exchange.h"

#include <string.h>

#include "core/error.h"
#include "core/exchange.h"
#include "core/id.h"
#include "net/xchange.h"

static core_exchange_op *new_op(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_SIGNED_IN, &actor, NULL))
        return NULL;
    core_exchange_op *op = core_arena_alloc(&r->arena, sizeof(*op));
    core_exchange_op_init(op, &r->arena, &actor);
    op->body = net_req_body(r);
    return op;
}

static void created_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    core_exchange_op *op = arg;
    (void)a;
    *status = 201;
    *body = op->view;
}

static void updated_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    core_exchange_op *op = arg;
    (void)a;
    *status = 200;
    *body = op->view;
}

static void op_fail(net_req *r, int rc, void *arg)
{
    core_exchange_op *op = arg;
    net_fail(r, rc, op->message, &op->fields.obj);
}

void net_exchange_propose(net_req *r)
{
    core_exchange_op *op = new_op(r);
    if (op != NULL)
        net_req_write(r, core_exchange_propose_txn, op, created_respond, op_fail);
}

static void step(net_req *r, core_exchange_action action)
{
    const char *id = net_req_param(r, "id");
    if (id == NULL || !core_id_valid(id)) {
        net_fail(r, CORE_ENOTFOUND, "no such exchange", NULL);
        return;
    }
    core_exchange_op *op = new_op(r);
    if (op == NULL)
        return;
    op->id = id;
    op->action = action;
    net_req_write(r, core_exchange_step_txn, op, updated_respond, op_fail);
}

void net_exchange_agree(net_req *r)
{
    step(r, CORE_EXCHANGE_AGREE);
}
void net_exchange_plan(net_req *r)
{
    step(r, CORE_EXCHANGE_PLAN);
}
void net_exchange_validate(net_req *r)
{
    step(r, CORE_EXCHANGE_VALIDATE);
}
void net_exchange_sign(net_req *r)
{
    step(r, CORE_EXCHANGE_SIGN);
}
void net_exchange_financial(net_req *r)
{
    step(r, CORE_EXCHANGE_FINANCIAL_AGREEMENT);
}
void net_exchange_start(net_req *r)
{
    step(r, CORE_EXCHANGE_START);
}
void net_exchange_report(net_req *r)
{
    step(r, CORE_EXCHANGE_CLOSING_REPORT);
}
void net_exchange_complete(net_req *r)
{
    step(r, CORE_EXCHANGE_COMPLETE);
}
void net_exchange_cancel(net_req *r)
{
    step(r, CORE_EXCHANGE_CANCEL);
}

void net_exchange_get(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_SIGNED_IN, &actor, NULL))
        return;
    core_value v;
    int rc = core_exchange_read(r->server->store, &actor, net_req_param(r, "id"), &r->arena, &v);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such exchange" : NULL, NULL);
        return;
    }
    net_reply(r, 200, &v);
}

void net_exchange_list(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_SIGNED_IN, &actor, NULL))
        return;
    const char *reg = net_req_query(r, "registration");
    if (reg == NULL) {
        net_fail(r, CORE_EBADREQ, "registration is required: the exchanges of which registration",
                 NULL);
        return;
    }
    core_value v;
    int rc = core_exchange_list(r->server->store, &actor, reg, &r->arena, &v);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such registration" : NULL, NULL);
        return;
    }
    net_reply(r, 200, &v);
}

void net_exchange_routes(net_router *r)
{
    enum { SMALL = 8 * 1024, TEXTS = 64 * 1024 };
    net_router_add(r, "GET", "/v1/xchange/registrations", net_xchange_list, 0, 0);
    net_router_add(r, "GET", "/v1/xchange/catalogue", net_xchange_catalogue, 0, 0);
    net_router_add(r, "POST", "/v1/xchange/registrations/{id}/messages", net_xchange_message, 0,
                   TEXTS);
    net_router_add(r, "GET", "/v1/xchange/registrations/{id}/conversations",
                   net_xchange_conversations, 0, 0);
    net_router_add(r, "GET", "/v1/xchange/registrations/{id}/conversations/{with}",
                   net_xchange_conversation, 0, 0);
    net_router_add(r, "POST", "/v1/xchange/exchanges", net_exchange_propose, 0, SMALL);
    net_router_add(r, "GET", "/v1/xchange/exchanges", net_exchange_list, 0, 0);
    net_router_add(r, "GET", "/v1/xchange/exchanges/{id}", net_exchange_get, 0, 0);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/agree", net_exchange_agree, 0, SMALL);
    net_router_add(r, "PUT", "/v1/xchange/exchanges/{id}/plan", net_exchange_plan, 0, TEXTS);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/validate", net_exchange_validate, 0,
                   SMALL);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/sign", net_exchange_sign, 0, SMALL);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/financial-agreement",
                   net_exchange_financial, 0, SMALL);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/start", net_exchange_start, 0, SMALL);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/closing-report", net_exchange_report, 0,
                   TEXTS);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/complete", net_exchange_complete, 0,
                   SMALL);
    net_router_add(r, "POST", "/v1/xchange/exchanges/{id}/cancel", net_exchange_cancel, 0, SMALL);
}
