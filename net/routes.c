/*
 * routes.c: the route table of the HTTP API. Every endpoint the server answers is listed
 * here, and /openapi.json (net/openapi.json) describes the same set.
 */
#include "net/accounts.h"
#include "net/events.h"
#include "net/attachments.h"
#include "net/ops.h"
#include "net/partner.h"
#include "net/profiles.h"
#include "net/search.h"
#include "net/server.h"
#include "net/web.h"
#include "net/xchange.h"
#include "net/exchange.h"
#include "net/news.h"
#include "net/personal.h"

void net_routes_register(net_router *r)
{
    net_router_add(r, "GET", "/healthz", net_ops_healthz, NET_ROUTE_NO_LOG, 0);
    net_router_add(r, "GET", "/readyz", net_ops_readyz, NET_ROUTE_NO_LOG, 0);
    net_router_add(r, "GET", "/metrics", net_ops_metrics, NET_ROUTE_NO_LOG, 0);
    net_router_add(r, "GET", "/openapi.json", net_ops_openapi, 0, 0);

    net_router_add(r, "POST", "/v1/users", net_accounts_register, 0, 16 * 1024);
    net_router_add(r, "POST", "/v1/sessions", net_accounts_login, NET_ROUTE_NO_REPLAY, 8 * 1024);
    net_router_add(r, "DELETE", "/v1/sessions/current", net_accounts_logout, 0, 0);
    net_router_add(r, "GET", "/v1/me", net_accounts_me, 0, 0);
    net_router_add(r, "POST", "/v1/password-resets", net_accounts_reset_request, 0, 4096);
    net_router_add(r, "PUT", "/v1/password-resets/{token}", net_accounts_reset_complete, 0, 4096);
    net_router_add(r, "GET", "/v1/me/notifications", net_notifications_list, 0, 0);
    net_router_add(r, "POST", "/v1/me/notifications/{id}/read", net_notifications_read, 0, 0);

    net_router_add(r, "POST", "/v1/profiles", net_profiles_create, 0, 0);
    net_router_add(r, "GET", "/v1/profiles/{id}", net_profiles_get, 0, 0);
    net_router_add(r, "PATCH", "/v1/profiles/{id}", net_profiles_patch, 0, 0);
    net_router_add(r, "DELETE", "/v1/profiles/{id}", net_profiles_delete, 0, 0);
    net_router_add(r, "GET", "/v1/profiles/{id}/check", net_profiles_check, 0, 0);
    net_router_add(r, "POST", "/v1/profiles/{id}/submit", net_profiles_submit, 0, 0);
    net_router_add(r, "POST", "/v1/profiles/{id}/moderation", net_profiles_moderate, 0, 0);
    net_router_add(r, "POST", "/v1/profiles/{id}/admins", net_profiles_admin_add, 0, 0);
    net_router_add(r, "DELETE", "/v1/profiles/{id}/admins/{user_id}", net_profiles_admin_remove, 0,
                   0);
    net_router_add(r, "POST", "/v1/profiles/{id}/affiliations/{member_id}",
                   net_profiles_affiliation, 0, 0);
    net_router_add(r, "GET", "/v1/profiles/{id}/members", net_profiles_members, 0, 0);
    net_router_add(r, "GET", "/v1/moderation/queue", net_moderation_queue, 0, 0);

    net_router_add(r, "GET", "/v1/search", net_search, 0, 0);
    net_router_add(r, "GET", "/v1/suggest", net_suggest, 0, 0);
    net_router_add(r, "GET", "/v1/map", net_map, 0, 0);

    net_router_add(r, "POST", "/v1/xchange/registrations", net_xchange_register, 0, 64 * 1024);
    net_router_add(r, "GET", "/v1/xchange/registrations/{id}", net_xchange_get, 0, 0);
    net_router_add(r, "POST", "/v1/xchange/registrations/{id}/decision", net_xchange_decide, 0,
                   8 * 1024);
    net_router_add(r, "GET", "/v1/xchange/registrations/{id}/matches", net_xchange_matches, 0, 0);
    net_router_add(r, "POST", "/v1/xchange/batch-match", net_xchange_batch, 0, 4 * 1024 * 1024);

    net_router_add(r, "POST", "/v1/events", net_events_create, 0, 64 * 1024);
    net_router_add(r, "GET", "/v1/events", net_events_agenda, 0, 0);
    net_router_add(r, "GET", "/v1/events/{id}", net_events_get, 0, 0);
    net_router_add(r, "PATCH", "/v1/events/{id}", net_events_patch, 0, 64 * 1024);
    net_router_add(r, "POST", "/v1/events/{id}/cancel", net_events_cancel, 0, 0);
    net_router_add(r, "POST", "/v1/events/{id}/participants", net_events_apply, 0, 4096);
    net_router_add(r, "GET", "/v1/events/{id}/participants", net_events_participants, 0, 0);
    net_router_add(r, "POST", "/v1/events/{id}/participants/{pid}/decision", net_events_decide, 0,
                   4096);
    net_router_add(r, "PUT", "/v1/events/{id}/slots", net_events_slots, 0, 64 * 1024);
    net_router_add(r, "PUT", "/v1/events/{id}/participants/{pid}/unavailable",
                   net_events_unavailable, 0, 16 * 1024);
    net_router_add(r, "POST", "/v1/events/{id}/meeting-requests", net_events_request, 0, 4096);
    net_router_add(r, "GET", "/v1/events/{id}/meeting-requests", net_events_requests, 0, 0);
    net_router_add(r, "POST", "/v1/events/{id}/meeting-requests/{rid}", net_events_answer, 0, 4096);
    net_router_add(r, "POST", "/v1/events/{id}/schedule", net_events_schedule, 0, 0);
    net_router_add(r, "GET", "/v1/events/{id}/schedule", net_events_schedule_get, 0, 0);
    net_exchange_routes(r); /* ClusterXchange exchanges (net/exchange.c) */
    /* Partner search (issue 16) */
    net_router_add(r, "POST", "/v1/partner-searches", net_partner_create, 0, 256 * 1024);
    net_router_add(r, "GET", "/v1/partner-searches", net_partner_list, 0, 0);
    net_router_add(r, "GET", "/v1/partner-searches/{id}", net_partner_get, 0, 0);
    net_router_add(r, "PATCH", "/v1/partner-searches/{id}", net_partner_patch, 0, 256 * 1024);
    net_router_add(r, "POST", "/v1/partner-searches/{id}/close", net_partner_close, 0, 4096);
    net_router_add(r, "PUT", "/v1/partner-searches/{id}/follow", net_partner_follow, 0, 4096);
    net_router_add(r, "DELETE", "/v1/partner-searches/{id}/follow", net_partner_unfollow, 0, 0);
    net_router_add(r, "POST", "/v1/partner-searches/{id}/interests", net_partner_interest, 0,
                   64 * 1024);
    net_router_add(r, "GET", "/v1/partner-searches/{id}/interests", net_partner_interests, 0, 0);
    net_router_add(r, "POST", "/v1/partner-searches/{id}/comments", net_partner_comment, 0,
                   64 * 1024);
    net_router_add(r, "GET", "/v1/partner-searches/{id}/comments", net_partner_comments, 0, 0);
    net_router_add(r, "POST", "/v1/attachments", net_attachments_upload, NET_ROUTE_RAW_BODY,
                   10 * 1024 * 1024);
    net_router_add(r, "GET", "/v1/attachments/{id}", net_attachments_get, 0, 0);
    /* The web front end (net/web.c): the app page at each page route, its files under
     * /static. Its modules read the route from the URL and draw the page from the API. */
    net_router_add(r, "GET", "/", net_web_page, 0, 0);
    net_router_add(r, "GET", "/profiles/{id}", net_web_page, 0, 0);
    net_router_add(r, "GET", "/profiles/{id}/draft", net_web_page, 0, 0);
    net_router_add(r, "GET", "/sign-in", net_web_page, 0, 0);
    net_router_add(r, "GET", "/register", net_web_page, 0, 0);
    net_router_add(r, "GET", "/account", net_web_page, 0, 0);
    net_router_add(r, "GET", "/forgot-password", net_web_page, 0, 0);
    net_router_add(r, "GET", "/reset-password", net_web_page, 0, 0);
    net_router_add(r, "GET", "/moderation", net_web_page, 0, 0);
    net_router_add(r, "GET", "/xchange", net_web_page, 0, 0);
    /* Pages of partner search, events and matchmaking, ClusterXchange (issues 16-18). */
    net_router_add(r, "GET", "/partner-searches", net_web_page, 0, 0);
    net_router_add(r, "GET", "/partner-searches/{id}", net_web_page, 0, 0);
    net_router_add(r, "GET", "/events", net_web_page, 0, 0);
    net_router_add(r, "GET", "/events/{id}", net_web_page, 0, 0);
    net_router_add(r, "GET", "/events/{id}/edit", net_web_page, 0, 0);
    net_router_add(r, "GET", "/events/{id}/matchmaking", net_web_page, 0, 0);
    net_router_add(r, "GET", "/events/{id}/agenda", net_web_page, 0, 0);
    net_router_add(r, "GET", "/xchange/catalogue", net_web_page, 0, 0);
    net_router_add(r, "GET", "/xchange/messages", net_web_page, 0, 0);
    net_router_add(r, "GET", "/xchange/exchanges/{id}", net_web_page, 0, 0);
    net_router_add(r, "GET", "/static/{file}", net_web_static, 0, 0);
    net_router_add(r, "GET", "/static/js/{file}", net_web_static, 0, 0);
    /* Profile content (issue 20): news (net/news.c) */
    net_router_add(r, "POST", "/v1/profiles/{id}/news", net_news_create, 0, 128 * 1024);
    net_router_add(r, "GET", "/v1/profiles/{id}/news", net_news_list, 0, 0);
    net_router_add(r, "PATCH", "/v1/profiles/{id}/news/{nid}", net_news_patch, 0, 128 * 1024);
    net_router_add(r, "DELETE", "/v1/profiles/{id}/news/{nid}", net_news_delete, 0, 0);
    net_router_add(r, "PUT", "/v1/profiles/{id}/logo", net_logo_put, NET_ROUTE_RAW_BODY,
                   2 * 1024 * 1024);
    net_router_add(r, "GET", "/v1/profiles/{id}/logo", net_logo_get, 0, 0);
    net_router_add(r, "DELETE", "/v1/profiles/{id}/logo", net_logo_delete, 0, 0);
    net_router_add(r, "PUT", "/v1/profiles/{id}/contact/photo", net_photo_put, NET_ROUTE_RAW_BODY,
                   2 * 1024 * 1024);
    net_router_add(r, "GET", "/v1/profiles/{id}/contact/photo", net_photo_get, 0, 0);
    net_router_add(r, "DELETE", "/v1/profiles/{id}/contact/photo", net_photo_delete, 0, 0);
    /* Personal data (issue 20): net/personal.c */
    net_router_add(r, "PUT", "/v1/me/newsletters", net_me_newsletters, 0, 4096);
    net_router_add(r, "GET", "/v1/me/export", net_me_export, 0, 0);
    net_router_add(r, "DELETE", "/v1/me", net_me_erase, NET_ROUTE_NO_REPLAY, 4096);
    net_router_add(r, "POST", "/v1/unsubscribe/{token}", net_unsubscribe, NET_ROUTE_RAW_BODY,
                   4096); /* RFC 8058 posts a form body: ignored */
    net_router_add(r, "GET", "/account/data", net_web_page, 0, 0); /* the account's data page */
}
