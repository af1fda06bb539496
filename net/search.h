/* search.h: handlers of the Search section of API.md (see search.c). */
#ifndef ECCPD_NET_SEARCH_H
#define ECCPD_NET_SEARCH_H

#include "index/index.h"
#include "net/http.h"

void net_search(net_req *r);  /* GET /v1/search */
void net_suggest(net_req *r); /* GET /v1/suggest */
void net_map(net_req *r);     /* GET /v1/map */

/* The calling thread's index reader, refreshed to what the feed has made visible (for the
 * other handlers that search: the ClusterXchange catalogue); NULL after answering 503.
 * Owned by the thread. */
index_reader *net_search_reader(net_req *r);

#endif
