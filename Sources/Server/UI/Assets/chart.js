// A canvas line/stacked chart for range-query results, with a legend and hover values.
// Canvas rather than SVG: 100 series x 1,000 points stays fast.
'use strict';

const PALETTE = ['#c2410c', '#2563eb', '#16a34a', '#9333ea', '#db2777', '#0891b2', '#ca8a04', '#4f46e5',
  '#dc2626', '#059669', '#7c3aed', '#ea580c', '#0284c7', '#65a30d', '#be185d', '#475569'];

class Chart {
  constructor(container) {
    this.box = el('div', { class: 'chart-box' });
    this.canvas = el('canvas', { class: 'chart' });
    this.tooltip = el('div', { class: 'tooltip' });
    this.legend = el('div', { class: 'legend' });
    this.box.append(this.canvas, this.tooltip);
    container.append(this.box, this.legend);
    this.series = [];
    this.stacked = false;
    this.canvas.addEventListener('mousemove', e => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => { this.tooltip.style.display = 'none'; this.draw(); });
    window.addEventListener('resize', () => this.draw());
  }

  // result: Prometheus matrix [{metric, values:[[t,"v"],...]}]; start/end seconds; step seconds.
  setData(result, start, end, step) {
    this.start = start * 1000; this.end = end * 1000; this.step = step * 1000;
    this.series = result.map((s, i) => ({
      metric: s.metric, color: PALETTE[i % PALETTE.length], visible: true,
      t: Float64Array.from(s.values, p => p[0] * 1000),
      v: Float64Array.from(s.values, p => parseFloat(p[1])),
    }));
    this.renderLegend();
    this.draw();
  }

  setStacked(on) { this.stacked = on; this.draw(); }

  renderLegend() {
    this.legend.replaceChildren(...this.series.map(s => {
      const row = el('div', {}, el('span', { class: 'swatch', style: `background:${s.color}` }), seriesString(s.metric));
      row.addEventListener('click', () => { s.visible = !s.visible; row.classList.toggle('off', !s.visible); this.draw(); });
      return row;
    }));
  }

  // Values to plot: raw, or cumulative sums per step index in stacked mode.
  plotted() {
    const vis = this.series.filter(s => s.visible);
    if (!this.stacked) return vis.map(s => ({ s, t: s.t, y: s.v }));
    const n = Math.round((this.end - this.start) / this.step) + 1;
    const acc = new Float64Array(n);
    return vis.map(s => {
      const y = new Float64Array(s.t.length);
      for (let i = 0; i < s.t.length; i++) {
        const k = Math.round((s.t[i] - this.start) / this.step);
        const v = Number.isFinite(s.v[i]) ? s.v[i] : 0;
        if (k >= 0 && k < n) { acc[k] += v; y[i] = acc[k]; } else y[i] = v;
      }
      return { s, t: s.t, y };
    });
  }

