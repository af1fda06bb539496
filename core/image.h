/*
 * image.h: a profile's logo and its contact person's photo (API.md, Profile content;
 * issue 20).
 *
 * Each profile has at most one image per slot ("logo", "contact_photo"). An image is a PNG
 * or a JPEG judged by its bytes (never by name or Content-Type), at most CORE_IMAGE_MAX
 * bytes, its width and height read from the header (PNG's IHDR, JPEG's first start-of-frame
 * segment) and at most CORE_IMAGE_SIDE_MAX pixels a side. Images are not moderated: a new
 * image of a published profile is public at once, and moderators see the images beside the
 * draft in their queue. They go with the profile (core_image_remove_of_profile_txn).
 *
 * Keys:
 *   keys family         pimage/<profile>/<slot>  -> {content_type, size, width, height,
 *                                                    etag, updated_at} (MessagePack)
 *   attachments family  pimage/<profile>/<slot>  -> the bytes (blob files)
 */
#ifndef ECCPD_CORE_IMAGE_H
#define ECCPD_CORE_IMAGE_H

#include <stdbool.h>

#include "core/profile.h"
#include "core/store.h"
#include "core/value.h"

enum {
    CORE_IMAGE_MAX = 2 * 1024 * 1024, /* bytes */
    CORE_IMAGE_SIDE_MAX = 4096,       /* pixels a side */
};

/* Judges bytes: 0 with *type ("image/png" or "image/jpeg") and the dimensions; CORE_EINVALID
 * when they are a PNG or JPEG whose header gives no sane size (zero, or a side above
 * CORE_IMAGE_SIDE_MAX: *type is still set); CORE_EBADREQ when they are neither (415). */
int core_image_probe(const char *bytes, size_t len, const char **type, unsigned *width,
                     unsigned *height);

/* True for the slot names the API knows: "logo", "contact_photo". */
bool core_image_slot_valid(const char *slot);

typedef struct core_image_op {
    core_actor actor;
    const char *profile_id;
    const char *slot; /* "logo" or "contact_photo" */
    core_slice bytes; /* put: the image, already probed */
    const char *type; /* put: core_image_probe's type */
    unsigned width, height;
    core_arena *out; /* the caller's arena */
    /* out */
    const char *message; /* a failure's explanation (in out), or NULL */
} core_image_op;

/* core_txn_fn: sets the slot's image (the profile's admins). CORE_EUNAUTH, CORE_EFORBIDDEN,
 * CORE_ENOTFOUND. */
int core_image_put_txn(core_txn *t, void *op);
/* core_txn_fn: removes the slot's image (the profile's admins); CORE_ENOTFOUND when none. */
int core_image_delete_txn(core_txn *t, void *op);
/* Inside a profile's delete: removes both its images. */
void core_image_remove_of_profile_txn(core_txn *t, const char *pid);

/* Reads the slot's image for actor: anyone while the profile is public, its admins and
 * moderators always. *meta {content_type, size, width, height, etag, updated_at} and *bytes
 * in a; *is_public says whether anyone may read it (for caching). 0, CORE_ENOTFOUND
 * (*message set), CORE_EIO. */
int core_image_read(core_store *s, const core_actor *actor, const char *pid, const char *slot,
                    bool want_bytes, core_arena *a, core_value *meta, core_slice *bytes,
                    bool *is_public, const char **message);
/* {logo, contact_photo}: each the path that serves it, or null when there is none. In a. */
core_value core_image_links(core_store *s, const char *pid, core_arena *a);

#endif
