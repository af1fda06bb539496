/* search.h: handlers of the Search section of API.md (see search.c). */
#ifndef ECCPD_NET_SEARCH_H
#define ECCPD_NET_SEARCH_H

#include "net/http.h"

void net_search(net_req *r);  /* GET /v1/search */
void net_suggest(net_req *r); /* GET /v1/suggest */
void net_map(net_req *r);     /* GET /v1/map */

#endif
