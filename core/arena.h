/*
 * arena.h: a bump allocator for request- and operation-scoped memory.
 *
 * Everything a request or store operation allocates (decoded bodies, built records,
 * responses) comes from one arena and is released at once by core_arena_dispose, so no
 * value needs its own free. Chunks grow geometrically; an allocation never moves.
 * Small fixed allocations abort on out-of-memory (core_arena_alloc); sizes a user
 * controls go through core_arena_try_alloc, which returns NULL instead.
 */
#ifndef ECCPD_CORE_ARENA_H
#define ECCPD_CORE_ARENA_H

#include <stddef.h>

typedef struct core_arena_chunk core_arena_chunk;

typedef struct core_arena {
    core_arena_chunk *chunk; /* newest chunk; older ones are linked behind it */
    size_t used;             /* bytes used in the newest chunk */
    size_t total;            /* bytes handed out over the arena's life, for metrics */
} core_arena;

/* A byte slice. Not NUL-terminated unless the producer says so. */
typedef struct core_slice {
    const char *ptr;
    size_t len;
} core_slice;

#define CORE_SLICE_LIT(s) ((core_slice){(s), sizeof(s) - 1})

/* Prepares caller storage; allocates nothing until the first allocation. */
void core_arena_init(core_arena *a);
/* Frees every chunk; every pointer the arena handed out becomes invalid. */
void core_arena_dispose(core_arena *a);
/* 16-byte aligned memory valid until core_arena_dispose; aborts if memory is exhausted. */
void *core_arena_alloc(core_arena *a, size_t n);
/* As core_arena_alloc but returns NULL when memory cannot be had (user-controlled sizes). */
void *core_arena_try_alloc(core_arena *a, size_t n);
/* A NUL-terminated copy of n bytes, owned by the arena. */
char *core_arena_strndup(core_arena *a, const char *s, size_t n);
/* printf into the arena; the result is NUL-terminated and owned by the arena. */
char *core_arena_printf(core_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Aborts the process with a message: the one out-of-memory hook for small allocations. */
void core_oom(void) __attribute__((noreturn));

#endif
