/*
 * check.h: the assertions every unit test uses. A failed check prints the file, line,
 * the expression and both values, then aborts the test program (ctest reports it).
 * Typed macros so a failure shows the values, not just "false".
 */
#ifndef ECCPD_TESTS_CHECK_H
#define ECCPD_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK__FAIL(...)                                                                           \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__);                              \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr))                                                                               \
            CHECK__FAIL("%s", #expr);                                                              \
    } while (0)

#define CHECK_INT_OP(a, op, b)                                                                     \
    do {                                                                                           \
        int64_t check__a = (int64_t)(a), check__b = (int64_t)(b);                                  \
        if (!(check__a op check__b))                                                               \
            CHECK__FAIL("%s %s %s (%" PRId64 " vs %" PRId64 ")", #a, #op, #b, check__a, check__b); \
    } while (0)

#define CHECK_EQ(a, b) CHECK_INT_OP(a, ==, b)
#define CHECK_NE(a, b) CHECK_INT_OP(a, !=, b)
#define CHECK_LT(a, b) CHECK_INT_OP(a, <, b)
#define CHECK_LE(a, b) CHECK_INT_OP(a, <=, b)
#define CHECK_GT(a, b) CHECK_INT_OP(a, >, b)
#define CHECK_GE(a, b) CHECK_INT_OP(a, >=, b)

#define CHECK_DBL_NEAR(a, b, eps)                                                                  \
    do {                                                                                           \
        double check__a = (a), check__b = (b);                                                     \
        if (!(check__a - check__b <= (eps) && check__b - check__a <= (eps)))                       \
            CHECK__FAIL("%s ~= %s (%.17g vs %.17g)", #a, #b, check__a, check__b);                  \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *check__a = (a), *check__b = (b);                                               \
        if (check__a == NULL || check__b == NULL || strcmp(check__a, check__b) != 0)               \
            CHECK__FAIL("%s == %s (\"%s\" vs \"%s\")", #a, #b, check__a ? check__a : "(null)",     \
                        check__b ? check__b : "(null)");                                           \
    } while (0)

#define CHECK_MEM_EQ(a, alen, b, blen)                                                             \
    do {                                                                                           \
        size_t check__al = (alen), check__bl = (blen);                                             \
        if (check__al != check__bl || memcmp((a), (b), check__al) != 0)                            \
            CHECK__FAIL("%s == %s (%.*s vs %.*s)", #a, #b, (int)check__al, (const char *)(a),      \
                        (int)check__bl, (const char *)(b));                                        \
    } while (0)

/* Runs one named test case and reports it on stdout, so a long test program shows progress. */
#define RUN(fn)                                                                                    \
    do {                                                                                           \
        printf("  %s ... ", #fn);                                                                  \
        fflush(stdout);                                                                            \
        fn();                                                                                      \
        printf("ok\n");                                                                            \
    } while (0)

#endif
