/* account.c: see account.h. */
#include "core/account.h"

#include <argon2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/id.h"
#include "core/outbox.h"
#include "core/personal.h"
#include "core/record.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/time.h"
#include "core/vocab.h"

static const char *const user_fields[] = {
    "username", "email", "email_confirm", "password", "organisation_name",
    "country",  "title", "newsletters",   NULL};

static bool username_ok(const char *s)
{
    size_t len = strlen(s);
    if (s[0] == ' ' || s[len - 1] == ' ')
        return false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += core_utf8_next(s + i, len - i, &cp);
        if (core_is_letter(cp) || (cp >= '0' && cp <= '9') || cp == ' ' || cp == '.' || cp == '-' ||
            cp == '\'' || cp == '_')
            continue;
        return false;
    }
    return true;
}

/* Upper case only: the API's country codes are ISO 3166-1 alpha-2 as written there. */
static bool country_code_ok(const char *s)
{
    return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           core_country_find(s, 2) >= 0;
}

/* The fields a registration and a stored user record have in common, checked alike for
 * both (POST /v1/users and `eccpd import`). */
static void check_user_fields(core_fields *f, const core_value *obj)
{
    const char *username = core_check_string(f, obj, "username", true, 3, 50);
    if (username != NULL && !username_ok(username))
        core_fields_add(f, "username",
                        "may contain only letters, digits, spaces and . - ' _ (no leading or "
                        "trailing space)");
    const char *email = core_check_string(f, obj, "email", true, 3, 254);
    if (email != NULL && !core_check_email(email))
        core_fields_add(f, "email", "is not a valid e-mail address");
    core_check_string(f, obj, "organisation_name", true, 1, 200);
    const char *country = core_check_string(f, obj, "country", true, 2, 2);
    if (country != NULL && !country_code_ok(country))
        core_fields_add(f, "country",
                        "must be an ISO 3166-1 alpha-2 country code in capitals, such as DE");
    core_check_string(f, obj, "title", true, 1, 100);
    const core_value *nl = core_value_get(obj, "newsletters");
    if (nl != NULL && nl->type != CORE_NULL) {
        bool ok = nl->type == CORE_ARR;
        for (size_t i = 0; ok && i < nl->u.arr.len; i++) {
            const core_value *x = &nl->u.arr.items[i];
            ok = x->type == CORE_STR &&
                 (strcmp(x->u.s.ptr, "monthly") == 0 || strcmp(x->u.s.ptr, "quarterly") == 0);
        }
        if (!ok)
            core_fields_add(f, "newsletters", "must be a list of \"monthly\" and \"quarterly\"");
    }
}

void core_user_validate(core_fields *f, const core_value *body)
{
    if (body == NULL || body->type != CORE_OBJ) {
        core_fields_add(f, "body", "must be a JSON object");
        return;
    }
    core_check_known(f, body, user_fields);
    check_user_fields(f, body);
    /* compared only with an e-mail that passed its own checks */
    const char *email =
        core_value_get(&f->obj, "email") == NULL ? core_value_get_str(body, "email") : NULL;
    const char *confirm = core_check_string(f, body, "email_confirm", true, 1, 254);
    if (email != NULL && confirm != NULL && strcmp(email, confirm) != 0)
        core_fields_add(f, "email_confirm", "must equal email");
    core_check_string(f, body, "password", true, CORE_PASSWORD_MIN, CORE_PASSWORD_MAX);
}

static const char *const user_record_fields[] = {
    "id",          "username", "email",      "organisation_name", "country", "title",
    "newsletters", "role",     "created_at", "password_hash",     NULL};

void core_user_validate_record(core_fields *f, const core_value *rec)
{
    if (rec == NULL || rec->type != CORE_OBJ) {
        core_fields_add(f, "record", "must be an object");
        return;
    }
    core_check_known(f, rec, user_record_fields);
    const char *id = core_check_string(f, rec, "id", true, CORE_ID_LEN, CORE_ID_LEN);
    if (id != NULL && !core_id_valid(id))
        core_fields_add(f, "id", "is not a record id");
    check_user_fields(f, rec);
    const core_value *nl = core_value_get(rec, "newsletters");
    if (nl == NULL || nl->type != CORE_ARR)
        core_fields_add(f, "newsletters", "must be a list (a stored user always has one)");
    const char *role = core_check_string(f, rec, "role", true, 1, 20);
    if (role != NULL && strcmp(role, "user") != 0 && strcmp(role, "moderator") != 0)
        core_fields_add(f, "role", "must be user or moderator");
    const core_value *at = core_value_get(rec, "created_at");
    if (at == NULL || at->type != CORE_INT || at->u.i < 0)
        core_fields_add(f, "created_at", "must be a time in Unix seconds");
    /* Only the form is checked: the hash is kept as it is, so users sign in with the
     * passwords they had. */
    const char *hash =
        core_check_string(f, rec, "password_hash", true, 1, CORE_PASSWORD_HASH_MAX - 1);
    if (hash != NULL && strncmp(hash, "$argon2id$", 10) != 0)
        core_fields_add(f, "password_hash", "must be an argon2id hash in its encoded form");
}