  layout() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    if (this.canvas.width !== w * dpr || this.canvas.height !== h * dpr) { this.canvas.width = w * dpr; this.canvas.height = h * dpr; }
    return { dpr, w, h, left: 64, right: 12, top: 10, bottom: 28 };
  }

  // Draws the chart and records what it drew on the canvas (data-series, data-points, data-draw-ms)
  // and as a 'ember-chart-draw' performance measure, so tests and users can check both.
  draw(hoverX) {
    if (this.start === undefined) return;
    const t0 = performance.now();
    const L = this.layout();
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(L.dpr, 0, 0, L.dpr, 0, 0);
    ctx.clearRect(0, 0, L.w, L.h);
    const lines = this.plotted();
    let lo = Infinity, hi = -Infinity;
    for (const l of lines) for (const y of l.y) if (Number.isFinite(y)) { if (y < lo) lo = y; if (y > hi) hi = y; }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    if (this.stacked && lo > 0) lo = 0;
    if (lo === hi) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.05; lo -= this.stacked && lo === 0 ? 0 : pad; hi += pad;
    const pw = L.w - L.left - L.right, ph = L.h - L.top - L.bottom;
    const x = t => L.left + (t - this.start) / (this.end - this.start || 1) * pw;
    const y = v => L.top + (1 - (v - lo) / (hi - lo)) * ph;
    this.scale = { x, lo, hi, L, pw };
    this.drawAxes(ctx, L, lo, hi, x, y);
    ctx.lineWidth = 1.5;
    let points = 0;
    for (const l of lines) {
      ctx.strokeStyle = l.s.color;
      ctx.beginPath();
      let pen = false, prevT = -Infinity;
      for (let i = 0; i < l.t.length; i++) {
        const v = l.y[i];
        // A gap longer than 1.5 steps (or a non-finite value) breaks the line, as in Prometheus's UI.
        if (!Number.isFinite(v) || l.t[i] - prevT > this.step * 1.5) pen = false;
        prevT = l.t[i];
        if (!Number.isFinite(v)) continue;
        const px = x(l.t[i]), py = y(v);
        if (pen) ctx.lineTo(px, py); else { ctx.moveTo(px, py); pen = true; }
        points++;
      }
      ctx.stroke();
    }
    if (hoverX !== undefined) {
      ctx.strokeStyle = 'rgba(0,0,0,.35)'; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(hoverX, L.top); ctx.lineTo(hoverX, L.top + ph); ctx.stroke();
    }
    this.lastDrawMs = performance.now() - t0;
    performance.measure('ember-chart-draw', { start: t0 });
    Object.assign(this.canvas.dataset, { series: String(lines.length), points: String(points), drawMs: this.lastDrawMs.toFixed(1) });
  }

  drawAxes(ctx, L, lo, hi, x, y) {
    ctx.fillStyle = '#6b7280'; ctx.strokeStyle = '#eef0f4'; ctx.font = '11px system-ui, sans-serif'; ctx.lineWidth = 1;
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (const v of niceTicks(lo, hi, 6)) {
      const py = Math.round(y(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(L.left, py); ctx.lineTo(L.w - L.right, py); ctx.stroke();
      ctx.fillText(formatValue(v), L.left - 6, py);
    }
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    const span = this.end - this.start, step = timeTickStep(span / Math.max(2, Math.floor((L.w - L.left) / 120)));
    // Ticks fall on round local times (the offset matters once steps reach an hour).
    const offset = new Date(this.start).getTimezoneOffset() * 60e3;
    for (let t = Math.ceil((this.start - offset) / step) * step + offset; t <= this.end; t += step) {
      const px = Math.round(x(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(px, L.top); ctx.lineTo(px, L.h - L.bottom); ctx.stroke();
      const d = new Date(t), p = n => String(n).padStart(2, '0');
      let label = `${p(d.getHours())}:${p(d.getMinutes())}` + (step < 60e3 ? `:${p(d.getSeconds())}` : '');
      if (span > 2 * 86400e3) label = `${p(d.getMonth() + 1)}-${p(d.getDate())} ${label}`;
      const half = ctx.measureText(label).width / 2;
      if (px - half >= 0 && px + half <= L.w) ctx.fillText(label, px, L.h - L.bottom + 6);
    }
  }

  hover(e) {
    if (!this.scale) return;
    const rect = this.canvas.getBoundingClientRect();
    const mx = e.clientX - rect.left;
    const { L, pw } = this.scale;
    if (mx < L.left || mx > L.left + pw) { this.tooltip.style.display = 'none'; return; }
    const t = this.start + (mx - L.left) / pw * (this.end - this.start);
    const snapped = this.start + Math.round((t - this.start) / this.step) * this.step;
    const rows = [];
    for (const s of this.series) {
      if (!s.visible) continue;
      const i = nearestIndex(s.t, snapped);
      if (i >= 0 && Math.abs(s.t[i] - snapped) <= this.step / 2) rows.push({ s, v: s.v[i] });
    }
    rows.sort((a, b) => b.v - a.v);
    this.tooltip.replaceChildren(el('div', {}, formatTime(snapped)),
      ...rows.slice(0, 12).map(r => el('div', {}, el('span', { class: 'swatch', style: `background:${r.s.color}` }),
        `${formatValue(r.v)}  ${seriesString(r.s.metric)}`)),
      ...(rows.length > 12 ? [el('div', {}, `… ${rows.length - 12} more`)] : []));
    this.tooltip.style.display = rows.length ? 'block' : 'none';
    const left = mx + 16 + 360 > rect.width ? Math.max(0, mx - 376) : mx + 16;
    this.tooltip.style.left = left + 'px';
    this.tooltip.style.top = '8px';
    this.draw(this.scale.x(snapped));
  }
}

function nearestIndex(ts, t) {
  let lo = 0, hi = ts.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (ts[mid] < t) lo = mid + 1; else hi = mid; }
  if (lo > 0 && Math.abs(ts[lo - 1] - t) < Math.abs(ts[lo] - t)) return lo - 1;
  return lo;
}

// About `count` round values (1, 2 or 5 times a power of ten apart) within [lo, hi].
function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return [lo];
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * magnitude).find(s => s >= raw * 0.7);
  const ticks = [];
  for (let k = Math.ceil(lo / step); k * step <= hi && ticks.length <= 2 * count; k++) ticks.push(k * step);
  return ticks;
}

// The smallest round time step (milliseconds) of at least `minimum`.
const TIME_STEPS = [1, 2, 5, 10, 15, 30].map(s => s * 1e3).concat([1, 2, 5, 10, 15, 30].map(m => m * 60e3),
  [1, 2, 3, 6, 12].map(h => h * 3600e3), [1, 2, 7, 14, 30, 90, 180, 365].map(d => d * 86400e3));
function timeTickStep(minimum) {
  return TIME_STEPS.find(s => s >= minimum) || Math.ceil(minimum / (365 * 86400e3)) * 365 * 86400e3;
}
