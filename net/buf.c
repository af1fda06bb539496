/* buf.c: see buf.h. Doubles capacity, so appends are amortised O(1). */
#include "net/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

void net_buf_dispose(net_buf *b)
{
    free(b->ptr);
    net_buf_init(b);
}

void net_buf_reserve(net_buf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
        cap *= 2;
    char *p = realloc(b->ptr, cap);
    if (p == NULL)
        core_oom();
    b->ptr = p;
    b->cap = cap;
}

void net_buf_append(net_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return; /* an empty buffer has no ptr yet: NULL + 0 and memcpy(NULL) are undefined */
    net_buf_reserve(b, n);
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
}

void net_buf_printf(net_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* a buffer not yet allocated measures first (ptr is NULL: no arithmetic on it) */
    int n = vsnprintf(b->cap ? b->ptr + b->len : NULL, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= b->cap - b->len) {
        net_buf_reserve(b, (size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}
