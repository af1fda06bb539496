/* image.c: see image.h. */
#include "core/image.h"

#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/record.h"
#include "core/sha256.h"
#include "core/time.h"

static const char *const slots[] = {"logo", "contact_photo"};

bool core_image_slot_valid(const char *slot)
{
    return slot != NULL && (strcmp(slot, slots[0]) == 0 || strcmp(slot, slots[1]) == 0);
}

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* The size in a JPEG's first start-of-frame segment; false when there is none. */
static bool jpeg_size(const unsigned char *p, size_t len, unsigned *w, unsigned *h)
{
    size_t i = 2;
    while (i + 4 <= len) {
        if (p[i] != 0xFF)
            return false;
        unsigned char m = p[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* markers without a length */
            i += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA) /* end of image, start of scan: no frame before */
            return false;
        unsigned seg = be16(p + i + 2);
        if (seg < 2 || i + 2 + seg > len)
            return false;
        bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof) {
            if (seg < 7)
                return false;
            *h = be16(p + i + 5);
            *w = be16(p + i + 7);
            return true;
        }
        i += 2 + seg;
    }
    return false;
}

int core_image_probe(const char *bytes, size_t len, const char **type, unsigned *width,
                     unsigned *height)
{
    const unsigned char *p = (const unsigned char *)bytes;
    *type = NULL;
    *width = *height = 0;
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) {
        *type = "image/png";
        if (len < 24 || memcmp(p + 12, "IHDR", 4) != 0)
            return CORE_EINVALID;
        unsigned long w = be32(p + 16), h = be32(p + 20);
        *width = w > CORE_IMAGE_SIDE_MAX ? CORE_IMAGE_SIDE_MAX + 1 : (unsigned)w;
        *height = h > CORE_IMAGE_SIDE_MAX ? CORE_IMAGE_SIDE_MAX + 1 : (unsigned)h;
    } else if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
        *type = "image/jpeg";
        if (!jpeg_size(p, len, width, height))
            return CORE_EINVALID;
    } else {
        return CORE_EBADREQ;
    }
    if (*width == 0 || *height == 0 || *width > CORE_IMAGE_SIDE_MAX ||
        *height > CORE_IMAGE_SIDE_MAX)
        return CORE_EINVALID;
    return 0;
}

static int fail(core_image_op *op, int code, const char *message)
{
    op->message = core_arena_strndup(op->out, message, strlen(message));
    return code;
}

static core_slice key(core_arena *a, const char *pid, const char *slot)
{
    char *k = core_arena_printf(a, "pimage/%s/%s", pid, slot);
    return (core_slice){k, strlen(k)};
}

/* Loads the profile and checks the actor may change its images. */
static int authorize_write(core_txn *t, core_image_op *op)
{
    core_arena *a = core_txn_arena(t);
    core_value prof;
    if (!core_image_slot_valid(op->slot))
        return fail(op, CORE_ENOTFOUND, "no such image slot");
    int rc = op->profile_id != NULL && core_id_valid(op->profile_id)
                 ? core_record_get_txn(t, "profile", op->profile_id, a, &prof)
                 : CORE_ENOTFOUND;
    if (rc == CORE_ENOTFOUND)
        return fail(op, rc, "no such profile");
    if (rc != 0)
        return rc;
    rc = core_authorize(CORE_ACT_IMAGE_WRITE, core_profile_roles(&op->actor, &prof));
    if (rc == CORE_EUNAUTH)
        return fail(op, rc, "sign in first");
    if (rc != 0)
        return fail(op, rc, "only the profile's admins may change its logo or contact photo");
    return 0;
}

int core_image_put_txn(core_txn *t, void *arg)
{
    core_image_op *op = arg;
    core_arena *a = core_txn_arena(t);
    int rc = authorize_write(t, op);
    if (rc != 0)
        return rc;
    char hex[65];
    core_sha256_hex(op->bytes.ptr, op->bytes.len, hex);
    core_value m = core_value_obj();
    core_value_set(a, &m, "content_type", core_value_cstr(a, op->type));
    core_value_set(a, &m, "size", core_value_int((int64_t)op->bytes.len));
    core_value_set(a, &m, "width", core_value_int(op->width));
    core_value_set(a, &m, "height", core_value_int(op->height));
    core_value_set(a, &m, "etag", core_value_cstr(a, core_arena_printf(a, "\"%.32s\"", hex)));
    core_value_set(a, &m, "updated_at", core_value_int(core_txn_now(t)));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(&m, &buf, &len) != 0)
        core_oom();
    core_slice k = key(a, op->profile_id, op->slot);
    core_txn_put(t, CORE_CF_KEYS, k, (core_slice){buf, len});
    free(buf);
    core_txn_put(t, CORE_CF_ATTACHMENTS, k, op->bytes);
    return 0;
}

int core_image_delete_txn(core_txn *t, void *arg)
{
    core_image_op *op = arg;
    core_arena *a = core_txn_arena(t);
    int rc = authorize_write(t, op);
    if (rc != 0)
        return rc;
    core_slice k = key(a, op->profile_id, op->slot);
    if (!core_txn_exists(t, CORE_CF_KEYS, k))
        return fail(op, CORE_ENOTFOUND, "this profile has no such image");
    core_txn_delete(t, CORE_CF_KEYS, k);
    core_txn_delete(t, CORE_CF_ATTACHMENTS, k);
    return 0;
}

void core_image_remove_of_profile_txn(core_txn *t, const char *pid)
{
    core_arena *a = core_txn_arena(t);
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        core_slice k = key(a, pid, slots[i]);
        core_txn_delete(t, CORE_CF_KEYS, k);
        core_txn_delete(t, CORE_CF_ATTACHMENTS, k);
    }
}

int core_image_read(core_store *s, const core_actor *actor, const char *pid, const char *slot,
                    bool want_bytes, core_arena *a, core_value *meta, core_slice *bytes,
                    bool *is_public, const char **message)
{
    core_value prof;
    *message = "no such profile";
    int rc = core_image_slot_valid(slot) ? core_profile_get(s, pid, a, &prof) : CORE_ENOTFOUND;
    if (rc != 0)
        return rc;
    *is_public = core_profile_is_public(s, &prof, a);
    rc = core_authorize(*is_public ? CORE_ACT_IMAGE_READ : CORE_ACT_CONTENT_READ_HIDDEN,
                        core_profile_roles(actor, &prof));
    if (rc != 0)
        return rc;
    *message = "this profile has no such image";
    core_slice k = key(a, pid, slot), v;
    if ((rc = core_store_get(s, CORE_CF_KEYS, k, a, &v)) != 0)
        return rc;
    const char *why;
    if (core_value_from_msgpack(a, v.ptr, v.len, meta, &why) != 0)
        return CORE_EINTERNAL;
    *bytes = (core_slice){NULL, 0};
    if (want_bytes)
        rc = core_store_get(s, CORE_CF_ATTACHMENTS, k, a, bytes);
    *message = NULL;
    return rc;
}

core_value core_image_links(core_store *s, const char *pid, core_arena *a)
{
    core_value out = core_value_obj();
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        core_slice k = key(a, pid, slots[i]), v;
        bool have = core_store_get(s, CORE_CF_KEYS, k, a, &v) == 0;
        const char *path = i == 0 ? "logo" : "contact/photo";
        core_value_set(
            a, &out, slots[i],
            have ? core_value_cstr(a, core_arena_printf(a, "/v1/profiles/%s/%s", pid, path))
                 : core_value_null());
    }
    return out;
}
