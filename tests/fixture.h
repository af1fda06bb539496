/*
 * fixture.h: what the unit tests share besides check.h's assertions. Header-only, so each
 * test program stays one file plus the module it tests.
 */
#ifndef ECCPD_TESTS_FIXTURE_H
#define ECCPD_TESTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/* Makes a new directory $TMPDIR/eccpd-NAME-XXXXXX (/tmp without TMPDIR) into buf; a failure
 * fails the test. The test removes it when done. */
static inline void test_tmpdir(char *buf, size_t len, const char *name)
{
    const char *root = getenv("TMPDIR");
    snprintf(buf, len, "%s/eccpd-%s-XXXXXX", root && *root ? root : "/tmp", name);
    if (mkdtemp(buf) == NULL)
        CHECK__FAIL("mkdtemp(%s) failed", buf);
}

#endif
