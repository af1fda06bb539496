/* loadgen.c: see loadgen.h. */
#include "loadgen.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int lg_workload_load(const char *path, lg_workload *w)
{
    memset(w, 0, sizeof(*w));
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        fprintf(stderr, "%s: out of memory\n", path);
        return -1;
    }
    buf[len] = '\0';
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    w->items = calloc(lines, sizeof(*w->items));
    if (w->items == NULL) {
        free(buf);
        return -1;
    }
    w->buf_ = buf;
    for (char *p = buf; *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (*p != '#' && *p != '\0') {
            char *cols[3] = {p, NULL, NULL};
            for (int c = 1; c < 3; c++) {
                char *tab = cols[c - 1] ? strchr(cols[c - 1], '\t') : NULL;
                if (tab) {
                    *tab = '\0';
                    cols[c] = tab + 1;
                }
            }
            lg_query *q = &w->items[w->len++];
            q->q = cols[0];
            q->country = cols[1] && *cols[1] ? cols[1] : NULL;
            q->ecosystem = cols[2] && *cols[2] ? cols[2] : NULL;
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    if (w->len == 0) {
        fprintf(stderr, "%s: no queries\n", path);
        lg_workload_free(w);
        return -1;
    }
    return 0;
}

void lg_workload_free(lg_workload *w)
{
    free(w->items);
    free(w->buf_);
    memset(w, 0, sizeof(*w));
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct client {
    pthread_t thread;
    unsigned id;
    const lg_driver *d;
    const lg_workload *w;
    const lg_options *o;
    void *conn;
    uint32_t *lat_us; /* Latencies of the measured period. */
    size_t len, cap;
    uint64_t errors;
    int failed; /* Could not connect. */
} client;

static pthread_barrier_t start_line; /* The clients and lg_run: everyone starts together. */
static _Atomic uint64_t measured;    /* Requests completed in the measured period. */
static _Atomic uint64_t all_errors;
static double t_measure, t_end; /* Written before the barrier is passed. */
static _Atomic int stop_flag;

static void *client_main(void *arg)
{
    client *c = arg;
    pthread_barrier_wait(&start_line);
    if (c->conn == NULL || atomic_load(&stop_flag))
        return NULL;
    /* Client k of n starts k/n of the way down the list (plus run * slice), and with a
     * slice walks only that many queries, round and round. */
    size_t len = c->w->len;
    size_t start =
        (size_t)(((uint64_t)c->id * len / c->o->clients + (uint64_t)c->o->run * c->o->slice) % len);
    for (uint64_t j = 0;; j++) {
        if (atomic_load(&stop_flag))
            break;
        const lg_query *q = &c->w->items[(start + (c->o->slice ? j % c->o->slice : j % len)) % len];
        double t0 = now_s();
        if (t0 >= t_end)
            break;
        int rc = c->d->run(c->d->ctx, c->conn, q);
        double t1 = now_s();
        if (t0 < t_measure)
            continue; /* warm-up */
        if (t1 > t_end)
            break; /* ended after the measured period: not counted */
        if (rc != 0) {
            c->errors++;
            if (atomic_fetch_add(&all_errors, 1) + 1 >= 100)
                atomic_store(&stop_flag, 1);
            continue;
        }
        if (c->len == c->cap) {
            size_t nc = c->cap ? c->cap * 2 : 4096;
            uint32_t *nl = realloc(c->lat_us, nc * sizeof(*nl));
            if (nl == NULL) {
                atomic_store(&stop_flag, 1);
                break;
            }
            c->lat_us = nl;
            c->cap = nc;
        }
        double us = (t1 - t0) * 1e6;
        c->lat_us[c->len++] = us > 4e9 ? 4000000000u : (uint32_t)us;
        if (c->o->max_requests && atomic_fetch_add(&measured, 1) + 1 >= c->o->max_requests)
            atomic_store(&stop_flag, 1);
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(p * (double)(n - 1) + 0.5);
    return v[k] / 1000.0;
}

int lg_run(const lg_driver *d, const lg_workload *w, const lg_options *o, lg_report *r)
{
    memset(r, 0, sizeof(*r));
    client *cs = calloc(o->clients, sizeof(*cs));
    if (cs == NULL)
        return -1;
    int rc = 0;
    atomic_store(&stop_flag, 0);
    atomic_store(&measured, 0);
    atomic_store(&all_errors, 0);
    for (unsigned i = 0; i < o->clients; i++) {
        cs[i] = (client){.id = i, .d = d, .w = w, .o = o};
        cs[i].conn = d->connect(d->ctx, i);
        if (cs[i].conn == NULL)
            rc = -1;
    }
    if (rc != 0)
        atomic_store(&stop_flag, 1);
    pthread_barrier_init(&start_line, NULL, o->clients + 1);
    for (unsigned i = 0; i < o->clients; i++)
        pthread_create(&cs[i].thread, NULL, client_main, &cs[i]);
    double t0 = now_s();
    t_measure = t0 + o->warmup_s;
    t_end = t_measure + o->duration_s;
    pthread_barrier_wait(&start_line);
    for (unsigned i = 0; i < o->clients; i++)
        pthread_join(cs[i].thread, NULL);
    pthread_barrier_destroy(&start_line);
    double t_stop = now_s();
    size_t total = 0;
    for (unsigned i = 0; i < o->clients; i++) {
        total += cs[i].len;
        r->errors += cs[i].errors;
    }
    uint32_t *all = malloc((total ? total : 1) * sizeof(*all));
    size_t n = 0;
    double sum = 0;
    for (unsigned i = 0; i < o->clients; i++) {
        for (size_t k = 0; all && k < cs[i].len; k++) {
            all[n++] = cs[i].lat_us[k];
            sum += cs[i].lat_us[k];
        }
        free(cs[i].lat_us);
        if (cs[i].conn)
            d->close(d->ctx, cs[i].conn);
    }
    if (all != NULL) {
        qsort(all, n, sizeof(*all), cmp_u32);
        r->requests = n;
        /* The measured period ends at t_end, or earlier when max_requests or errors
         * stopped it. */
        double end = t_stop < t_end ? t_stop : t_end;
        r->seconds = end - t_measure;
        r->rps = r->seconds > 0 ? (double)n / r->seconds : 0;
        r->p50_ms = pct(all, n, 0.50);
        r->p90_ms = pct(all, n, 0.90);
        r->p99_ms = pct(all, n, 0.99);
        r->max_ms = n ? all[n - 1] / 1000.0 : 0;
        r->mean_ms = n ? sum / (double)n / 1000.0 : 0;
        free(all);
    } else {
        rc = -1;
    }
    free(cs);
    if (r->errors >= 100)
        rc = -1;
    return rc;
}

int lg_main(const lg_driver *d, const char *path, const lg_options *o, int show)
{
    lg_workload w;
    if (lg_workload_load(path, &w) != 0)
        return 1;
    int rc = 0;
    if (show > 0) {
        void *conn = d->connect(d->ctx, 0);
        for (int i = 0; conn && i < show && (size_t)i < w.len; i++)
            rc |= d->run(d->ctx, conn, &w.items[i]);
        if (conn)
            d->close(d->ctx, conn);
        else
            rc = 1;
    } else {
        lg_report r;
        rc = lg_run(d, &w, o, &r);
        lg_print(&r);
    }
    lg_workload_free(&w);
    return rc ? 1 : 0;
}

void lg_print(const lg_report *r)
{
    printf("requests=%llu errors=%llu seconds=%.3f rps=%.2f p50_ms=%.3f p90_ms=%.3f "
           "p99_ms=%.3f max_ms=%.3f mean_ms=%.3f\n",
           (unsigned long long)r->requests, (unsigned long long)r->errors, r->seconds, r->rps,
           r->p50_ms, r->p90_ms, r->p99_ms, r->max_ms, r->mean_ms);
    fflush(stdout);
}

int lg_parse_flag(int argc, char **argv, int *i, lg_options *o)
{
    const char *f = argv[*i];
    if (strcmp(f, "--clients") && strcmp(f, "--warmup") && strcmp(f, "--duration") &&
        strcmp(f, "--max-requests") && strcmp(f, "--slice") && strcmp(f, "--run"))
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s needs a value\n", f);
        return -1;
    }
    const char *v = argv[++*i];
    char *end;
    double x = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || x < 0) {
        fprintf(stderr, "%s: bad value '%s'\n", f, v);
        return -1;
    }
    if (!strcmp(f, "--clients")) {
        if (x < 1 || x > 256) {
            fprintf(stderr, "--clients is 1..256\n");
            return -1;
        }
        o->clients = (unsigned)x;
    } else if (!strcmp(f, "--warmup")) {
        o->warmup_s = x > 60 ? 60 : x;
    } else if (!strcmp(f, "--duration")) {
        if (x <= 0 || x > 120) {
            fprintf(stderr, "--duration is more than 0 and at most 120 seconds\n");
            return -1;
        }
        o->duration_s = x;
    } else if (!strcmp(f, "--slice")) {
        o->slice = (size_t)x;
    } else if (!strcmp(f, "--run")) {
        o->run = (unsigned)x;
    } else {
        o->max_requests = (uint64_t)x;
    }
    return 1;
}

size_t lg_words(const char *q, char *out, size_t cap, size_t *len)
{
    size_t n = 0, used = 0;
    const unsigned char *p = (const unsigned char *)q;
    while (*p && n < 16) {
        while (*p && *p < 0x80 && !isalnum(*p))
            p++;
        if (!*p)
            break;
        const unsigned char *s = p;
        while (*p && (*p >= 0x80 || isalnum(*p)))
            p++;
        size_t wl = (size_t)(p - s);
        if (used + wl + 1 > cap)
            break;
        memcpy(out + used, s, wl);
        used += wl;
        out[used++] = '\0';
        n++;
    }
    *len = used;
    return n;
}
