"""The web UI in a real browser: headless Chromium (Debian's package) against a real `ember server`.

Ember scrapes a static target with three constant series and evaluates alerting
rules on them; 100 series x 1,000 points are backfilled with `ember tsdb import`
before it starts. The tests open the UI pages, check what the DOM and the canvas
show, and take screenshots (kept in $EMBER_SCREENSHOT_DIR when set, which is how
docs/screenshots/ is made).
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from cdp import Browser, chromium_path  # noqa: E402
from pngcheck import png_info  # noqa: E402

DEMO = """# HELP ui_demo_value A constant per series, for the UI tests.
# TYPE ui_demo_value gauge
ui_demo_value{series="a"} 1
ui_demo_value{series="b"} 2
ui_demo_value{series="c"} 3
"""

RULES = """groups:
  - name: demo
    interval: 1s
    rules:
      - record: job:ui_demo_value:sum
        expr: sum by (job) (ui_demo_value)
      - alert: DemoValueHigh
        expr: ui_demo_value > 2
        labels: {severity: page}
        annotations: {summary: "Series {{ $labels.series }} is at {{ $value }}"}
      - alert: DemoValueRising
        expr: ui_demo_value > 1
        for: 1h
        labels: {severity: ticket}
      - alert: DemoNeverFires
        expr: ui_demo_value > 100