int core_password_hash(const char *password, char out[CORE_PASSWORD_HASH_MAX])
{
    unsigned char salt[16];
    core_random(salt, sizeof(salt));
    int rc = argon2id_hash_encoded(CORE_ARGON2_PASSES, CORE_ARGON2_MEMORY_KIB, CORE_ARGON2_LANES,
                                   password, strlen(password), salt, sizeof(salt), 32, out,
                                   CORE_PASSWORD_HASH_MAX);
    return rc == ARGON2_OK ? 0 : CORE_EINTERNAL;
}

bool core_password_verify(const char *encoded, const char *password)
{
    return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

static char dummy_hash[CORE_PASSWORD_HASH_MAX];
static void make_dummy(void)
{
    char pw[33];
    core_random_token(pw, 24);
    if (core_password_hash(pw, dummy_hash) != 0)
        abort();
}

const char *core_password_dummy_hash(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_dummy);
    return dummy_hash;
}

static core_slice key_of(core_arena *a, const char *family, const char *text)
{
    char *folded = core_fold_case(a, text, strlen(text));
    char *k = core_arena_printf(a, "%s/%s", family, folded);
    return (core_slice){k, strlen(k)};
}

int core_user_keys_add(core_txn *t, const core_value *rec, const char **conflict)
{
    core_arena *a = core_txn_arena(t);
    const char *id = core_value_get_str(rec, "id");
    core_slice ukey = key_of(a, "username", core_value_get_str(rec, "username"));
    core_slice ekey = key_of(a, "email", core_value_get_str(rec, "email"));
    if (core_txn_exists(t, CORE_CF_KEYS, ukey) ||
        core_personal_username_reserved(t, core_value_get_str(rec, "username"))) {
        *conflict = "username";
        return CORE_ECONFLICT;
    }
    if (core_txn_exists(t, CORE_CF_KEYS, ekey)) {
        *conflict = "email";
        return CORE_ECONFLICT;
    }
    core_txn_put(t, CORE_CF_KEYS, ukey, (core_slice){id, strlen(id)});
    core_txn_put(t, CORE_CF_KEYS, ekey, (core_slice){id, strlen(id)});
    return 0;
}

int core_user_create_txn(core_txn *t, void *arg)
{
    core_user_create *u = arg;
    core_arena *a = core_txn_arena(t);
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    core_value rec = core_value_obj();
    core_value_set(a, &rec, "id", core_value_cstr(a, id));
    core_value_set(a, &rec, "username",
                   core_value_cstr(a, core_value_get_str(u->body, "username")));
    core_value_set(a, &rec, "email", core_value_cstr(a, core_value_get_str(u->body, "email")));
    core_value_set(a, &rec, "organisation_name",
                   core_value_cstr(a, core_value_get_str(u->body, "organisation_name")));
    core_value_set(a, &rec, "country", core_value_cstr(a, core_value_get_str(u->body, "country")));
    core_value_set(a, &rec, "title", core_value_cstr(a, core_value_get_str(u->body, "title")));
    const core_value *nl = core_value_get(u->body, "newsletters");
    core_value_set(a, &rec, "newsletters",
                   nl != NULL && nl->type == CORE_ARR ? *nl : core_value_arr());
    core_value_set(a, &rec, "role", core_value_cstr(a, u->role));
    core_value_set(a, &rec, "created_at", core_value_int(core_txn_now(t)));
    core_value_set(a, &rec, "password_hash", core_value_cstr(a, u->password_hash));
    int rc = core_user_keys_add(t, &rec, &u->conflict);
    if (rc == 0)
        rc = core_record_put(t, "user", id, &rec, "create");
    if (rc != 0)
        return rc;
    u->user = core_value_copy(u->out, &rec); /* the scratch arena ends with this write */
    return 0;
}

core_value core_user_view(core_arena *a, const core_value *rec)
{
    core_value v = core_value_obj();
    for (size_t i = 0; i < rec->u.obj.len; i++) {
        const core_member *m = &rec->u.obj.items[i];
        if ((m->key.len == 13 && memcmp(m->key.ptr, "password_hash", 13) == 0) ||
            (m->key.len == 1 && m->key.ptr[0] == 'v'))
            continue;
        core_value_set(a, &v, m->key.ptr, m->value);
    }
    return core_value_times(a, &v);
}

