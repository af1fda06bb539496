/*
 * control.h: how commands reach a running server. The server writes its pid to
 * DIR/eccpd.pid; a command signals it and follows a one-line status file,
 * DIR/<name>.status, that the server rewrites atomically as the work goes on ("running …",
 * then "done …" or "failed: …").
 */
#ifndef ECCPD_NET_CONTROL_H
#define ECCPD_NET_CONTROL_H

#include <sys/types.h>

/* Rewrites DIR/<name>.status with one formatted line (atomically: write, then rename). */
void net_control_status(const char *data, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The pid of a server running on data, or 0 when none is. */
pid_t net_control_server(const char *data);
/* Removes the old status, sends sig to pid and follows DIR/<name>.status, showing its
 * progress on standard error, until it says done (returns 0) or failed (returns 1), or the
 * server stops (returns 1). who prefixes messages ("eccpd backup"). */
int net_control_ask(const char *data, pid_t pid, int sig, const char *name, const char *who);

/* For commands that work on an existing data directory: 0 when DIR/store exists; else
 * prints why under `who` ("eccpd backup") and returns 2, the exit status of a usage error,
 * so a mistyped --data never leads to a new, empty store. */
int net_control_need_store(const char *data, const char *who);
/* 0 when DIR is an existing directory; else prints why and returns 2. */
int net_control_need_dir(const char *data, const char *who);

#endif
