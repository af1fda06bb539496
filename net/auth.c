/* auth.c: resolving the bearer token of a request into a principal, once per request. */
#include <string.h>
#include <strings.h>

#include "core/account.h"
#include "core/error.h"
#include "net/http.h"

const net_principal *net_req_auth(net_req *r)
{
    if (r->auth_checked)
        return &r->who;
    r->auth_checked = true;
    const char *h = net_req_header(r, "authorization");
    if (h == NULL)
        return &r->who;
    if (strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
        net_fail(r, CORE_EUNAUTH, "the Authorization header must be \"Bearer <token>\"", NULL);
        return NULL;
    }
    core_value user;
    const char *skey;
    int rc = core_session_resolve(r->server->store, h + 7, &r->arena, &user, &skey);
    if (rc == CORE_EUNAUTH) {
        net_fail(r, CORE_EUNAUTH, "the session token is unknown or has expired; sign in again",
                 NULL);
        return NULL;
    }
    if (rc != 0) {
        net_fail(r, rc, "could not check the session", NULL);
        return NULL;
    }
    r->who.signed_in = true;
    r->who.user_id = core_value_get_str(&user, "id");
    r->who.username = core_value_get_str(&user, "username");
    r->who.role = core_value_get_str(&user, "role");
    if (r->who.role == NULL)
        r->who.role = "user";
    r->who.session_key = skey;
    return &r->who;
}
