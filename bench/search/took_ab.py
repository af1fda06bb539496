#!/usr/bin/env python3
"""took_ab.py: two eccpd servers compared on the same queries, passes alternated.

  took_ab.py BASE_A BASE_B WORKLOAD KIND [--limit N] [--passes P]

Sends the first N queries of WORKLOAD (a bench/search/workloads/*.tsv file; KIND facets,
nofacets or suggest, URIs as corpus.py uris writes them) to server A, then to server B,
P times (A, B, A, B, ...; one connection each, one request in flight), and prints per pass
the summed server-side took_ms (index_search alone) and client wall time of each server,
then the medians over the passes and B/A. The first pass of each warms caches and is
left out of the medians.
"""
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse



def paths(workload, kind, limit):
    out = []
    with open(workload, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t") + ["", ""]
            q = urllib.parse.quote(cols[0], safe="")
            if kind == "suggest":
                out.append("/v1/suggest?q=%s&limit=8" % q)
            else:
                u = "/v1/search?q=%s&per_page=20" % q
                if cols[1]:
                    u += "&country=" + urllib.parse.quote(cols[1], safe="")
                if cols[2]:
                    u += "&ecosystem=" + urllib.parse.quote(cols[2], safe="")
                if kind == "facets":
                    u += "&facets=country,ecosystem,type"
                out.append(u)
            if len(out) == limit:
                break
    return out


def one_pass(base, ps):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    took = wall = 0.0
    for p in ps:
        t0 = time.perf_counter()
        conn.request("GET", p)
        r = conn.getresponse()
        body = r.read()
        wall += (time.perf_counter() - t0) * 1000
        if r.status != 200:
            raise SystemExit("took_ab.py: %d for %s" % (r.status, p))
        d = json.loads(body)
        if isinstance(d, dict):
            took += d.get("took_ms", 0.0)
    conn.close()
    return took, wall


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    a, b, workload, kind = argv[1:5]
    opts = dict(zip(argv[5::2], argv[6::2]))
    ps = paths(workload, kind, int(opts.get("--limit", 500)))
    passes = int(opts.get("--passes", 5))
    res = {"A": [], "B": []}
    for i in range(passes + 1):
        for name, base in (("A", a), ("B", b)):
            t, w = one_pass(base, ps)
            print("pass %d %s: took %.1f ms, wall %.1f ms" % (i, name, t, w), flush=True)
            if i > 0:
                res[name].append((t, w))
    mt = {k: statistics.median(x[0] for x in v) for k, v in res.items()}
    mw = {k: statistics.median(x[1] for x in v) for k, v in res.items()}
    print("%s %s: %d queries, %d passes: median took A %.1f ms, B %.1f ms, B/A %.2f; "
          "median wall A %.1f ms, B %.1f ms, B/A %.2f" %
          (os.path.basename(workload), kind, len(ps), passes, mt["A"], mt["B"],
           mt["B"] / mt["A"] if mt["A"] else 0, mw["A"], mw["B"], mw["B"] / mw["A"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
