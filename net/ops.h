/* ops.h: handlers of the operational endpoints (see ops.c). */
#ifndef ECCPD_NET_OPS_H
#define ECCPD_NET_OPS_H

#include "net/http.h"

void net_ops_healthz(net_req *r);
void net_ops_readyz(net_req *r);
void net_ops_metrics(net_req *r);
void net_ops_openapi(net_req *r);

#endif