int core_user_available(core_store *s, const core_value *body, core_arena *a, const char **conflict)
{
    static const char *const field[] = {"username", "email"};
    for (int i = 0; i < 2; i++) {
        const char *v = core_value_get_str(body, field[i]);
        if (v == NULL)
            continue;
        core_slice id;
        int rc = core_store_get(s, CORE_CF_KEYS, key_of(a, field[i], v), a, &id);
        if (rc == 0) {
            *conflict = field[i];
            return CORE_ECONFLICT;
        }
        if (rc != CORE_ENOTFOUND)
            return rc;
    }
    return 0;
}

int core_user_find_by_login(core_store *s, const char *login, core_arena *a, core_value *user)
{
    core_slice id;
    const char *family = strchr(login, '@') != NULL ? "email" : "username";
    int rc = core_store_get(s, CORE_CF_KEYS, key_of(a, family, login), a, &id);
    if (rc != 0)
        return rc;
    return core_record_get(s, "user", id.ptr, a, user);
}

static core_slice session_key(core_arena *a, const char *token)
{
    char hex[65];
    core_sha256_hex(token, strlen(token), hex);
    char *k = core_arena_printf(a, "session/%s", hex);
    return (core_slice){k, strlen(k)};
}

int core_session_create_txn(core_txn *t, void *arg)
{
    core_session_create *c = arg;
    core_arena *a = core_txn_arena(t);
    core_random_token(c->token, 32);
    c->expires_at = core_txn_now(t) + CORE_SESSION_TTL;
    core_value v = core_value_obj();
    core_value_set(a, &v, "user", core_value_cstr(a, c->user_id));
    core_value_set(a, &v, "expires_at", core_value_int(c->expires_at));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(&v, &buf, &len) != 0)
        return CORE_EINTERNAL;
    core_slice key = session_key(a, c->token);
    core_txn_put(t, CORE_CF_KEYS, key, (core_slice){buf, len});
    free(buf);
    /* indexed by user too, so a password reset can end every session */
    char *ukey = core_arena_printf(a, "usess/%s/%.*s", c->user_id, (int)key.len, key.ptr);
    core_txn_put(t, CORE_CF_KEYS, (core_slice){ukey, strlen(ukey)}, CORE_SLICE_LIT(""));
    return 0;
}

int core_session_resolve(core_store *s, const char *token, core_arena *a, core_value *user,
                         const char **skey)
{
    core_slice key = session_key(a, token), val;
    int rc = core_store_get(s, CORE_CF_KEYS, key, a, &val);
    if (rc == CORE_ENOTFOUND)
        return CORE_EUNAUTH;
    if (rc != 0)
        return rc;
    core_value sess;
    const char *why;
    if (core_value_from_msgpack(a, val.ptr, val.len, &sess, &why) != 0)
        return CORE_EUNAUTH;
    const core_value *exp = core_value_get(&sess, "expires_at");
    const char *uid = core_value_get_str(&sess, "user");
    if (exp == NULL || exp->type != CORE_INT || uid == NULL || exp->u.i <= (int64_t)time(NULL))
        return CORE_EUNAUTH;
    rc = core_record_get(s, "user", uid, a, user);
    if (rc == CORE_ENOTFOUND)
        return CORE_EUNAUTH;
    *skey = key.ptr;
    return rc;
}

int core_session_delete_txn(core_txn *t, void *arg)
{
    const char *key = arg;
    core_arena *a = core_txn_arena(t);
    core_slice val;
    if (core_txn_get(t, CORE_CF_KEYS, (core_slice){key, strlen(key)}, a, &val) == 0) {
        core_value sess;
        const char *why;
        if (core_value_from_msgpack(a, val.ptr, val.len, &sess, &why) == 0 &&
            core_value_get_str(&sess, "user") != NULL) {
            char *ukey =
                core_arena_printf(a, "usess/%s/%s", core_value_get_str(&sess, "user"), key);
            core_txn_delete(t, CORE_CF_KEYS, (core_slice){ukey, strlen(ukey)});
        }
    }
    core_txn_delete(t, CORE_CF_KEYS, (core_slice){key, strlen(key)});
    return 0;
}

