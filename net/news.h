/* news.h: news on profiles over HTTP (API.md, Profile content); see news.c. */
#ifndef ECCPD_NET_NEWS_H
#define ECCPD_NET_NEWS_H

#include "net/http.h"

void net_news_create(net_req *r); /* POST /v1/profiles/{id}/news */
void net_news_list(net_req *r);   /* GET /v1/profiles/{id}/news */
void net_news_patch(net_req *r);  /* PATCH /v1/profiles/{id}/news/{nid} */
void net_news_delete(net_req *r); /* DELETE /v1/profiles/{id}/news/{nid} */

/* The logo (/v1/profiles/{id}/logo) and the contact photo (/v1/profiles/{id}/contact/photo):
 * PUT a raw PNG or JPEG body, GET it (ETag, Cache-Control, If-None-Match), DELETE it. */
void net_logo_put(net_req *r);
void net_logo_get(net_req *r);
void net_logo_delete(net_req *r);
void net_photo_put(net_req *r);
void net_photo_get(net_req *r);
void net_photo_delete(net_req *r);

#endif