"""

BENCH_SERIES, BENCH_POINTS, BENCH_STEP = 100, 1000, 15
# The expression page's status line once a query has been drawn (or listed).
STATUS_READY = "(() => { const t = document.getElementById('status').textContent; return t.includes('Result series') && t; })()"
# The chart's palette (chart.js) for the first three series, as RGB.
PALETTE_RGB = [(0xc2, 0x41, 0x0c), (0x25, 0x63, 0xeb), (0x16, 0xa3, 0x4a)]


def backfill_file(path, end_seconds):
    """OpenMetrics with BENCH_SERIES series of BENCH_POINTS samples each, ending at end_seconds."""
    with open(path, "w") as f:
        f.write("# HELP ui_bench_value Backfilled waves for the 100 x 1,000 chart.\n# TYPE ui_bench_value gauge\n")
        for k in range(BENCH_SERIES):
            for i in range(BENCH_POINTS):
                t = end_seconds - BENCH_STEP * (BENCH_POINTS - 1 - i)
                v = 10 * k + 40 * math.sin(i / 40 + k / 7)
                f.write(f'ui_bench_value{{series="{k:03d}"}} {v:.3f} {t}\n')
        f.write("# EOF\n")


class UIBrowserTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not chromium_path():
            raise RuntimeError("chromium is missing: install the Debian package chromium (make deps)")
        cls.dir = harness.temp_dir("ui")
        cls.shots = os.environ.get("EMBER_SCREENSHOT_DIR") or os.path.join(cls.dir, "screenshots")
        os.makedirs(cls.shots, exist_ok=True)
        cls.target = harness.StaticTarget(lambda: DEMO)
        cls.port = harness.free_port()
        with open(os.path.join(cls.dir, "rules.yml"), "w") as f:
            f.write(RULES)
        config = os.path.join(cls.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: demo
    static_configs: [{{targets: ['{cls.target.address}']}}]
  - job_name: ember
    static_configs: [{{targets: ['127.0.0.1:{cls.port}']}}]
""")
        data = os.path.join(cls.dir, "data")
        cls.bench_end = int(time.time()) // BENCH_STEP * BENCH_STEP
        backfill = os.path.join(cls.dir, "bench.om")
        backfill_file(backfill, cls.bench_end)
        r = subprocess.run([harness.ember_binary(), "tsdb", "import", "openmetrics", backfill, "--storage.tsdb.path", data],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"ember tsdb import failed: {r.stdout}{r.stderr}")
        cls.ember = None
        cls.browser = None
        try:
            cls.ember = harness.start_ember(cls.dir, config, cls.port, data_dir=data)
            cls.base = f"http://127.0.0.1:{cls.port}"
            harness.wait_until(lambda: cls.query("count(ALERTS{alertstate=\"firing\"})") == "1"
                               and cls.query("count(count_over_time(ui_demo_value[1m]) >= 5)") == "3",
                               timeout=60, what="five scrapes of the demo target and a firing alert")
            cls.browser = Browser(width=1280, height=900).__enter__()
            cls.browser.call("Network.enable")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "browser", None):
            cls.browser.close()
        if getattr(cls, "ember", None):
            cls.ember.stop()
        cls.target.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def query(cls, expr):
        """The value of a one-element instant-vector result, or None."""
        body = json.loads(harness.http_get(f"{cls.base}/api/v1/query?query={urllib.parse.quote(expr)}"))
        result = body["data"]["result"]
        return result[0]["value"][1] if len(result) == 1 else None

    def open_page(self, path, ready_js, timeout=30):
        self.browser.navigate(self.base + path)
        return self.browser.wait_for(ready_js, timeout=timeout)

    def screenshot(self, name):
        path = os.path.join(self.shots, name)
        data = self.browser.screenshot(path)
        width, height, distinct = png_info(data)
        self.assertEqual(width, 1280)
        self.assertGreater(height, 200)
        self.assertGreater(len(data), 10_000, f"{name} is suspiciously small")
        self.assertGreater(distinct, 50, f"{name} is nearly blank")
        return path

    def graph_url(self, expr, **extra):
        params = {"g0.expr": expr, "g0.tab": "graph", **extra}
        return "/graph?" + urllib.parse.urlencode(params)

    def test_graph_tab_draws_each_series_with_a_legend_and_hover_values(self):
        self.browser.events.clear()
        status = self.open_page(self.graph_url("ui_demo_value", **{"g0.range_input": "1m"}),
                                STATUS_READY)
        self.assertIn("Result series: 3", status)
        legend = self.browser.evaluate("[...document.querySelectorAll('#graph .legend div')].map(d => d.textContent)")
        expected = [f'ui_demo_value{{instance="{self.target.address}", job="demo", series="{s}"}}' for s in "abc"]
        self.assertEqual(legend, expected)
        drawn = self.browser.evaluate("Object.assign({}, document.querySelector('#graph canvas').dataset)")
        self.assertEqual(drawn["series"], "3")
        self.assertGreaterEqual(int(drawn["points"]), 3 * 5)  # at least the five scrapes setUpClass waited for
        # The canvas pixels: each series' colour is present, and c (3) is drawn above b (2) above a (1),
        # evenly spaced.
        rows = self.series_pixels()
        for k, (count, _) in enumerate(rows):
            self.assertGreater(count, 100, f"series {'abc'[k]} has {count} pixels of its colour on the canvas")
        self.assertAlmostEqual((rows[1][1] - rows[2][1]) / (rows[0][1] - rows[1][1]), 1, delta=0.1)
        self.assertLess(rows[2][1], rows[1][1])
        self.assertLess(rows[1][1], rows[0][1])
        # Hovering shows the values of all three series at that time, highest first.
        box = self.browser.evaluate("(() => { const r = document.querySelector('#graph canvas').getBoundingClientRect();"
                                    " return [r.left, r.top, r.width, r.height]; })()")
        self.browser.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": box[0] + box[2] - 40, "y": box[1] + box[3] / 2})
        tip = self.browser.wait_for("(() => { const t = document.querySelector('.tooltip');"
                                    " return t.style.display === 'block' && t.innerText; })()", timeout=5)
        values = re.findall(r"^(\d+)\s+ui_demo_value", tip, re.M)
        self.assertEqual(values, ["3", "2", "1"], tip)
        # Every network request the page made went to Ember itself (data: URLs are the browser's own icons).
        urls = [e["params"]["request"]["url"] for e in self.browser.events
                if e.get("method") == "Network.requestWillBeSent" and not e["params"]["request"]["url"].startswith("data:")]
        self.assertTrue(any("/api/v1/query_range" in u for u in urls), urls)
        self.assertEqual([u for u in urls if not u.startswith(self.base + "/")], [])
        self.screenshot("graph-demo.png")

    def series_pixels(self):
        """[pixel count, mean row] of each of the first three series' colours on the chart's canvas.

        Antialiasing and gridlines blend the lines' edges, so each strongly coloured pixel counts
        for the nearest of the three series colours."""
        return self.browser.evaluate("""(() => {
            const c = document.querySelector('#graph canvas'), img = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const colours = %s, found = colours.map(() => [0, 0]);
            for (let i = 0; i < img.length; i += 4) {
              const [r, g, b, a] = [img[i], img[i + 1], img[i + 2], img[i + 3]];
              if (a < 128 || Math.max(r, g, b) - Math.min(r, g, b) < 60) continue;
              let best = 0, bestD = Infinity;
              colours.forEach((rgb, k) => { const d = Math.abs(r - rgb[0]) + Math.abs(g - rgb[1]) + Math.abs(b - rgb[2]); if (d < bestD) { bestD = d; best = k; } });
              found[best][0]++; found[best][1] += Math.floor(i / 4 / c.width);
            }
            return found.map(([n, ySum]) => [n, n ? ySum / n : -1]);
        })()""" % json.dumps(PALETTE_RGB))

    def test_stacked_mode_draws_cumulative_sums(self):
        params = {"g0.range_input": "1m", "g0.stacked": "1"}
        self.open_page(self.graph_url("ui_demo_value", **params), STATUS_READY)
        self.assertEqual(self.browser.evaluate("document.getElementById('mode').value"), "stacked")
        # Stacked, a, b and c sit at 1, 3 and 6: the gap from b to c is 1.5 times the gap from a to b.
        rows = self.series_pixels()
        self.assertAlmostEqual((rows[1][1] - rows[2][1]) / (rows[0][1] - rows[1][1]), 1.5, delta=0.1)
        # Switching to lines redraws at once, without a new query.
        self.browser.evaluate("(() => { const m = document.getElementById('mode'); m.value = 'lines';"
                              " m.dispatchEvent(new Event('change')); })()")
        rows = self.series_pixels()
        self.assertAlmostEqual((rows[1][1] - rows[2][1]) / (rows[0][1] - rows[1][1]), 1, delta=0.1)
        self.assertNotIn("g0.stacked", self.browser.evaluate("location.search"))

    def key(self, key, code, keycode):
        for kind in ("keyDown", "keyUp"):
            self.browser.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code,
                                                         "windowsVirtualKeyCode": keycode, "nativeVirtualKeyCode": keycode})

    def completions(self):
        return self.browser.wait_for("(() => { const b = document.querySelector('.complete');"
                                     " return b.style.display === 'block' && [...b.children].map(d => d.textContent); })()", timeout=10)

    def test_typing_a_query_with_completion_and_enter(self):
        self.open_page("/graph", "document.activeElement && document.activeElement.id === 'expr'")
        # A function completes with its parenthesis.
        self.browser.call("Input.insertText", {"text": "sor"})
        self.assertEqual(self.completions()[:2], ["sortfunction", "sort_by_labelfunction"])
        self.key("Tab", "Tab", 9)
        # A metric name (loaded in the background, hence the wait in completions()).
        self.browser.call("Input.insertText", {"text": "ui_dem"})
        self.assertEqual(self.completions(), ["ui_demo_valuemetric"])
        self.key("Tab", "Tab", 9)
        self.browser.call("Input.insertText", {"text": ")"})
        self.assertEqual(self.browser.evaluate("document.getElementById('expr').value"), "sort(ui_demo_value)")
        self.key("Enter", "Enter", 13)
        status = self.browser.wait_for(STATUS_READY, timeout=20)
        self.assertIn("Result series: 3", status)
        self.assertIn("g0.expr=sort%28ui_demo_value%29", self.browser.evaluate("location.search"))

    def test_table_tab_lists_each_series_with_its_value(self):
        self.open_page("/graph?" + urllib.parse.urlencode({"g0.expr": "ui_demo_value", "g0.tab": "table"}),
                       "document.querySelectorAll('#result-table tr').length > 1")
        rows = self.browser.evaluate("[...document.querySelectorAll('#result-table tr')].slice(1)"
                                     ".map(r => [...r.cells].map(c => c.textContent))")
        self.assertEqual(rows, [[f'ui_demo_value{{instance="{self.target.address}", job="demo", series="{s}"}}', v]
                                for s, v in zip("abc", "123")])
        self.assertEqual(self.browser.evaluate("document.querySelector('#graph').style.display"), "none")
        self.screenshot("graph-table.png")

    def test_table_evaluation_time_and_range_vectors(self):
        # The End input is the table's evaluation time (browser local time, minute precision).
        at = (self.bench_end - 1500) // 60 * 60
        i = BENCH_POINTS - 1 - (self.bench_end - at) // BENCH_STEP
        params = {"g0.expr": 'ui_bench_value{series="000"}', "g0.tab": "table",
                  "g0.end_input": time.strftime("%Y-%m-%dT%H:%M", time.localtime(at))}
        self.open_page("/graph?" + urllib.parse.urlencode(params), "document.querySelectorAll('#result-table td.num').length === 1")
        self.assertEqual(self.browser.evaluate("document.getElementById('end-label').firstChild.textContent"), "Evaluation time ")
        value = float(self.browser.evaluate("document.querySelector('#result-table td.num').textContent"))
        self.assertAlmostEqual(value, round(40 * math.sin(i / 40), 3), places=6)
        # A range vector lists each sample on its own line: "value @timestamp".
        params = {"g0.expr": 'ui_demo_value{series="b"}[5s]', "g0.tab": "table"}
        self.open_page("/graph?" + urllib.parse.urlencode(params), "document.querySelectorAll('#result-table td.values').length === 1")
        lines = self.browser.evaluate("document.querySelector('#result-table td.values').innerText").splitlines()
        self.assertGreaterEqual(len(lines), 3, lines)
        for line in lines:
            self.assertRegex(line, r"^2 @\d+(\.\d{1,3})?$")

    def test_dump_dom_and_screenshot_from_the_chromium_command_line(self):
        url = self.base + "/graph?" + urllib.parse.urlencode({"g0.expr": "sum(ui_demo_value)", "g0.tab": "table"})
        common = [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  f"--user-data-dir={os.path.join(self.dir, 'cli-profile')}", "--virtual-time-budget=5000"]
        dom = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True, timeout=60)
        self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
        self.assertRegex(dom.stdout, r'<td class="series">\{\}</td><td class="num">6</td>')
        shot = os.path.join(self.dir, "cli.png")
        r = subprocess.run(common + ["--window-size=1024,600", f"--screenshot={shot}", url], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        with open(shot, "rb") as f:
            width, height, distinct = png_info(f.read())
        self.assertEqual((width, height), (1024, 600))
        self.assertGreater(distinct, 50)

    def test_targets_page_shows_health_and_last_scrape(self):
        text = self.open_page("/targets", "document.querySelectorAll('details.panel').length === 2 && document.body.innerText")
        self.assertIn("demo (1/1 up)", text)
        self.assertIn("ember (1/1 up)", text)
        self.assertIn(f"http://{self.target.address}/metrics", text)
        self.assertRegex(text, r"\d+(\.\d+)?(ms|s) ago")
        self.screenshot("targets.png")

    def test_alerts_page_shows_state_labels_and_annotations(self):
        text = self.open_page("/alerts", "document.querySelectorAll('details.panel').length === 3 && document.body.innerText")
        states = self.browser.evaluate("[...document.querySelectorAll('details.panel > summary')].map(s => s.textContent)")
        self.assertTrue(states[0].startswith("FIRING DemoValueHigh (1 active)"), states)
        self.assertTrue(states[1].startswith("PENDING DemoValueRising (2 active)"), states)
        self.assertTrue(states[2].startswith("INACTIVE DemoNeverFires (0 active)"), states)
        self.assertIn("summary: Series c is at 3", text)
        self.assertIn('severity="page"', text)
        self.screenshot("alerts.png")

    def test_rules_and_status_pages(self):
        text = self.open_page("/rules", "document.querySelectorAll('.panel h3').length === 1 && document.body.innerText")
        self.assertIn("record: job:ui_demo_value:sum", text)
        self.assertIn("alert: DemoValueHigh", text)
        self.screenshot("rules.png")
        text = self.open_page("/status", "document.querySelectorAll('#tsdb-status h4').length === 3 && document.body.innerText")
        for heading in ("Build information", "Runtime information", "TSDB cardinality", "Command-line flags", "Configuration"):
            self.assertIn(heading, text)
        self.assertIn("ui_bench_value\t100", text)
        self.assertIn("job_name: demo", text)
        self.screenshot("status.png")

    def test_hundred_series_of_a_thousand_points(self):
        range_seconds = BENCH_STEP * BENCH_POINTS
        url = self.graph_url("ui_bench_value", **{"g0.range_input": f"{range_seconds}s", "g0.step_input": str(BENCH_STEP)})
        status = self.open_page(url, STATUS_READY, timeout=60)
        self.assertIn(f"Result series: {BENCH_SERIES}", status)
        self.assertEqual(self.browser.evaluate("document.querySelectorAll('#graph .legend div').length"), BENCH_SERIES)
        drawn = self.browser.evaluate("Object.assign({}, document.querySelector('#graph canvas').dataset)")
        self.assertEqual(drawn["series"], str(BENCH_SERIES))
        self.assertGreaterEqual(int(drawn["points"]), BENCH_SERIES * (BENCH_POINTS - 1))
        # Redraws: a window resize and hovering both redraw all 100,000 points.
        self.browser.evaluate("window.dispatchEvent(new Event('resize'))")
        box = self.browser.evaluate("(() => { const r = document.querySelector('#graph canvas').getBoundingClientRect();"
                                    " return [r.left, r.top, r.width, r.height]; })()")
        self.browser.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": box[0] + box[2] / 2, "y": box[1] + box[3] / 2})
        tip = self.browser.wait_for("(() => { const t = document.querySelector('.tooltip');"
                                    " return t.style.display === 'block' && t.innerText; })()", timeout=10)
        self.assertIn(f"… {BENCH_SERIES - 12} more", tip)
        draws = self.browser.evaluate("performance.getEntriesByName('ember-chart-draw').map(e => e.duration)")
        self.assertGreaterEqual(len(draws), 3)
        fetch = self.browser.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/query_range'))"
                                      ".map(e => [e.duration, e.encodedBodySize])[0]")
        self.assertIsNotNone(fetch)
        load = int(re.search(r"Load time: (\d+)ms", status).group(1))
        # Figures for docs/ui.md; reported, not asserted (timings are not test criteria).
        print(f"\nUI figure: {BENCH_SERIES} series x {int(drawn['points']) // BENCH_SERIES} points: load {load}ms = "
              f"query_range {fetch[0]:.0f}ms ({fetch[1] / 1e6:.1f} MB JSON) + parse and first draw {load - fetch[0]:.0f}ms; "
              f"draws {', '.join(f'{d:.1f}' for d in draws)}ms", file=sys.stderr)
        self.browser.evaluate("window.scrollTo(0, 0)")
        self.browser.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 5, "y": 5})
        self.screenshot("graph-100-series.png")

    def test_graph_screenshot_for_the_docs(self):
        url = self.graph_url('ui_bench_value{series=~"00[0-7]"}', **{"g0.range_input": "4h"})
        self.open_page(url, "document.getElementById('status').textContent.includes('Result series: 8')")
        self.screenshot("graph.png")


if __name__ == "__main__":
    unittest.main()