int core_reset_request_txn(core_txn *t, void *arg)
{
    core_reset_request *r = arg;
    core_arena *a = core_txn_arena(t);
    core_slice id;
    if (core_txn_get(t, CORE_CF_KEYS, key_of(a, "email", r->email), a, &id) != 0)
        return 0;
    core_value user;
    if (core_record_get_txn(t, "user", id.ptr, a, &user) != 0)
        return 0;
    char token[48];
    core_random_token(token, 32);
    char hex[65];
    core_sha256_hex(token, strlen(token), hex);
    core_value v = core_value_obj();
    core_value_set(a, &v, "user", core_value_str(a, id.ptr, id.len));
    core_value_set(a, &v, "expires_at", core_value_int(core_txn_now(t) + CORE_RESET_TTL));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(&v, &buf, &len) != 0)
        return CORE_EINTERNAL;
    char *key = core_arena_printf(a, "reset/%s", hex);
    core_txn_put(t, CORE_CF_KEYS, (core_slice){key, strlen(key)}, (core_slice){buf, len});
    free(buf);
    /* indexed by user too, so a password change can revoke every outstanding link */
    char *ukey = core_arena_printf(a, "ureset/%.*s/%s", (int)id.len, id.ptr, hex);
    core_txn_put(t, CORE_CF_KEYS, (core_slice){ukey, strlen(ukey)}, CORE_SLICE_LIT(""));
    core_outbox_add_for(t, core_arena_strndup(a, id.ptr, id.len), "password_reset",
                        core_value_get_str(&user, "email"), "Reset your password",
                        core_arena_printf(a,
                                          "Hello %s,\n\nSomeone (hopefully you) asked to reset the "
                                          "password of your account. Open this link within an hour "
                                          "to choose a new one:\n\n%s%s\n\nIf you did not ask, "
                                          "ignore this e-mail: your password stays as it is.\n",
                                          core_value_get_str(&user, "username"), r->link_base,
                                          token));
    return 0;
}

/* Reads a reset token's record: 0 with its user id (arena), or CORE_ENOTFOUND when it is
 * unknown, malformed or expired. */
static int reset_lookup(core_store *s, core_txn *t, const char *token, core_arena *a,
                        const char **uid)
{
    char hex[65];
    core_sha256_hex(token, strlen(token), hex);
    core_slice key = {core_arena_printf(a, "reset/%s", hex), 6 + 64}, val;
    int rc = t != NULL ? core_txn_get(t, CORE_CF_KEYS, key, a, &val)
                       : core_store_get(s, CORE_CF_KEYS, key, a, &val);
    if (rc != 0)
        return rc;
    core_value v;
    const char *why;
    if (core_value_from_msgpack(a, val.ptr, val.len, &v, &why) != 0)
        return CORE_ENOTFOUND;
    const core_value *exp = core_value_get(&v, "expires_at");
    *uid = core_value_get_str(&v, "user");
    int64_t now = t != NULL ? core_txn_now(t) : (int64_t)time(NULL);
    if (exp == NULL || exp->type != CORE_INT || exp->u.i <= now || *uid == NULL)
        return CORE_ENOTFOUND;
    return 0;
}

int core_reset_token_live(core_store *s, const char *token, core_arena *a)
{
    const char *uid;
    return reset_lookup(s, NULL, token, a, &uid);
}

/* Deletes every key under prefix (keys family) and, when twin is set, the key named by
 * what follows the prefix with twin before it ("usess/U/session/X" -> "session/X"). */
static void delete_prefixed(core_txn *t, const char *prefix, const char *twin)
{
    core_arena *a = core_txn_arena(t);
    size_t plen = strlen(prefix);
    core_iter *it =
        core_store_iter_prefix(core_txn_store(t), CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        const char *rest = k.ptr + plen;
        size_t rlen = k.len - plen;
        char *other = core_arena_printf(a, "%s%.*s", twin, (int)rlen, rest);
        core_txn_delete(t, CORE_CF_KEYS, (core_slice){other, strlen(other)});
        core_txn_delete(t, CORE_CF_KEYS, (core_slice){core_arena_strndup(a, k.ptr, k.len), k.len});
    }
    core_iter_free(it);
}

int core_reset_complete_txn(core_txn *t, void *arg)
{
    core_reset_complete *r = arg;
    core_arena *a = core_txn_arena(t);
    const char *uid;
    int rc = reset_lookup(NULL, t, r->token, a, &uid);
    if (rc != 0)
        return rc;
    core_value user;
    if ((rc = core_record_get_txn(t, "user", uid, a, &user)) != 0)
        return rc == CORE_ENOTFOUND ? CORE_ENOTFOUND : rc;
    core_value *h = (core_value *)core_value_get(&user, "password_hash");
    if (h == NULL)
        return CORE_EINTERNAL;
    *h = core_value_cstr(a, r->password_hash);
    if ((rc = core_record_put(t, "user", uid, &user, "update")) != 0)
        return rc;
    char hex[65];
    core_sha256_hex(r->token, strlen(r->token), hex);
    char *key = core_arena_printf(a, "reset/%s", hex);
    core_txn_delete(t, CORE_CF_KEYS, (core_slice){key, strlen(key)});      /* this link, used */
    delete_prefixed(t, core_arena_printf(a, "ureset/%s/", uid), "reset/"); /* every other */
    delete_prefixed(t, core_arena_printf(a, "usess/%s/", uid), "");        /* every session */
    return 0;
}
