#!/usr/bin/env python3
"""took.py: where a search's time goes, one query at a time. Sends each URI of a list
(corpus.py uris output) to eccpd over one HTTP/1.1 connection, one request in flight, and
compares the time the client waited with the `took_ms` eccpd reports for index_search
alone, grouped by the number of matching documents (`total`).

  took.py URIS [--limit N] [--slowest N]

Prints percentiles of wall time and took_ms, their difference (HTTP, parameters, JSON),
the mean cost per bucket of `total`, and the slowest queries. With the server otherwise
idle this is a quick profile without a profiler.
"""
import http.client
import json
import signal
import sys
import time
import urllib.parse


def pct(v, p):
    v = sorted(v)
    return v[int(p * (len(v) - 1) + 0.5)] if v else 0.0


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    opts = dict(zip(argv[2::2], argv[3::2]))
    limit = int(opts.get("--limit", 500))
    slowest = int(opts.get("--slowest", 10))
    with open(argv[1], encoding="utf-8") as f:
        uris = [line.strip() for line in f if line.strip()][:limit]
    u = urllib.parse.urlsplit(uris[0])
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    rows = []  # (wall_ms, took_ms, total, bytes, uri)
    for uri in uris:
        p = urllib.parse.urlsplit(uri)
        path = p.path + ("?" + p.query if p.query else "")
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        wall = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            sys.stderr.write("took.py: %d for %s\n" % (r.status, path))
            continue
        d = json.loads(body)
        if isinstance(d, dict):
            rows.append((wall, d.get("took_ms", 0.0), d.get("total", 0), len(body), path))
        else:  # /v1/suggest answers a list
            rows.append((wall, 0.0, len(d), len(body), path))
    walls = [r[0] for r in rows]
    tooks = [r[1] for r in rows]
    over = [r[0] - r[1] for r in rows]
    print("%d queries, one at a time" % len(rows))
    print("%-22s %8s %8s %8s %8s" % ("ms", "mean", "p50", "p90", "p99"))
    for name, v in (("client wall time", walls), ("index_search took_ms", tooks),
                    ("wall - took", over)):
        print("%-22s %8.3f %8.3f %8.3f %8.3f" % (name, sum(v) / len(v), pct(v, .5), pct(v, .9),
                                                pct(v, .99)))
    print("mean response bytes %.0f" % (sum(r[3] for r in rows) / len(rows)))
    print()
    print("by matching documents (total):")
    print("%-16s %6s %12s %12s %14s" % ("total", "n", "took mean", "took p99", "us per match"))
    edges = [0, 1, 100, 1000, 5000, 20000, 50000, 100000, 1 << 62]
    for lo, hi in zip(edges, edges[1:]):
        b = [r for r in rows if lo <= r[2] < hi]
        if not b:
            continue
        t = [r[1] for r in b]
        m = sum(r[2] for r in b)
        print("%-16s %6d %12.3f %12.3f %14s" % ("%d..%d" % (lo, hi - 1) if hi < 1 << 62 else
                                                 ">= %d" % lo, len(b), sum(t) / len(t),
                                                 pct(t, .99),
                                                 "%.3f" % (sum(t) * 1000 / m) if m else "-"))
    print()
    print("slowest %d:" % slowest)
    for r in sorted(rows, reverse=True)[:slowest]:
        print("  %8.3f ms wall %8.3f ms took %7d matches  %s" % (r[0], r[1], r[2],
                                                               urllib.parse.unquote(r[4])))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    sys.exit(main(sys.argv))
