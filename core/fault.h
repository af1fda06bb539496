/*
 * fault.h: fault injection at the store's write and sync points, so tests can make them
 * fail and check that a failure changes nothing and answers 503.
 *
 * Off unless the environment variable ECCPD_FAULT_FILE names a file. While that file
 * exists, each line in it names a point that fails ("store.write", "store.sync",
 * "store.internal", "feed.stall"); removing the file or a line turns the fault off again. The file is
 * read at most once per group commit, so the cost when enabled is one stat() per group.
 */
#ifndef ECCPD_CORE_FAULT_H
#define ECCPD_CORE_FAULT_H

#include <stdbool.h>

/* True when the named point should fail now. Thread-safe. */
bool core_fault(const char *point);

#endif
