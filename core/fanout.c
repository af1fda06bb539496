/* fanout.c: see fanout.h. */
#include "core/fanout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/notify.h"

enum { STAMP_LEN = 10 }; /* an id's first 10 digits are its milliseconds */

static const char job_prefix[] = "fanjob/";

static size_t env_size(const char *name, size_t dflt)
{
    const char *e = getenv(name);
    if (e == NULL || *e == '\0')
        return dflt;
    char *end;
    unsigned long v = strtoul(e, &end, 10);
    return *end == '\0' ? (size_t)v : dflt;
}

size_t core_fanout_inline_max(void)
{
    static size_t v = (size_t)-1;
    if (v == (size_t)-1)
        v = env_size("ECCPD_FANOUT_INLINE", 32);
    return v;
}

static size_t chunk_size(void)
{
    static size_t v;
    if (v == 0)
        v = env_size("ECCPD_FANOUT_CHUNK", 512);
    return v > 0 ? v : 512;
}

void core_fanout_stamp(char out[CORE_ID_LEN + 1])
{
    core_id_new(out);
}

static void put_job(core_txn *t, const char *key, const core_value *job)
{
    char *buf;
    size_t len;
    if (core_value_to_msgpack(job, &buf, &len) != 0)
        core_oom();
    core_txn_put(t, CORE_CF_KEYS, (core_slice){key, strlen(key)}, (core_slice){buf, len});
    free(buf);
}

void core_fanout_add(core_txn *t, const char *prefix, const core_value *exclude, const char *kind,
                     const char *subject, const char *text, const char *ref,
                     char job_id[CORE_ID_LEN + 1])
{
    core_arena *a = core_txn_arena(t);
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    core_value job = core_value_obj();
    core_value_set(a, &job, "id", core_value_cstr(a, id));
    core_value_set(a, &job, "prefix", core_value_cstr(a, prefix));
    core_value_set(a, &job, "kind", core_value_cstr(a, kind));
    core_value_set(a, &job, "subject", core_value_cstr(a, subject));
    core_value_set(a, &job, "text", core_value_cstr(a, text));
    core_value_set(a, &job, "ref", ref ? core_value_cstr(a, ref) : core_value_null());
    core_value_set(a, &job, "exclude", exclude ? core_value_copy(a, exclude) : core_value_arr());
    core_value_set(a, &job, "mail", core_value_bool(!core_txn_no_mail(t)));
    core_value_set(a, &job, "cursor", core_value_cstr(a, ""));
    put_job(t, core_arena_printf(a, "%s%s", job_prefix, id), &job);
    if (job_id != NULL)
        memcpy(job_id, id, CORE_ID_LEN + 1);
}

static bool in_list(const core_value *arr, const char *s)
{
    for (size_t i = 0; arr != NULL && arr->type == CORE_ARR && i < arr->u.arr.len; i++)
        if (arr->u.arr.items[i].type == CORE_STR && strcmp(arr->u.arr.items[i].u.s.ptr, s) == 0)
            return true;
    return false;
}

typedef struct chunk {
    const char *job_key, *cursor; /* the job and the cursor the chunk was read after */
    const char *next;             /* the cursor once the chunk is written */
    bool last;                    /* the chunk ends the job */
    char (*users)[CORE_ID_LEN + 1];
    size_t n;
} chunk;

static int decode_job(core_arena *a, core_slice v, core_value *job)
{
    const char *why;
    if (core_value_from_msgpack(a, v.ptr, v.len, job, &why) != 0 || job->type != CORE_OBJ)
        return CORE_EINTERNAL;
    return 0;
}

/* core_txn_fn: writes a chunk's notifications and the job's progress, unless the job has
 * moved on (or gone) since the chunk was read. */
