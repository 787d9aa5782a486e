"""Ember's HTTP API against a real Prometheus 2.42 that scraped the same targets.

Both servers run on 127.0.0.1 with the same prometheus.yml and rule file: two
static targets served by this test (constant values, plus a counter that follows
the wall clock), each server scraping itself, and a job whose targets relabelling
drops. After a few scrape intervals the same API calls go to both; the JSON must
have the same shape, and the same values (within scrape-time jitter where the
value depends on when a scrape happened).
"""
import json
import os
import shutil
import sys
import time
import unittest
from datetime import datetime, timezone

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from jsondiff import shape_diffs, sorted_result, value_diffs  # noqa: E402

EXPOSITION = """# HELP demo_requests_total Requests handled.
# TYPE demo_requests_total counter
demo_requests_total{{code="200",method="get"}} 1027
demo_requests_total{{code="500",method="get"}} {errors}
demo_requests_total{{code="200",method="post"}} 45
# HELP demo_temperature_celsius Temperature of a room.
# TYPE demo_temperature_celsius gauge
demo_temperature_celsius{{room="a"}} {room_a}
demo_temperature_celsius{{room="b"}} -3.25
# HELP demo_latency_seconds Request latency.
# TYPE demo_latency_seconds histogram
demo_latency_seconds_bucket{{le="0.05"}} 4
demo_latency_seconds_bucket{{le="0.1"}} 10
demo_latency_seconds_bucket{{le="0.5"}} 25
demo_latency_seconds_bucket{{le="1"}} 29
demo_latency_seconds_bucket{{le="+Inf"}} 30
demo_latency_seconds_sum 12.5
demo_latency_seconds_count 30
# HELP demo_rpc_duration_seconds RPC duration.
# TYPE demo_rpc_duration_seconds summary
demo_rpc_duration_seconds{{quantile="0.5"}} 0.012
demo_rpc_duration_seconds{{quantile="0.99"}} 0.2
demo_rpc_duration_seconds_sum 4.5
demo_rpc_duration_seconds_count 100
# HELP demo_special Special float values.
# TYPE demo_special gauge
demo_special{{kind="nan"}} NaN
demo_special{{kind="inf"}} +Inf
demo_special{{kind="ninf"}} -Inf
demo_special{{kind="tiny"}} 1.5e-300
demo_special{{kind="huge"}} 123456789012345680000
# HELP demo_clock_seconds_total Wall-clock seconds, so its rate is about 1.
# TYPE demo_clock_seconds_total counter
demo_clock_seconds_total {clock:.3f}
"""

RULES = """groups:
  - name: demo
    rules:
      - record: code:demo_requests:sum
        expr: sum by (code) (demo_requests_total)
      - alert: HighErrors
        expr: demo_requests_total{code="500"} > 4
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} has {{ $value }} errors"}
      - alert: ColdRoom
        expr: demo_temperature_celsius < 0
        for: 1h
      - alert: NeverFires
        expr: demo_temperature_celsius > 1000
"""

