#!/usr/bin/python3
"""The fan-out benchmark of issue 16: an interest on a partner search with N followers.

Measures, against the real server on loopback:
  - the time to the response of POST /v1/partner-searches/B/interests (B has N
    followers: the write stores N+1 notifications and queues N+1 e-mails in its commit),
    next to the same interest on search A (no followers) measured in the same run,
    alternating A and B;
  - the time from sending the request on B until all N e-mails are in the spool
    (DIR/outbox/*.eml, each fsynced before its rename, the directory fsynced per batch).
Prints the medians over --runs runs and the ratio B/A.

Usage: bench/partner/fanout.py --build BUILD_DIR [--followers 5000] [--runs 5]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spool_count(spool):
    try:
        return sum(1 for e in os.scandir(spool) if e.name.endswith(".eml") and e.name[0] != ".")
    except FileNotFoundError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--followers", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    eccpd = os.path.join(args.build, "cli", "eccpd")
    setup = os.path.join(args.build, "bench", "partner", "bench_partner_setup")
    tmp = tempfile.mkdtemp(prefix="eccpd-fanout-")
    server = None
    try:
        t0 = time.time()
        out = subprocess.run([setup, tmp, str(args.followers)], check=True,
                             capture_output=True, text=True).stdout
        kv = dict(p.split("=", 1) for p in out.split())
        print("setup: %d followers in %.1f s" % (args.followers, time.time() - t0),
              file=sys.stderr)
        port = free_port()
        server = subprocess.Popen([eccpd, "serve", "--data", tmp, "--listen",
                                   "127.0.0.1:%d" % port, "--no-demo", "--access-log", "off"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        headers = {"authorization": "Bearer " + kv["token"], "content-type": "application/json"}
        body = json.dumps({"organisation": "Bench Org", "message": "We are interested."})
        spool = os.path.join(tmp, "outbox")

        def interest(search):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.connect()  # not timed: the response time is the request's
            start = time.perf_counter()
            conn.request("POST", "/v1/partner-searches/%s/interests" % search, body, headers)
            r = conn.getresponse()
            r.read()
            took = time.perf_counter() - start
            conn.close()
            if r.status != 201:
                raise SystemExit("interest on %s: %d" % (search, r.status))
            return start, took

        # settle: the spool holds the setup's few e-mails
        time.sleep(0.5)
        interest(kv["a"])  # warm-up (connection, caches)
        a_times, b_times, spool_times = [], [], []
        for _ in range(args.runs):
            a_times.append(interest(kv["a"])[1])
            time.sleep(0.2)
            base = spool_count(spool)
            start, took = interest(kv["b"])
            b_times.append(took)
            while spool_count(spool) < base + args.followers:
                if time.perf_counter() - start > 60:
                    raise SystemExit("the spool did not fill within 60 s")
                time.sleep(0.002)
            spool_times.append(time.perf_counter() - start)
            time.sleep(0.2)
        ma, mb, ms = (statistics.median(x) * 1000 for x in (a_times, b_times, spool_times))
        print("| followers | runs | interest, no followers (ms) | interest, %d followers (ms) "
              "| ratio | all e-mails in the spool (ms) |" % args.followers)
        print("|---|---|---|---|---|---|")
        print("| %d | %d | %.1f | %.1f | %.2fx | %.0f |" % (args.followers, args.runs, ma, mb,
                                                          mb / ma, ms))
        print("runs (ms): A %s; B %s; spool %s" % (
            " ".join("%.1f" % (x * 1000) for x in a_times),
            " ".join("%.1f" % (x * 1000) for x in b_times),
            " ".join("%.0f" % (x * 1000) for x in spool_times)), file=sys.stderr)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
