/*
 * buf.h: a growable byte buffer for building response bodies and log lines.
 * Memory is malloc'd and owned by the buffer until net_buf_dispose.
 */
#ifndef ECCPD_NET_BUF_H
#define ECCPD_NET_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct net_buf {
    char *ptr;
    size_t len, cap;
} net_buf;

static inline void net_buf_init(net_buf *b)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
}
void net_buf_dispose(net_buf *b);
/* Makes room for n more bytes; aborts through core_oom when memory cannot be had. */
void net_buf_reserve(net_buf *b, size_t n);
void net_buf_append(net_buf *b, const void *p, size_t n);
static inline void net_buf_putc(net_buf *b, char c)
{
    if (b->len == b->cap)
        net_buf_reserve(b, 1);
    b->ptr[b->len++] = c;
}
static inline void net_buf_puts(net_buf *b, const char *s)
{
    while (*s)
        net_buf_putc(b, *s++);
}
void net_buf_printf(net_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
