/*
 * fault.h: fault injection at the store's write and sync points, so tests can make them
 * fail and check that a failure changes nothing and answers 503.
 *
 * Off unless the environment variable ECCPD_FAULT_FILE names a file. While that file
 * exists, each line in it names a point that fails ("store.write", "store.sync",
 * "store.internal", "feed.stall"; "outbox.write" and "outbox.sync" for the e-mail spool's
 * files and their sync, "index.commit" for the search index's commit, "attachment.write"
 * for an upload's write); removing the file or a line turns the fault off again. The file is
 * read at most once per group commit, so the cost when enabled is one stat() per group.
 */
#ifndef ECCPD_CORE_FAULT_H
#define ECCPD_CORE_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* True when the named point should fail now. Thread-safe. */
bool core_fault(const char *point);
/* Seconds by which time-based rules (partner search deadlines, the removal of unreferenced
 * attachments) see the clock moved: ECCPD_FAULT_CLOCK_SKEW when set (tests), else 0. Read
 * once. */
int64_t core_fault_clock_skew(void);

#endif