# Instant queries whose values do not depend on when the scrapes happened.
EXACT_QUERIES = [
    "demo_temperature_celsius", "demo_requests_total", "sum by (code) (demo_requests_total)", "demo_special",
    "histogram_quantile(0.9, sum by (le) (demo_latency_seconds_bucket))", "demo_rpc_duration_seconds",
    'up{job="demo"}', "count by (job) (up)", "code:demo_requests:sum", "ALERTS",
    "-demo_temperature_celsius", "demo_temperature_celsius > bool 0", "topk(1, demo_requests_total)",
    'label_replace(demo_temperature_celsius, "where", "room-$1", "room", "(.*)")', "absent(nonexistent_metric)",
    'count_values("value", demo_temperature_celsius)', "demo_requests_total / on(instance, method) group_left "
    'demo_requests_total{code="200"}', "demo_temperature_celsius offset 2s", "vector(1) + 1", "1/0", "-1/0", "0/0",
    "demo_special * 2", "round(demo_latency_seconds_sum / demo_latency_seconds_count, 0.001)", "nonexistent_metric",
    "quantile(0.5, demo_temperature_celsius)", "stddev(demo_temperature_celsius)", "group by (room) (demo_temperature_celsius)",
    "scalar(sum(demo_temperature_celsius))", "1 + 2", "pi()", '"hello"', "time()", "-1e-10", "1e300 * 1e10",
    "histogram_quantile(0.5, demo_latency_seconds_bucket)", "sum by (code) (demo_requests_total) and on() vector(1)",
    'demo_requests_total{code=~"2.."}', 'count({__name__=~"demo_.*"})', "sum_over_time(demo_temperature_celsius[3s] offset 1s)",
    "quantile_over_time(0.5, demo_temperature_celsius[5s])", "max_over_time(demo_temperature_celsius[5s:1s])",
    "absent_over_time(nonexistent[5m])", "vector(time()) - time()", "year()", "days_in_month(vector(1700000000))",
    "clamp(demo_temperature_celsius, 0, 20)", '{__name__="demo_temperature_celsius"}',
    'demo_requests_total unless demo_requests_total{code="500"}',
]
# Queries where a result depends on scrape times: (query, relative tolerance, absolute tolerance).
# demo_clock_seconds_total is the target's clock when it answers, stamped with the server's scrape
# start time, so rates carry the jitter of a loopback round trip over one-second intervals.
APPROX_QUERIES = [
    ("rate(demo_clock_seconds_total[5s])", 0.1, 0), ("irate(demo_clock_seconds_total[5s])", 0.2, 0),
    ("increase(demo_clock_seconds_total[5s]) > 0", 0.15, 0), ("demo_clock_seconds_total", 0, 2.5),
    ("timestamp(demo_temperature_celsius)", 0, 2.5), ("deriv(demo_clock_seconds_total[5s])", 0.1, 0),
    ("avg_over_time(demo_temperature_celsius[5s])", 1e-12, 0), ("changes(demo_temperature_celsius[5s])", 0, 0),
    # The time an alert became active depends on when each server first scraped the targets.
    ("ALERTS_FOR_STATE", 0, 15), ("predict_linear(demo_clock_seconds_total[5s], 60)", 0.01, 0),
]
RANGE_QUERIES = [("demo_temperature_celsius", 0, 0), ("sum(demo_requests_total)", 0, 0), ("1 + 1", 0, 0),
                 ("time()", 0, 0), ("demo_special", 0, 0), ('up{job="demo"}', 0, 0),
                 ("rate(demo_clock_seconds_total[4s])", 0.1, 0)]


class PrometheusComparisonTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.temp_dir("compare")
        started = time.time()
        cls.targets = [harness.StaticTarget(lambda errors=e, room=r: EXPOSITION.format(
            errors=errors, room_a=room, clock=time.time() - started + 1000)) for e, r in ((3, 21.5), (7, 19))]
        cls.prom_port, cls.ember_port = harness.free_ports(2)
        cls.servers = []
        try:
            for name, port in (("prometheus", cls.prom_port), ("ember", cls.ember_port)):
                work = os.path.join(cls.dir, name)
                os.makedirs(work)
                with open(os.path.join(work, "rules.yml"), "w") as f:
                    f.write(RULES)
                with open(os.path.join(work, "prometheus.yml"), "w") as f:
                    f.write(cls.config(port))
            cls.servers.append(harness.start_prometheus(os.path.join(cls.dir, "prometheus"),
                                                        os.path.join(cls.dir, "prometheus", "prometheus.yml"), cls.prom_port))
            cls.servers.append(harness.start_ember(os.path.join(cls.dir, "ember"),
                                                   os.path.join(cls.dir, "ember", "prometheus.yml"), cls.ember_port))
            cls.prom = f"http://127.0.0.1:{cls.prom_port}"
            cls.ember = f"http://127.0.0.1:{cls.ember_port}"
            # Twelve seconds of samples of both targets in both servers, so every window below is full
            # (Prometheus applies discovered targets only after about five seconds).
            for base in (cls.prom, cls.ember):
                harness.wait_until(lambda: cls.scalar(base, "min(count_over_time(demo_clock_seconds_total[12s]))") >= 11
                                   and cls.scalar(base, 'count(ALERTS{alertstate="firing"})') == 1,
                                   60, what=f"{base} scraping and firing HighErrors")
            cls.at = int(time.time()) - 1
            cls.range_start = cls.at - 5
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in getattr(cls, "servers", []):
            s.stop()
        for t in cls.targets:
            t.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def config(cls, own_port):
        a, b = (t.address for t in cls.targets)
        return f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: demo
    static_configs:
      - targets: ['{a}', '{b}']
        labels: {{env: test}}
  - job_name: self
    static_configs: [{{targets: ['127.0.0.1:{own_port}']}}]
  - job_name: dropped
    static_configs: [{{targets: ['{a}']}}]
    relabel_configs: [{{action: drop, source_labels: [__address__], regex: '.*'}}]
