/*
 * arena.c: chunked bump allocation. The first chunk is 4 KiB and each new chunk at
 * least doubles, so a request that decodes a large body costs O(log n) mallocs; a
 * request larger than the next chunk gets a chunk of its own size.
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct core_arena_chunk {
    core_arena_chunk *prev;
    size_t size; /* usable bytes in data[] */
    _Alignas(16) unsigned char data[];
};

enum { ARENA_FIRST_CHUNK = 4096 - sizeof(core_arena_chunk), ARENA_ALIGN = 16 };

void core_oom(void)
{
    fputs("eccpd: out of memory\n", stderr);
    abort();
}

void core_arena_init(core_arena *a)
{
    a->chunk = NULL;
    a->used = 0;
    a->total = 0;
}

void core_arena_dispose(core_arena *a)
{
    core_arena_chunk *c = a->chunk;
    while (c != NULL) {
        core_arena_chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    core_arena_init(a);
}

void *core_arena_try_alloc(core_arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        return NULL;
    if (a->chunk == NULL || a->chunk->size - a->used < need) {
        size_t size = a->chunk != NULL ? a->chunk->size * 2 : ARENA_FIRST_CHUNK;
        if (size < need)
            size = need;
        if (size > SIZE_MAX - sizeof(core_arena_chunk))
            return NULL;
        core_arena_chunk *c = malloc(sizeof(core_arena_chunk) + size);
        if (c == NULL)
            return NULL;
        c->prev = a->chunk;
        c->size = size;
        a->chunk = c;
        a->used = 0;
    }
    void *p = a->chunk->data + a->used;
    a->used += need;
    a->total += need;
    return p;
}

void *core_arena_alloc(core_arena *a, size_t n)
{
    void *p = core_arena_try_alloc(a, n);
    if (p == NULL)
        core_oom();
    return p;
}

char *core_arena_strndup(core_arena *a, const char *s, size_t n)
{
    char *p = core_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *core_arena_printf(core_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return core_arena_strndup(a, "", 0);
    char *p = core_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
