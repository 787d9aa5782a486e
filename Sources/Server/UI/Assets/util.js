// Small helpers shared by the pages: DOM building, API calls, formatting.
'use strict';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

async function api(path, params, method) {
  const body = params ? new URLSearchParams(params) : null;
  const url = method === 'POST' || !body ? path : path + '?' + body.toString();
  const opts = method === 'POST' ? { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } : {};
  const resp = await fetch(url, opts);
  let json;
  try { json = await resp.json(); } catch (e) { throw new Error(`${resp.status} ${resp.statusText} from ${path}`); }
  if (json.status === 'error') throw new Error(`${json.errorType}: ${json.error}`);
  return json;
}

function metricName(m) { return m.__name__ || ''; }

function seriesString(m) {
  const name = metricName(m);
  const pairs = Object.keys(m).filter(k => k !== '__name__').sort().map(k => `${k}=${JSON.stringify(m[k])}`);
  return name + '{' + pairs.join(', ') + '}';
}

function labelChips(labels) {
  return el('span', { class: 'labels' }, Object.keys(labels || {}).sort().map(k => el('span', {}, `${k}="${labels[k]}"`)));
}

// Formats a number the way Prometheus's UI axis does: SI prefixes for large and small values.
function formatValue(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const a = Math.abs(v);
  if (a === 0) return '0';
  const units = [[1e18, 'E'], [1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [f, u] of units) if (a >= f) return +(v / f).toPrecision(4) + u;
  if (a < 1e-3) return v.toExponential(2);
  return String(+v.toPrecision(4));
}

function formatTime(ms) {
  const d = new Date(ms);
  const p = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function formatDurationSeconds(s) {
  if (s < 1) return (s * 1000).toFixed(1) + 'ms';
  if (s < 60) return s.toFixed(2) + 's';
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

function ago(iso) {
  const t = Date.parse(iso);
  if (!t || t < 0) return 'never';
  return formatDurationSeconds(Math.max(0, (Date.now() - t) / 1000)) + ' ago';
}

// Parses "1h", "30m", "2d", "90s" into seconds.
function parseDuration(s) {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(s.trim());
  if (!m) return null;
  const mult = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }[m[2]];
  return Number(m[1]) * mult;
}

function errorBox(msg) { return el('div', { class: 'error' }, msg); }