"""

    @classmethod
    def scalar(cls, base, expr):
        r = requests.get(f"{base}/api/v1/query", params={"query": expr}, timeout=5).json()["data"]["result"]
        return float(r[0]["value"][1]) if len(r) == 1 else None

    def both(self, path, params=None, method="GET"):
        """The same call on both servers: (Prometheus response, Ember response)."""
        out = []
        for base in (self.prom, self.ember):
            if method == "POST":
                out.append(requests.post(base + path, data=params, timeout=10))
            else:
                out.append(requests.get(base + path, params=params, timeout=10))
        return out

    def compare(self, path, params=None, rel=0.0, abs_tol=0.0, method="GET", sort=True):
        prom, ember = self.both(path, params, method)
        self.assertEqual(prom.status_code, 200, prom.text)
        self.assertEqual(ember.status_code, prom.status_code, ember.text)
        self.assertEqual(ember.headers.get("Content-Type"), prom.headers.get("Content-Type"))
        want, got = prom.json(), ember.json()
        if sort:
            want, got = sorted_result(want), sorted_result(got)
        diffs = value_diffs(want, got, rel=rel, abs_tol=abs_tol)
        self.assertEqual(diffs, [], f"{path} {params}")
        return want

    def test_instant_queries_with_exact_values(self):
        for q in EXACT_QUERIES:
            with self.subTest(query=q):
                self.compare("/api/v1/query", {"query": q, "time": self.at})

    def test_instant_queries_within_scrape_jitter(self):
        for q, rel, abs_tol in APPROX_QUERIES:
            with self.subTest(query=q):
                self.compare("/api/v1/query", {"query": q, "time": self.at}, rel=rel, abs_tol=abs_tol)

    def test_time_formats_and_post(self):
        rfc = datetime.fromtimestamp(self.at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        for t in (f"{rfc}Z", f"{rfc}.250Z", f"{rfc}+00:00", f"{self.at}.75", str(self.at * 1.0)):
            with self.subTest(time=t):
                self.compare("/api/v1/query", {"query": "demo_temperature_celsius", "time": t})
        with self.subTest("POST form"):
            self.compare("/api/v1/query", {"query": "sum(demo_temperature_celsius)", "time": self.at}, method="POST")

    def test_info_annotations_come_on_top_of_the_same_data(self):
        # Ember annotates like Prometheus 3 (2.42 had no infos): rate() of a gauge adds an info, the data agree.
        prom, ember = (r.json() for r in self.both("/api/v1/query", {"query": "rate(demo_temperature_celsius[5s])", "time": self.at}))
        self.assertNotIn("infos", prom)
        infos = ember.pop("infos")
        self.assertTrue(any("demo_temperature_celsius" in i for i in infos), infos)
        self.assertEqual(value_diffs(sorted_result(prom), sorted_result(ember)), [])

    def test_at_modifier(self):
        for q in (f"demo_temperature_celsius @ {self.at - 3}", f"sum(demo_requests_total @ {self.range_start})"):
            with self.subTest(query=q):
                self.compare("/api/v1/query", {"query": q, "time": self.at})

    def test_sort_order_is_kept(self):
        for q in ("sort_desc(demo_requests_total)", "sort(demo_temperature_celsius)", "topk(3, demo_requests_total)"):
            with self.subTest(query=q):
                prom, ember = self.both("/api/v1/query", {"query": q, "time": self.at})
                if q.startswith("sort"):
                    self.assertEqual(value_diffs(prom.json(), ember.json()), [])
                else:  # topk's order is unspecified; values as a multiset must agree
                    self.assertEqual(value_diffs(sorted_result(prom.json()), sorted_result(ember.json())), [])

    def test_range_selector_results(self):
        # Which scrapes fall in the window depends on when each server scraped: same series,
        # same values, sample counts within one, timestamps inside the window.
        for q in ('demo_temperature_celsius{room="a"}[5s]', "demo_special[3s]"):
            with self.subTest(query=q):
                prom, ember = (sorted_result(r.json()) for r in self.both("/api/v1/query", {"query": q, "time": self.at}))
                self.assertEqual(prom["data"]["resultType"], "matrix")
                self.assertEqual(ember["data"]["resultType"], "matrix")
                self.assertEqual([s["metric"] for s in ember["data"]["result"]], [s["metric"] for s in prom["data"]["result"]])
                for p, e in zip(prom["data"]["result"], ember["data"]["result"]):
                    self.assertLessEqual(abs(len(p["values"]) - len(e["values"])), 1)
                    self.assertEqual({v for _, v in e["values"]}, {v for _, v in p["values"]})
                    window = 5 if "5s" in q else 3
                    self.assertTrue(all(self.at - window < t <= self.at for t, _ in e["values"]), e["values"])

    def test_range_queries(self):
        start = datetime.fromtimestamp(self.range_start, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for q, rel, abs_tol in RANGE_QUERIES:
            for params in ({"query": q, "start": self.range_start, "end": self.at, "step": 1},
                           {"query": q, "start": start, "end": self.at + 0.5, "step": "1s"}):
                with self.subTest(query=q, start=params["start"]):
                    self.compare("/api/v1/query_range", params, rel=rel, abs_tol=abs_tol, sort=False)
        with self.subTest("POST form"):
            self.compare("/api/v1/query_range", {"query": "demo_temperature_celsius", "start": self.range_start,
                                                 "end": self.at, "step": "2"}, method="POST", sort=False)

    def test_series_labels_and_label_values(self):
        window = {"start": self.range_start, "end": self.at}
        calls = [
            ("/api/v1/series", {"match[]": "demo_requests_total", **window}),
            ("/api/v1/series", {"match[]": ['{__name__=~"demo_temp.*"}', 'up{job="demo"}']}),
            ("/api/v1/series", {"match[]": 'demo_special{kind=~"n.*"}', "start": self.at - 1, "end": self.at}),
            ("/api/v1/labels", {"match[]": '{job="demo"}'}),
            ("/api/v1/labels", {"match[]": "demo_requests_total", **window}),
            ("/api/v1/label/room/values", None),
            ("/api/v1/label/__name__/values", {"match[]": '{job="demo"}'}),
            ("/api/v1/label/job/values", None),
            ("/api/v1/label/alertstate/values", window),
            ("/api/v1/label/nonexistent/values", None),
        ]
        for path, params in calls:
            with self.subTest(path=path, params=params):
                prom, ember = self.both(path, params)
                self.assertEqual((ember.status_code, ember.headers.get("Content-Type")),
                                 (prom.status_code, prom.headers.get("Content-Type")))
                want, got = prom.json(), ember.json()
                if path == "/api/v1/series":  # the order of series is not specified
                    for body in (want, got):
                        body["data"].sort(key=lambda m: json.dumps(m, sort_keys=True))
                self.assertEqual(value_diffs(want, got), [])

    def test_metadata(self):
        for params in ({"metric": "demo_requests_total"}, {"metric": "demo_latency_seconds"},
                       {"metric": "demo_rpc_duration_seconds"}, {"metric": "nonexistent_metric"}):
            with self.subTest(params=params):
                self.compare("/api/v1/metadata", params)

    def test_targets(self):
        for params in (None, {"state": "active"}, {"state": "dropped"}, {"state": "Any"}, {"state": "bogus"},
                       {"scrapePool": "demo"}):
            with self.subTest(params=params):
                prom, ember = (r.json() for r in self.both("/api/v1/targets", params))
                # droppedTargetCounts came after Prometheus 2.42; Ember answers like current Prometheus:
                # every pool's count when dropped targets are listed, else null.
                shows_dropped = (params or {}).get("state", "any").lower() in ("any", "dropped")
                self.assertEqual(ember["data"].pop("droppedTargetCounts"), {"dropped": 1} if shows_dropped else None)
                self.assertEqual(shape_diffs(self.first_of_each(prom), self.first_of_each(ember)), [])
                active = [self.demo_targets(body) for body in (prom, ember)]
                self.assertEqual(value_diffs(*active), [])
                dropped = [body["data"]["droppedTargets"] for body in (prom, ember)]
                self.assertEqual(value_diffs(*dropped), [])

    @staticmethod
    def first_of_each(body):
        """The targets response with each list cut to its first element, for a shape comparison."""
        return {k: ({kk: vv[:1] if isinstance(vv, list) else vv for kk, vv in v.items()} if isinstance(v, dict) else v)
                for k, v in body.items()}

    @staticmethod
    def demo_targets(body):
        """The demo job's targets without the fields that depend on when a scrape happened."""
        out = []
        for t in body["data"]["activeTargets"]:
            if t["scrapePool"] != "demo":
                continue
            t = dict(t)
            last = t.pop("lastScrape")
            assert datetime.fromisoformat(last.replace("Z", "+00:00")).year > 2000, last
            assert isinstance(t.pop("lastScrapeDuration"), (int, float))
            out.append(t)
        return sorted(out, key=lambda t: t["scrapeUrl"])

    def test_rules_and_alerts(self):
        for path, params in (("/api/v1/rules", None), ("/api/v1/rules", {"type": "alert"}),
                             ("/api/v1/rules", {"type": "record"}), ("/api/v1/alerts", None)):
            with self.subTest(path=path, params=params):
                prom, ember = (r.json() for r in self.both(path, params))
                self.assertEqual(shape_diffs(prom, ember), [])
                self.assertEqual(value_diffs(self.stable_rules(prom), self.stable_rules(ember)), [])

    @classmethod
    def stable_rules(cls, value):
        """Rules/alerts JSON without evaluation times, the file's directory, and with alerts sorted."""
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in ("evaluationTime", "lastEvaluation", "activeAt"):
                    out[k] = type(v).__name__
                elif k == "file":
                    out[k] = os.path.basename(v)
                else:
                    out[k] = cls.stable_rules(v)
            return out
        if isinstance(value, list):
            items = [cls.stable_rules(v) for v in value]
            if items and isinstance(items[0], dict) and "labels" in items[0] and "state" in items[0] and "name" not in items[0]:
                items.sort(key=lambda a: json.dumps(a["labels"], sort_keys=True))
            return items
        return value

    def test_status_endpoints_shape(self):
        for path in ("/api/v1/status/buildinfo", "/api/v1/status/runtimeinfo", "/api/v1/status/tsdb",
                     "/api/v1/status/config", "/api/v1/status/flags"):
            with self.subTest(path=path):
                prom, ember = (r.json() for r in self.both(path))
                if path.endswith("flags"):  # each server has its own flags; both answer a string map
                    self.assertTrue(all(isinstance(v, str) for v in ember["data"].values()))
                    prom["data"], ember["data"] = {}, {}
                self.assertEqual(shape_diffs(self.first_of_each(prom), self.first_of_each(ember)), [])

    def test_federate(self):
        params = {"match[]": ['{job="demo",__name__=~"demo_temp.*"}', "demo_special"]}
        prom, ember = self.both("/federate", params)
        self.assertEqual((ember.status_code, ember.headers.get("Content-Type")), (prom.status_code, prom.headers.get("Content-Type")))

        def samples(text):  # series and value; the timestamps are each server's own scrape times
            return sorted(line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#"))
        self.assertEqual(samples(ember.text), samples(prom.text))
        self.assertEqual(sorted(l for l in ember.text.splitlines() if l.startswith("#")),
                         sorted(l for l in prom.text.splitlines() if l.startswith("#")))

    def test_errors(self):
        long_ago = self.at - 86400 * 365
        cases = [
            ("/api/v1/query", {"query": "foo("}),
            ("/api/v1/query", {}),
            ("/api/v1/query", {"query": "sum(rate(x[5m])"}),
            ("/api/v1/query", {"query": "up", "time": "yesterday"}),
            ("/api/v1/query", {"query": 'demo_requests_total + on(method) demo_requests_total', "time": self.at}),
            ("/api/v1/query", {"query": "demo_requests_total", "timeout": "zero"}),
            ("/api/v1/query_range", {"query": "up", "start": self.range_start, "end": self.at}),
            ("/api/v1/query_range", {"query": "up", "start": self.range_start, "end": self.at, "step": 0}),
            ("/api/v1/query_range", {"query": "up", "start": self.at, "end": self.range_start, "step": 1}),
            ("/api/v1/query_range", {"query": "up", "start": long_ago, "end": self.at, "step": 1}),
            ("/api/v1/query_range", {"query": '"a string"', "start": self.range_start, "end": self.at, "step": 1}),
            ("/api/v1/query_range", {"query": "up[5m]", "start": self.range_start, "end": self.at, "step": 1}),
            ("/api/v1/query_range", {"query": "up", "start": "then", "end": self.at, "step": 1}),
            ("/api/v1/series", {}),
            ("/api/v1/series", {"match[]": "sum(up)"}),
            ("/api/v1/labels", {"match[]": "{"}),
            ("/api/v1/label/job/values", {"match[]": "up{"}),
            ("/api/v1/rules", {"type": "bogus"}),
            ("/api/v1/nonexistent", None),
        ]
        for path, params in cases:
            with self.subTest(path=path, params=params):
                prom, ember = self.both(path, params)
                self.assertGreaterEqual(prom.status_code, 400, prom.text)
                if "json" not in prom.headers.get("Content-Type", ""):  # Go's plain 404 page
                    self.assertEqual((ember.status_code, ember.headers.get("Content-Type"), ember.text),
                                     (prom.status_code, prom.headers.get("Content-Type"), prom.text))
                    continue
                want, got = prom.json(), ember.json()
                self.assertEqual((ember.status_code, got.get("status"), got.get("errorType")),
                                 (prom.status_code, want.get("status"), want.get("errorType")),
                                 f"Prometheus: {prom.text} Ember: {ember.text}")
                self.assertEqual(sorted(got), sorted(want))


if __name__ == "__main__":
    unittest.main()
