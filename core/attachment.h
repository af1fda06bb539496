/*
 * attachment.h: files attached to records (partner searches; ClusterXchange closing-report
 * evidence and profile news can use the same calls).
 *
 * An attachment is uploaded first (its metadata under "attmeta/<id>" in the keys family)
 * and then referenced by id from a record; the write that stores the record checks each id
 * with core_attachment_meta_txn and marks it used with core_attachment_ref, in the same
 * transaction, so a record never names an attachment that does not exist. Metadata is
 * {id, filename, content_type, size, created_by, created_at}.
 *
 * Keys (keys family):
 *   attmeta/<attachment>             -> metadata (MessagePack)
 *   attref/<attachment>/<kind>/<id>  the records that reference it
 */
#ifndef ECCPD_CORE_ATTACHMENT_H
#define ECCPD_CORE_ATTACHMENT_H

#include <stdbool.h>

#include "core/store.h"
#include "core/value.h"

/* Inside a write: the metadata of attachment id as the public sees it {id, filename,
 * content_type, size}, in a. 0, CORE_ENOTFOUND (no such attachment, or a malformed id),
 * CORE_EIO, CORE_EINTERNAL. */
int core_attachment_meta_txn(core_txn *t, const char *id, core_arena *a, core_value *meta);
/* The same outside a write. */
int core_attachment_meta(core_store *s, const char *id, core_arena *a, core_value *meta);
/* Inside a write: records that kind/ref_id references the attachment (so it is kept). */
void core_attachment_ref(core_txn *t, const char *id, const char *kind, const char *ref_id);
/* Inside a write: kind/ref_id no longer references the attachment. */
void core_attachment_unref(core_txn *t, const char *id, const char *kind, const char *ref_id);

#endif
