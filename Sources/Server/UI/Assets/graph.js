// The expression page: query input with completion, table and graph tabs, time controls.
'use strict';

const PROMQL_FUNCTIONS = ['abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh',
  'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time',
  'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'deg', 'delta', 'deriv', 'double_exponential_smoothing',
  'exp', 'first_over_time', 'floor', 'histogram_quantile', 'hour', 'idelta', 'increase', 'irate', 'label_join',
  'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time',
  'minute', 'month', 'pi', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets',
  'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort', 'sort_by_label', 'sort_by_label_desc', 'sort_desc', 'sqrt',
  'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'vector', 'year'];
const PROMQL_AGGREGATIONS = ['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values',
  'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio'];

class Completer {
  constructor(textarea, wrap) {
    this.ta = textarea;
    this.box = el('div', { class: 'complete', style: 'display:none' });
    wrap.append(this.box);
    this.metricNames = [];
    this.items = [];
    this.sel = 0;
    api('/api/v1/label/__name__/values').then(r => { this.metricNames = r.data; }).catch(() => {});
    textarea.addEventListener('input', () => this.update());
    textarea.addEventListener('keydown', e => this.key(e));
    textarea.addEventListener('blur', () => setTimeout(() => this.hide(), 150));
  }

  // The identifier being typed just before the cursor.
  word() {
    const upto = this.ta.value.slice(0, this.ta.selectionStart);
    const m = /[a-zA-Z_:][a-zA-Z0-9_:]*$/.exec(upto);
    return m ? m[0] : '';
  }

  update() {
    const w = this.word();
    if (w.length < 1) return this.hide();
    const cands = [
      ...this.metricNames.filter(n => n.startsWith(w)).map(n => ({ text: n, kind: 'metric' })),
      ...PROMQL_FUNCTIONS.filter(n => n.startsWith(w)).map(n => ({ text: n, kind: 'function', suffix: '(' })),
      ...PROMQL_AGGREGATIONS.filter(n => n.startsWith(w)).map(n => ({ text: n, kind: 'aggregation', suffix: '(' })),
    ].filter(c => c.text !== w).slice(0, 50);
    this.items = cands;
    this.sel = 0;
    if (!cands.length) return this.hide();
    this.box.replaceChildren(...cands.map((c, i) => {
      const d = el('div', { class: i === 0 ? 'sel' : '' }, el('span', {}, c.text), el('small', {}, c.kind));
      d.addEventListener('mousedown', e => { e.preventDefault(); this.accept(i); });
      return d;
    }));
    this.box.style.display = 'block';
    this.box.style.top = this.ta.offsetHeight + 'px';
  }

  hide() { this.box.style.display = 'none'; this.items = []; }

  key(e) {
    if (!this.items.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      this.sel = (this.sel + (e.key === 'ArrowDown' ? 1 : this.items.length - 1)) % this.items.length;
      [...this.box.children].forEach((c, i) => c.classList.toggle('sel', i === this.sel));
    } else if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey)) {
      e.preventDefault(); e.stopImmediatePropagation();
      this.accept(this.sel);
    } else if (e.key === 'Escape') this.hide();
  }

  accept(i) {
    const c = this.items[i], w = this.word(), pos = this.ta.selectionStart;
    const insert = c.text + (c.suffix || '');
    this.ta.value = this.ta.value.slice(0, pos - w.length) + insert + this.ta.value.slice(pos);
    const np = pos - w.length + insert.length;
    this.ta.setSelectionRange(np, np);
    this.hide();
  }
}

