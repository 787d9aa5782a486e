#!/usr/bin/env python3
"""PromQL latency, Ember beside Prometheus on the same data, over the HTTP API.

Writes one OpenMetrics file with the shape of Benchmarks/PromQLBenchmarks
(10,000 series x 2 h at 15 s: 4,000 counters `m`, 250 classic histograms
`h_bucket` of 12 buckets, 3,000 gauges `g`), imports it into Ember
(`ember tsdb import openmetrics`) and into Prometheus (`promtool tsdb
create-blocks-from openmetrics`), starts both on 127.0.0.1 and times issue 5's
three range queries at 15 s step plus issue 6's API query (1,000 series x 240
points), JSON transfer and decoding included. Prints a table and checks that
both answer the same series with the same values.

    python3 Benchmarks/peers/promql_side_by_side.py --ember .build/release/ember [--reps 7]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

STEP = 15
POINTS = 480
QUERIES = [
    ("q1", "sum by (job) (rate(m[5m]))", POINTS),
    ("q2", "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))", POINTS),
    ("q3", "topk(10, max_over_time(g[10m]))", POINTS),
    ("api", 'g{instance=~"10\\\\.2\\\\.[0-3]\\\\..*"}', 240),
]
BOUNDS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]


def write_dataset(path, start):
    rng = random.Random(1)
    with open(path, "w") as f:
        for i in range(4000):
            labels = f'job="job{i % 10}",instance="10.0.{i // 250}.{i % 250}:9100",path="/p{i % 40}"'
            v = 0
            for s in range(POINTS):
                v += rng.randrange(100)
                f.write(f"m{{{labels}}} {v} {start + s * STEP}\n")
        for h in range(250):
            cum = [0.0] * len(BOUNDS)
            lines = [[] for _ in BOUNDS]
            for s in range(POINTS):
                for b in range(len(BOUNDS)):
                    cum[b] += b * 3 + rng.randrange(4)
                    if b > 0 and cum[b] < cum[b - 1]:
                        cum[b] = cum[b - 1]
                    lines[b].append(f"{cum[b]:g} {start + s * STEP}")
            for b, le in enumerate(BOUNDS):
                labels = f'job="job{h % 10}",instance="10.1.0.{h}:9100",le="{le}"'
                f.write("".join(f"h_bucket{{{labels}}} {x}\n" for x in lines[b]))
        for i in range(3000):
            labels = f'job="job{i % 10}",instance="10.2.{i // 250}.{i % 250}:9100"'
            for s in range(POINTS):
                f.write(f"g{{{labels}}} {(rng.randrange(10000) - 5000) / 100} {start + s * STEP}\n")
        f.write("# EOF\n")


def run(argv, log):
    with open(log, "wb") as out:
        subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=1800)


def spawn(argv, log):
    return subprocess.Popen(argv, stdout=open(log, "wb"), stderr=subprocess.STDOUT)


def wait_ready(base, proc, seconds=300):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{base}: process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/-/ready", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base} not ready after {seconds} s")


def query_range(base, q, start, end):
    params = urllib.parse.urlencode({"query": q, "start": start, "end": end, "step": STEP})
    t0 = time.perf_counter()
    with urllib.request.urlopen(f"{base}/api/v1/query_range?{params}", timeout=600) as r:
        body = json.load(r)
    elapsed = time.perf_counter() - t0
    if body.get("status") != "success":
        raise SystemExit(f"{base}: {q}: {body}")
    return elapsed, body["data"]["result"]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def summarize(result):
    """Series count, points and a value checksum that ignores series order."""
    points = sum(len(s["values"]) for s in result)
    total = 0.0
    for s in result:
        for _, v in s["values"]:
            x = float(v)
            if x == x and abs(x) != float("inf"):
                total += x
    return len(result), points, total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", default=".build/release/ember")
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--promtool", default="/usr/bin/promtool")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--work", default=None)
    ap.add_argument("--json", help="append the result as one JSON line here")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="ember-promql-peers-")
    os.makedirs(work, exist_ok=True)
    now = int(time.time())
    start = (now - 3 * 3600) // 7200 * 7200  # one whole Prometheus block, fully in the past
    end = start + (POINTS - 1) * STEP
    om = os.path.join(work, "data.om")
    print(f"writing {om}", file=sys.stderr)
    write_dataset(om, start)
    systems = {
        "prometheus": {
            "import": [args.promtool, "tsdb", "create-blocks-from", "openmetrics", om, os.path.join(work, "prom")],
            "serve": [args.prometheus, "--config.file", os.path.join(work, "empty.yml"),
                      "--storage.tsdb.path", os.path.join(work, "prom"), "--web.listen-address", "127.0.0.1:19391"],
            "base": "http://127.0.0.1:19391",
        },
        "ember": {
            "import": [args.ember, "tsdb", "import", "openmetrics", om, "--storage.tsdb.path", os.path.join(work, "ember")],
            "serve": [args.ember, "server", "--config.file", os.path.join(work, "empty.yml"),
                      "--storage.tsdb.path", os.path.join(work, "ember"), "--web.listen-address", "127.0.0.1:19392"],
            "base": "http://127.0.0.1:19392",
        },
    }
    with open(os.path.join(work, "empty.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    results = {}
    for name, s in systems.items():
        print(f"importing into {name}", file=sys.stderr)
        run(s["import"], os.path.join(work, name + "-import.log"))
        proc = spawn(s["serve"], os.path.join(work, name + ".log"))
        try:
            wait_ready(s["base"], proc)
            out = {}
            for key, q, points in QUERIES:
                # Steps fall 7 s after samples, so no range window starts exactly on a
                # sample: there Prometheus 2.42 (closed windows) and 3.x (left-open,
                # which Ember follows) would legitimately select different samples.
                q_start = start + 7
                q_end = q_start + (points - 1) * STEP
                query_range(s["base"], q, q_start, q_end)  # warm-up: caches, first chunk reads
                times, cpu0 = [], cpu_seconds(proc.pid)
                for _ in range(args.reps):
                    elapsed, result = query_range(s["base"], q, q_start, q_end)
                    times.append(elapsed)
                # Results are compared from 10 minutes in, where every window lies inside
                # the data: before that, counter extrapolation toward the series start
                # differs between Prometheus 2.42 and 3.x (3.x applies the zero-point
                # limit after the extrapolation threshold), and Ember follows 3.x.
                _, inner = query_range(s["base"], q, q_start + 600, q_end)
                out[key] = {"median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000,
                            "cpu_ms": (cpu_seconds(proc.pid) - cpu0) / args.reps * 1000,
                            "series": len(result), "points": sum(len(x["values"]) for x in result),
                            "summary": summarize(inner)}
            out["peak_rss_mib"] = peak_rss_mib(proc.pid)
            results[name] = out
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print(f"\n{'query':<6} {'series':>6} {'points':>7} {'Prometheus ms':>14} {'Ember ms':>9} {'ratio':>6}  agree")
    ok = True
    for key, q, _ in QUERIES:
        p, e = results["prometheus"][key], results["ember"][key]
        ps, es = p["summary"], e["summary"]
        same_values = ps[1] == es[1] and abs(ps[2] - es[2]) <= 1e-9 * max(1.0, abs(ps[2]))
        # topk keeps an implementation-defined one of equal values, so only its values must agree.
        agree = same_values and (key == "q3" or ps[0] == es[0])
        ok = ok and agree
        print(f"{key:<6} {e['series']:>6} {e['points']:>7} {p['median_ms']:>14.1f} {e['median_ms']:>9.1f} "
              f"{e['median_ms'] / p['median_ms']:>6.2f}  {'yes' if agree else f'NO {ps} vs {es}'}")
    print(f"peak RSS MiB: Prometheus {results['prometheus']['peak_rss_mib']:.0f}, Ember {results['ember']['peak_rss_mib']:.0f}")
    for key, q, _ in QUERIES:
        print(f"{key}: {q}")
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": results}) + "\n")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
