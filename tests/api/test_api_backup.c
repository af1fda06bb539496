/*
 * Backups against the real binary: a backup of a running server taken while writes go
 * on, restored into a new directory, holds every write acknowledged before it began, and
 * its search index works at once; a stopped server's directory backs up too.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
enum { WRITERS_MAX = 40 };
static char *tokens[WRITERS_MAX];
static _Atomic int acked; /* registrations acknowledged so far */
static _Atomic bool stop;

static void *keep_writing(void *arg)
{
    for (int i = 0; i < WRITERS_MAX && !atomic_load(&stop); i++) {
        char name[32];
        snprintf(name, sizeof(name), "writer%02d", i);
        tokens[i] = api_signup(&srv, name, "long enough password");
        atomic_store(&acked, i + 1);
    }
    return NULL;
}

static void check_restored(api_server *r, int n)
{
    for (int i = 0; i < n; i++) {
        api_res res = api_json(r, API_H1, "GET", "/v1/me", NULL, tokens[i]);
        CHECK_EQ(res.status, 200);
        char name[32];
        snprintf(name, sizeof(name), "writer%02d", i);
        CHECK_STR_EQ(cJSON_GetObjectItem(res.json, "username")->valuestring, name);
        api_res_free(&res);
    }
}

static void online_backup_under_writes(void)
{
    api_start(&srv, NULL, NULL);
    pthread_t th;
    pthread_create(&th, NULL, keep_writing, NULL);
    while (atomic_load(&acked) < 5)
        usleep(10000);
    int before = atomic_load(&acked); /* acknowledged before the backup began */
    api_server restored = {0};
    api_prepare(&restored);
    char dest[400];
    snprintf(dest, sizeof(dest), "%s/data", restored.dir);
    const char *args[] = {"backup", dest, NULL};
    CHECK_EQ(api_cli(&srv, NULL, args), 0);
    atomic_store(&stop, true);
    pthread_join(th, NULL);
    /* restore: a server on the backup directory */
    api_start(&restored, restored.dir, NULL);
    check_restored(&restored, before);
    api_res res = api_json(&restored, API_H1, "GET", "/v1/search", NULL, NULL);
    CHECK_EQ(res.status, 200);
    api_res_free(&res);
    api_stop(&restored);
    api_cleanup(&restored);
    /* the destination must be new */
    CHECK_NE(api_cli(&srv, NULL, args), 0);
}

static void offline_backup(void)
{
    int n = atomic_load(&acked);
    api_stop(&srv);
    api_server restored = {0};
    api_prepare(&restored);
    char dest[400];
    snprintf(dest, sizeof(dest), "%s/data", restored.dir);
    const char *args[] = {"backup", dest, NULL};
    CHECK_EQ(api_cli(&srv, NULL, args), 0);
    api_start(&restored, restored.dir, NULL);
    check_restored(&restored, n);
    api_stop(&restored);
    api_cleanup(&restored);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(online_backup_under_writes);
    RUN(offline_backup);
    api_cleanup(&srv);
    for (int i = 0; i < WRITERS_MAX; i++)
        free(tokens[i]);
    curl_global_cleanup();
    return 0;
}