function graphPage(root) {
  const params = new URLSearchParams(location.search);
  const state = {
    expr: params.get('g0.expr') || '',
    tab: params.get('g0.tab') === 'table' ? 'table' : 'graph',
    range: params.get('g0.range_input') || '1h',
    end: params.get('g0.end_input') || '',
    step: params.get('g0.step_input') || '',
    stacked: params.get('g0.stacked') === '1',
  };
  const ta = el('textarea', { class: 'expr', id: 'expr', placeholder: 'Expression (press Enter to execute, Shift+Enter for a new line)', spellcheck: 'false' });
  ta.value = state.expr;
  const wrap = el('div', { class: 'expr-wrap' }, ta);
  new Completer(ta, wrap);
  const exec = el('button', { class: 'primary', id: 'execute' }, 'Execute');
  const rangeIn = el('input', { id: 'range', size: 5, value: state.range, title: 'Range (e.g. 30m, 1h, 1d)' });
  const endIn = el('input', { id: 'end', type: 'datetime-local', value: state.end, title: 'End time (empty: now)' });
  const stepIn = el('input', { id: 'step', size: 6, placeholder: 'auto', value: state.step, title: 'Resolution in seconds or as a duration' });
  const mode = el('select', { id: 'mode' }, el('option', { value: 'lines' }, 'Lines'), el('option', { value: 'stacked' }, 'Stacked'));
  mode.value = state.stacked ? 'stacked' : 'lines';
  const tabs = el('div', { class: 'tabs' });
  const tabTable = el('button', { id: 'tab-table' }, 'Table');
  const tabGraph = el('button', { id: 'tab-graph' }, 'Graph');
  tabs.append(tabTable, tabGraph);
  // The end time is also the table's evaluation time; the other controls belong to the graph.
  const rangeLabel = el('label', {}, 'Range ', rangeIn), endLabel = el('label', { id: 'end-label' }, 'End ', endIn);
  const stepLabel = el('label', {}, 'Resolution ', stepIn);
  const controls = el('div', { class: 'row' }, rangeLabel, endLabel, stepLabel, mode);
  const status = el('div', { class: 'muted', id: 'status' });
  const out = el('div', { id: 'output' });
  const graphBox = el('div', { id: 'graph' });
  const chart = new Chart(graphBox);
  root.append(el('div', { class: 'panel' }, el('div', { class: 'row' }, wrap, exec), tabs, controls, status, out, graphBox));

  function setTab(t) {
    state.tab = t;
    tabTable.classList.toggle('active', t === 'table');
    tabGraph.classList.toggle('active', t === 'graph');
    for (const c of [rangeLabel, stepLabel, mode]) c.style.display = t === 'graph' ? '' : 'none';
    endLabel.firstChild.textContent = t === 'graph' ? 'End ' : 'Evaluation time ';
    graphBox.style.display = t === 'graph' ? 'block' : 'none';
  }

  function endSeconds() { return endIn.value ? new Date(endIn.value).getTime() / 1000 : Date.now() / 1000; }

  function saveURL() {
    const p = new URLSearchParams({ 'g0.expr': ta.value, 'g0.tab': state.tab, 'g0.range_input': rangeIn.value });
    if (endIn.value) p.set('g0.end_input', endIn.value);
    if (stepIn.value) p.set('g0.step_input', stepIn.value);
    if (mode.value === 'stacked') p.set('g0.stacked', '1');
    history.replaceState(null, '', '/graph?' + p.toString());
  }

  async function run() {
    const expr = ta.value.trim();
    out.replaceChildren(); status.textContent = '';
    if (!expr) return;
    saveURL();
    const t0 = performance.now();
    try {
      if (state.tab === 'table') {
        const r = await api('/api/v1/query', { query: expr, time: endSeconds() }, 'POST');
        renderTable(out, r.data);
        renderWarnings(out, r);
        status.textContent = `Load time: ${Math.round(performance.now() - t0)}ms   Result series: ${resultCount(r.data)}`;
      } else {
        const range = parseDuration(rangeIn.value) || 3600;
        const end = endSeconds(), start = end - range;
        let step = stepIn.value ? (Number(stepIn.value) || parseDuration(stepIn.value)) : 0;
        if (!step) step = Math.max(Math.round(range / 250), 1);
        const r = await api('/api/v1/query_range', { query: expr, start, end, step }, 'POST');
        if (r.data.resultType !== 'matrix') throw new Error(`expected a range vector result, got ${r.data.resultType}`);
        chart.stacked = mode.value === 'stacked';
        chart.setData(r.data.result, start, end, step);
        renderWarnings(out, r);
        status.textContent = `Load time: ${Math.round(performance.now() - t0)}ms (drawing ${Math.round(chart.lastDrawMs)}ms)   ` +
          `Resolution: ${step}s   Result series: ${r.data.result.length}`;
      }
    } catch (e) {
      out.replaceChildren(errorBox(e.message));
      if (state.tab === 'graph') chart.setData([], 0, 1, 1);
    }
  }

  ta.addEventListener('keydown', e => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); run(); } });
  exec.addEventListener('click', run);
  tabTable.addEventListener('click', () => { setTab('table'); run(); });
  tabGraph.addEventListener('click', () => { setTab('graph'); run(); });
  mode.addEventListener('change', () => { chart.setStacked(mode.value === 'stacked'); saveURL(); });
  for (const i of [rangeIn, endIn, stepIn]) i.addEventListener('change', run);
  setTab(state.tab);
  if (state.expr) run();
  ta.focus();
}

function resultCount(data) { return Array.isArray(data.result) ? data.result.length : 1; }

function renderWarnings(out, r) {
  for (const w of r.warnings || []) out.append(el('div', { class: 'warning' }, 'Warning: ' + w));
  for (const w of r.infos || []) out.append(el('div', { class: 'muted' }, 'Info: ' + w));
}

function renderTable(out, data) {
  const t = el('table', { class: 'data', id: 'result-table' });
  const head = el('tr', {}, el('th', {}, 'Series'), el('th', {}, 'Value'));
  t.append(head);
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    t.append(el('tr', {}, el('td', { class: 'series' }, data.resultType), el('td', { class: 'num' }, String(data.result[1]))));
  } else if (data.resultType === 'vector') {
    if (!data.result.length) t.append(el('tr', {}, el('td', { colspan: 2, class: 'muted' }, 'Empty query result')));
    for (const s of data.result) t.append(el('tr', {}, el('td', { class: 'series' }, seriesString(s.metric)), el('td', { class: 'num' }, s.value[1])));
  } else if (data.resultType === 'matrix') {
    for (const s of data.result) {
      t.append(el('tr', {}, el('td', { class: 'series' }, seriesString(s.metric)),
        el('td', { class: 'num values' }, s.values.map(v => `${v[1]} @${v[0]}`).join('\n'))));
    }
  }
  out.append(t);
}
