/*
 * routes.c: the route table of the HTTP API. Every endpoint the server answers is listed
 * here, and /openapi.json (net/openapi.json) describes the same set.
 */
#include "net/accounts.h"
#include "net/ops.h"
#include "net/server.h"

void net_routes_register(net_router *r)
{
    net_router_add(r, "GET", "/healthz", net_ops_healthz, NET_ROUTE_NO_LOG, 0);
    net_router_add(r, "GET", "/readyz", net_ops_readyz, NET_ROUTE_NO_LOG, 0);
    net_router_add(r, "GET", "/metrics", net_ops_metrics, NET_ROUTE_NO_LOG, 0);
    net_router_add(r, "GET", "/openapi.json", net_ops_openapi, 0, 0);

    net_router_add(r, "POST", "/v1/users", net_accounts_register, 0, 16 * 1024);
    net_router_add(r, "POST", "/v1/sessions", net_accounts_login, 0, 8 * 1024);
    net_router_add(r, "DELETE", "/v1/sessions/current", net_accounts_logout, 0, 0);
    net_router_add(r, "GET", "/v1/me", net_accounts_me, 0, 0);
}
