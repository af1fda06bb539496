/* control.c: see control.h. */
#include "net/control.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void net_control_status(const char *data, const char *name, const char *fmt, ...)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(path, sizeof(path), "%s/%s.status", data, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
    rename(tmp, path);
}

pid_t net_control_server(const char *data)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/eccpd.pid", data);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid > 0 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

int net_control_ask(const char *data, pid_t pid, int sig, const char *name, const char *who)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s.status", data, name);
    unlink(path);
    if (kill(pid, sig) != 0) {
        fprintf(stderr, "%s: cannot signal the server (pid %d): %s\n", who, (int)pid,
                strerror(errno));
        return 1;
    }
    char line[PATH_MAX + 64] = "", last[PATH_MAX + 64] = "";
    for (;;) {
        usleep(100000);
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            if (fgets(line, sizeof(line), f) == NULL)
                line[0] = '\0';
            fclose(f);
            line[strcspn(line, "\n")] = '\0';
            if (strcmp(line, last) != 0 && isatty(STDERR_FILENO))
                fprintf(stderr, "\r%s: %s\033[K", who, line);
            snprintf(last, sizeof(last), "%s", line);
            if (strncmp(line, "done", 4) == 0 || strncmp(line, "failed", 6) == 0) {
                fprintf(stderr, "%s%s: %s\n", isatty(STDERR_FILENO) ? "\r" : "", who, line);
                return line[0] == 'd' ? 0 : 1;
            }
        }
        if (net_control_server(data) != pid) {
            fprintf(stderr, "\n%s: the server stopped before the work ended\n", who);
            return 1;
        }
    }
}

int net_control_need_dir(const char *data, const char *who)
{
    struct stat sb;
    if (stat(data, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    fprintf(stderr,
            "%s: there is no data directory %s (%s); give the one the server uses with --data "
            "DIR ('eccpd serve' or 'eccpd import' creates a new one)\n",
            who, data, stat(data, &sb) == 0 ? "not a directory" : strerror(errno));
    return 2;
}

int net_control_need_store(const char *data, const char *who)
{
    int rc = net_control_need_dir(data, who);
    if (rc != 0)
        return rc;
    char path[PATH_MAX];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/store", data);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    fprintf(stderr,
            "%s: %s is not an eccpd data directory (it has no store/); give the one the server "
            "uses with --data DIR\n",
            who, data);
    return 2;
}
