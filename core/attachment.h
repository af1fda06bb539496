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
 * Bytes live in the attachments column family (RocksDB blob files) in pieces of
 * CORE_ATTACHMENT_CHUNK bytes under "<id>/<4-digit piece number>" (an attachment stored
 * before pieces existed is one value under "<id>"), so a download reads and holds one piece
 * at a time (core_attachment_pread); types
 * are judged by content only (core_attachment_sniff), never by name or Content-Type.
 * An attachment that no record references one day after its upload (or after its last
 * reference went) is removed by core_attachment_sweep_txn.
 *
 * Keys (keys family):
 *   attmeta/<attachment>             -> metadata (MessagePack)
 *   attref/<attachment>/<kind>/<id>  the records that reference it
 *   attfree/<20-digit time>/<attachment>  unreferenced since that time (swept a day later)
 */
#ifndef ECCPD_CORE_ATTACHMENT_H
#define ECCPD_CORE_ATTACHMENT_H

#include <stdbool.h>

#include "core/profile.h"
#include "core/check.h"
#include "core/store.h"
#include "core/value.h"

enum {
    CORE_ATTACHMENT_MAX = 10 * 1024 * 1024, /* bytes */
    CORE_ATTACHMENT_TTL = 86400,            /* seconds an unreferenced attachment is kept */
    CORE_ATTACHMENT_FILENAME_MAX = 200,     /* characters kept of a filename */
    CORE_ATTACHMENT_SWEEP_BATCH = 256,      /* attachments one sweep write looks at */
    CORE_ATTACHMENT_CHUNK = 256 * 1024,     /* bytes per stored piece (and per read) */
};

/* The media type of bytes when they are one of the accepted kinds: a PDF, PNG or JPEG by
 * its magic number, an ODT or DOCX by the zip's first entry ("mimetype" holding the ODF
 * text type; "[Content_Types].xml" with a word/document.xml part); NULL otherwise. *ext
 * (if not NULL) gets the usual extension ("pdf"). */
const char *core_attachment_sniff(const char *bytes, size_t len, const char **ext);

typedef struct core_attachment_new {
    const char *user_id;  /* the uploader */
    const char *filename; /* as sent (X-Filename), or NULL; cleaned before it is kept */
    core_slice bytes;     /* the content, at most CORE_ATTACHMENT_MAX */
    const char *type;     /* core_attachment_sniff's answer */
    const char *ext;
    core_arena *out; /* the caller's arena */
    /* out */
    core_value meta; /* {id, filename, content_type, size} (in out) */
} core_attachment_new;
/* core_txn_fn: stores a new attachment (bytes and metadata) as unreferenced. */
int core_attachment_create_txn(core_txn *t, void *arg);
/* Reads an attachment whole: metadata {id, filename, content_type, size} and its bytes,
 * both in a (tools and tests; downloads stream with core_attachment_pread). 0,
 * CORE_ENOTFOUND, CORE_EIO. */
int core_attachment_read(core_store *s, const char *id, core_arena *a, core_value *meta,
                         core_slice *bytes);
/* 0 when actor may download attachment id: anyone when a partner search references it,
 * the parties' admins and moderators when ClusterXchange evidence does, the uploader
 * always (core/attachment_access.c; through the authz table). CORE_ENOTFOUND otherwise,
 * also for an attachment that does not exist; CORE_EIO. */
int core_attachment_authorize(core_store *s, const core_actor *actor, const char *id,
                              core_arena *a);
/* Copies up to want bytes of attachment id's content from offset into buf: returns how
 * many (0 at the end), or CORE_ENOTFOUND, CORE_EIO. Holds one stored piece in memory at a
 * time (a whole attachment only when it was stored before pieces existed). */
long core_attachment_pread(core_store *s, const char *id, size_t offset, char *buf, size_t want);
/* core_txn_fn: removes up to CORE_ATTACHMENT_SWEEP_BATCH attachments unreferenced for a
 * day (arg: a size_t that receives how many it removed). */
int core_attachment_sweep_txn(core_txn *t, void *arg);
/* A Content-Disposition value for filename that cannot inject a header: "attachment;
 * filename=\"<ASCII, no quotes, backslashes or controls>\"; filename*=UTF-8''<percent-
 * encoded>". In a. */
char *core_attachment_disposition(core_arena *a, const char *filename);

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

/* Checks a body's "attachments" member v in the write t: absent or null is none, else a list
 * of at most max ids of attachments uploaded before, each named once. Fills *list with their
 * metadata, in order, in a. A problem is added to f under "attachments" and *ok set false
 * (*list is then not to be stored). Returns 0, or the store's code when an attachment could
 * not be read. */
int core_attachment_list_check_txn(core_txn *t, const core_value *v, size_t max, core_fields *f,
                                   core_arena *a, core_value *list, bool *ok);

#endif
