/*
 * attachments.h: uploading and downloading attachments (API.md, Partner search): raw
 * bodies judged by their content (core/attachment.h), served with their type and a
 * Content-Disposition that cannot inject headers.
 */
#ifndef ECCPD_NET_ATTACHMENTS_H
#define ECCPD_NET_ATTACHMENTS_H

#include "net/http.h"

void net_attachments_upload(net_req *r); /* POST /v1/attachments (route flag RAW_BODY) */
void net_attachments_get(net_req *r);    /* GET /v1/attachments/{id} */

#endif
