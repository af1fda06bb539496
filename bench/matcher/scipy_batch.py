#!/usr/bin/python3
"""Solves the instances bench_batch wrote with SciPy and prints both side by side.

    /usr/bin/python3 scipy_batch.py DIR

Reads DIR/<name>.bin (format in bench_batch.c) and DIR/c_results.tsv, solves each problem
once with SciPy, checks the objective values are equal and prints a Markdown table.
  dense:    scipy.optimize.linear_sum_assignment(maximize=True)
  capacity: the same on the matrix with each host repeated capacity times (slots)
  sparse:   scipy.sparse.csgraph.min_weight_full_bipartite_matching on slots plus one
            private "unmatched" column per visitor, with cost = (max+1) - score, so that
            a full matching exists and minimum cost means maximum total score
Peak memory is measured like the C side: peak RSS reset through /proc/self/clear_refs,
VmHWM after minus VmRSS before (so it includes building the slot-expanded matrix).
"""
import os
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


def status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def load(path):
    with open(path, "rb") as f:
        kind, nv, nh, ne = np.frombuffer(f.read(16), dtype="<u4")
        cap = np.frombuffer(f.read(4 * int(nh)), dtype="<u4").astype(np.int64)
        if kind == 0:
            m = np.frombuffer(f.read(2 * int(nv) * int(nh)), dtype="<u2").reshape(nv, nh)
            return "dense", int(nv), int(nh), cap, m
        e = np.frombuffer(f.read(12 * int(ne)), dtype=[("v", "<u4"), ("h", "<u4"), ("s", "<i4")])
        return "sparse", int(nv), int(nh), cap, e


def solve_dense(m, cap):
    if np.all(cap == 1):
        r, c = linear_sum_assignment(m, maximize=True)
        return int(m[r, c].sum())
    slots = np.repeat(m, cap, axis=1)  # hosts expanded into slots
    r, c = linear_sum_assignment(slots, maximize=True)
    return int(slots[r, c].sum())


def solve_sparse(nv, nh, cap, e):
    big = int(e["s"].max()) + 1
    first = np.concatenate(([0], np.cumsum(cap)))  # first slot of each host
    reps = cap[e["h"]]
    rows = np.repeat(e["v"].astype(np.int64), reps)
    # slot index = first[h] + 0..cap[h]-1 for each edge
    offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    cols = np.repeat(first[e["h"]], reps) + offs
    cost = np.repeat((big - e["s"]).astype(np.float64), reps)
    nslots = int(first[-1])
    rows = np.concatenate((rows, np.arange(nv)))
    cols = np.concatenate((cols, nslots + np.arange(nv)))
    cost = np.concatenate((cost, np.full(nv, float(big))))
    g = csr_matrix((cost, (rows, cols)), shape=(nv, nslots + nv))
    r, c = min_weight_full_bipartite_matching(g)
    total = 0
    score = np.asarray(g[r, c]).ravel()
    real = c < nslots
    total = int((big - score[real]).sum())
    return total


def main():
    d = sys.argv[1]
    c_res = {}
    with open(os.path.join(d, "c_results.tsv")) as f:
        for line in f:
            name, med, best, peak, total, matched = line.split("\t")
            c_res[name] = (float(med), float(best), float(peak), int(total), int(matched))
    print(f"scipy {scipy.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    print()
    print("| problem | matcher median s | matcher peak MiB | scipy s | scipy peak MiB "
          "| scipy / matcher | total score (matcher) | total score (scipy) | equal |")
    print("|---|---|---|---|---|---|---|---|---|")
    ok = True
    for name in c_res:
        kind, nv, nh, cap, data = load(os.path.join(d, name + ".bin"))
        reset_peak()
        base = status_kib("VmRSS:")
        t0 = time.perf_counter()
        if kind == "dense":
            total = solve_dense(data, cap)
        else:
            total = solve_sparse(nv, nh, cap, data)
        t = time.perf_counter() - t0
        peak = (status_kib("VmHWM:") - base) / 1024.0
        med, best, cpeak, ctotal, matched = c_res[name]
        eq = total == ctotal
        ok = ok and eq
        print(f"| {name} | {med:.3f} | {cpeak:.0f} | {t:.3f} | {peak:.0f} | {t / med:.1f}x "
              f"| {ctotal} | {total} | {'yes' if eq else 'NO'} |", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
