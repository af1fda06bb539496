/* profiles.h: handlers of profiles, moderation and notifications (see profiles.c). */
#ifndef ECCPD_NET_PROFILES_H
#define ECCPD_NET_PROFILES_H

#include "net/http.h"

void net_profiles_create(net_req *r);       /* POST /v1/profiles */
void net_profiles_get(net_req *r);          /* GET /v1/profiles/{id} */
void net_profiles_patch(net_req *r);        /* PATCH /v1/profiles/{id} */
void net_profiles_delete(net_req *r);       /* DELETE /v1/profiles/{id} */
void net_profiles_check(net_req *r);        /* GET /v1/profiles/{id}/check */
void net_profiles_submit(net_req *r);       /* POST /v1/profiles/{id}/submit */
void net_profiles_moderate(net_req *r);     /* POST /v1/profiles/{id}/moderation */
void net_profiles_admin_add(net_req *r);    /* POST /v1/profiles/{id}/admins */
void net_profiles_admin_remove(net_req *r); /* DELETE /v1/profiles/{id}/admins/{user_id} */
void net_profiles_affiliation(net_req *r);  /* POST /v1/profiles/{id}/affiliations/{member_id} */
void net_profiles_members(net_req *r);      /* GET /v1/profiles/{id}/members */
void net_moderation_queue(net_req *r);      /* GET /v1/moderation/queue */
void net_notifications_list(net_req *r);    /* GET /v1/me/notifications */
void net_notifications_read(net_req *r);    /* POST /v1/me/notifications/{id}/read */

#endif
