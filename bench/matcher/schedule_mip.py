#!/usr/bin/python3
"""The meeting-scheduling problem of an instance dumped by bench_matcher_schedule, solved
as a MIP with SciPy's milp (HiGHS), for bench/matcher/schedule_run.sh.

    schedule_mip.py INSTANCE [TIME_LIMIT_SECONDS]

Variables x[r,s] in {0,1} for each request r and each slot s both its participants can
attend. Maximise the number of placed requests subject to: a request in at most one slot;
a participant in at most one meeting per slot; at most `tables` meetings per slot. Prints
one line: placed (the best solution found), bound (HiGHS's proven dual bound), whether it
is proven optimal, the wall time and the process's CPU time of the solve (HiGHS runs on one
thread here, so on a loaded machine the CPU time is the one to compare).
"""
import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


def main():
    path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    with open(path) as f:
        P, S, T, R = map(int, f.readline().split())
        unav = [f.readline().strip() for _ in range(P)]
        reqs = [tuple(map(int, f.readline().split())) for _ in range(R)]
    var = []  # (request, slot)
    for r, (a, b, _w) in enumerate(reqs):
        for s in range(S):
            if unav[a][s] == "0" and unav[b][s] == "0":
                var.append((r, s))
    n = len(var)
    rows, cols = [], []
    row = 0
    # each request at most once
    by_req = {}
    for j, (r, s) in enumerate(var):
        by_req.setdefault(r, []).append(j)
    for r, js in by_req.items():
        for j in js:
            rows.append(row)
            cols.append(j)
        row += 1
    # each participant at most one meeting per slot
    by_ps = {}
    for j, (r, s) in enumerate(var):
        a, b, _w = reqs[r]
        by_ps.setdefault((a, s), []).append(j)
        by_ps.setdefault((b, s), []).append(j)
    for js in by_ps.values():
        for j in js:
            rows.append(row)
            cols.append(j)
        row += 1
    n_unit = row
    # tables per slot
    by_s = {}
    for j, (r, s) in enumerate(var):
        by_s.setdefault(s, []).append(j)
    for js in by_s.values():
        for j in js:
            rows.append(row)
            cols.append(j)
        row += 1
    A = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(row, n)).tocsr()
    ub = np.array([1.0] * n_unit + [float(T)] * (row - n_unit))
    t0, c0 = time.monotonic(), time.process_time()
    res = milp(
        c=-np.ones(n),
        constraints=[LinearConstraint(A, -np.inf, ub)],
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"time_limit": limit, "disp": False},
    )
    took, cpu = time.monotonic() - t0, time.process_time() - c0
    placed = int(round(-res.fun)) if res.x is not None else 0
    bound = getattr(res, "mip_dual_bound", None)
    bound = int(np.floor(-bound + 1e-6)) if bound is not None else -1
    proven = res.status == 0
    print(f"mip_placed={placed} mip_bound={bound} proven={'yes' if proven else 'no'} "
          f"mip_s={took:.3f} mip_cpu_s={cpu:.3f} variables={n}")


if __name__ == "__main__":
    main()
