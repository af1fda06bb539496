/*
 * replay.c: the fuzz targets without libFuzzer. Every regular file under the directories
 * (or the files) named on the command line goes through LLVMFuzzerTestOneInput once; a
 * property failure or a sanitizer report aborts, so ctest fails. Prints how many inputs ran.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static size_t ran;

static size_t vanished;

/* listed: found in a directory listing, where a fuzzing run beside the tests (./dev.sh fuzz)
 * may have replaced it by a smaller input since: then it is skipped, not a failure. */
static void run_file(const char *path, bool listed)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL && listed && errno == ENOENT) {
        vanished++;
        return;
    }
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    /* an exact-size copy, so ASan sees a read one past the input */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    ran++;
}

static void run_path(const char *path, bool listed)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (listed && errno == ENOENT) {
            vanished++;
            return;
        }
        perror(path);
        exit(1);
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path, listed);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        perror(path);
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
            run_path(sub, true);
        }
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        run_path(argv[i], false);
    printf("%zu inputs replayed\n", ran);
    if (vanished)
        printf("%zu listed inputs were gone when read (a fuzzing run reduced them)\n", vanished);
    if (ran == 0) {
        fprintf(stderr, "no inputs: the corpus is missing\n");
        return 1;
    }
    return 0;
}