static int chunk_txn(core_txn *t, void *arg)
{
    chunk *c = arg;
    core_arena *a = core_txn_arena(t);
    core_slice ks = {c->job_key, strlen(c->job_key)}, v;
    core_value job;
    if (core_txn_get(t, CORE_CF_KEYS, ks, a, &v) != 0 || decode_job(a, v, &job) != 0)
        return 0;
    const char *cursor = core_value_get_str(&job, "cursor");
    if (cursor == NULL || strcmp(cursor, c->cursor) != 0)
        return 0;
    const char *id = core_value_get_str(&job, "id");
    const char *kind = core_value_get_str(&job, "kind");
    const char *subject = core_value_get_str(&job, "subject");
    const char *text = core_value_get_str(&job, "text");
    const char *ref = core_value_get_str(&job, "ref");
    const core_value *mail = core_value_get(&job, "mail");
    bool send = mail == NULL || mail->type != CORE_BOOL || mail->u.b;
    if (id == NULL || kind == NULL || subject == NULL || text == NULL)
        return CORE_EINTERNAL;
    for (size_t i = 0; i < c->n; i++) {
        char *nk = core_notify_key(a, c->users[i], id);
        if (core_txn_exists(t, CORE_CF_KEYS, (core_slice){nk, strlen(nk)}))
            continue; /* written by this job before: never twice */
        core_notify_as(t, id, c->users[i], kind, subject, text, ref, send);
    }
    if (c->last) {
        core_txn_delete(t, CORE_CF_KEYS, ks);
    } else {
        core_value *cv = (core_value *)core_value_get(&job, "cursor");
        *cv = core_value_cstr(a, c->next);
        put_job(t, c->job_key, &job);
    }
    return 0;
}

int core_fanout_step(core_store *s)
{
    core_arena a;
    core_arena_init(&a);
    int rc = 0;
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){job_prefix, 7});
    core_slice k, v;
    core_value job;
    char *job_key = NULL;
    if (core_iter_next(it, &k, &v)) {
        job_key = core_arena_strndup(&a, k.ptr, k.len);
        rc = decode_job(&a, v, &job);
    }
    core_iter_free(it);
    if (job_key == NULL || rc != 0)
        goto Exit;
    const char *id = core_value_get_str(&job, "id");
    const char *prefix = core_value_get_str(&job, "prefix");
    const char *cursor = core_value_get_str(&job, "cursor");
    const core_value *exclude = core_value_get(&job, "exclude");
    if (id == NULL || prefix == NULL || cursor == NULL || strlen(id) != CORE_ID_LEN) {
        rc = CORE_EINTERNAL;
        goto Exit;
    }
    size_t max = chunk_size(), plen = strlen(prefix), scanned = 0;
    chunk c = {.job_key = job_key, .cursor = cursor, .next = cursor, .last = true};
    c.users = core_arena_alloc(&a, max * sizeof(*c.users));
    /* The committed members after the cursor, in key order (user ids sort), at most one
     * chunk's worth scanned: those stamped no later than the job, and not excluded. */
    it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    while (core_iter_next(it, &k, &v)) {
        if (k.len - plen != CORE_ID_LEN)
            continue;
        char user[CORE_ID_LEN + 1];
        memcpy(user, k.ptr + plen, CORE_ID_LEN);
        user[CORE_ID_LEN] = '\0';
        if (*cursor != '\0' && strcmp(user, cursor) <= 0)
            continue;
        if (scanned == max) {
            c.last = false;
            break;
        }
        scanned++;
        c.next = core_arena_strndup(&a, user, CORE_ID_LEN);
        bool before = v.len == 0 || (v.len >= STAMP_LEN && memcmp(v.ptr, id, STAMP_LEN) <= 0);
        if (before && !in_list(exclude, user))
            memcpy(c.users[c.n++], user, CORE_ID_LEN + 1);
    }
    core_iter_free(it);
    rc = core_store_write_sync(s, chunk_txn, &c, NULL);
    if (rc == 0)
        rc = 1;
Exit:
    core_arena_dispose(&a);
    return rc;
}
