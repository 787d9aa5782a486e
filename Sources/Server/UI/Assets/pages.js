// The targets, alerts, rules, silences and status pages.
'use strict';

async function targetsPage(root) {
  const r = await api('/api/v1/targets', { state: 'active' });
  const pools = {};
  for (const t of r.data.activeTargets) (pools[t.scrapePool] ||= []).push(t);
  root.append(el('h2', {}, 'Targets'));
  if (!Object.keys(pools).length) root.append(el('div', { class: 'panel muted' }, 'No targets.'));
  for (const name of Object.keys(pools).sort()) {
    const ts = pools[name];
    const up = ts.filter(t => t.health === 'up').length;
    const table = el('table', { class: 'data' }, el('tr', {}, ['Endpoint', 'State', 'Labels', 'Last scrape', 'Scrape duration', 'Error'].map(h => el('th', {}, h))));
    for (const t of ts) {
      table.append(el('tr', {},
        el('td', {}, el('a', { href: t.scrapeUrl }, t.scrapeUrl)),
        el('td', {}, el('span', { class: 'badge ' + t.health }, t.health.toUpperCase())),
        el('td', {}, labelChips(t.labels)),
        el('td', {}, ago(t.lastScrape)),
        el('td', {}, t.lastScrapeDuration ? formatDurationSeconds(t.lastScrapeDuration) : ''),
        el('td', { class: t.lastError ? 'error' : '' }, t.lastError || '')));
    }
    root.append(el('details', { class: 'panel', open: '' }, el('summary', {}, `${name} (${up}/${ts.length} up)`), table));
  }
}

async function alertsPage(root) {
  const r = await api('/api/v1/rules', { type: 'alert' });
  root.append(el('h2', {}, 'Alerts'));
  const rules = r.data.groups.flatMap(g => g.rules.map(rule => ({ ...rule, group: g.name, file: g.file })));
  if (!rules.length) root.append(el('div', { class: 'panel muted' }, 'No alerting rules.'));
  const order = { firing: 0, pending: 1, inactive: 2 };
  rules.sort((a, b) => (order[a.state] - order[b.state]) || a.name.localeCompare(b.name));
  for (const rule of rules) {
    const alerts = rule.alerts || [];
    const table = el('table', { class: 'data' }, el('tr', {}, ['Labels', 'State', 'Active since', 'Value', 'Annotations'].map(h => el('th', {}, h))));
    for (const a of alerts) {
      table.append(el('tr', {}, el('td', {}, labelChips(a.labels)),
        el('td', {}, el('span', { class: 'badge ' + a.state }, a.state.toUpperCase())),
        el('td', {}, a.activeAt ? formatTime(Date.parse(a.activeAt)) : ''),
        el('td', { class: 'num' }, a.value),
        el('td', {}, Object.entries(a.annotations || {}).map(([k, v]) => el('div', {}, el('b', {}, k + ': '), v)))));
    }
    root.append(el('details', { class: 'panel', open: rule.state !== 'inactive' ? '' : null },
      el('summary', {}, el('span', { class: 'badge ' + rule.state }, rule.state.toUpperCase()), ` ${rule.name} (${alerts.length} active) `,
        el('span', { class: 'muted' }, `${rule.file} > ${rule.group}`)),
      el('pre', { class: 'config' }, ruleYAML(rule)), alerts.length ? table : null));
  }
}

function ruleYAML(rule) {
  let s = rule.type === 'alerting' ? `alert: ${rule.name}\n` : `record: ${rule.name}\n`;
  s += `expr: ${rule.query}\n`;
  if (rule.duration) s += `for: ${formatDurationSeconds(rule.duration)}\n`;
  if (rule.keepFiringFor) s += `keep_firing_for: ${formatDurationSeconds(rule.keepFiringFor)}\n`;
  for (const key of ['labels', 'annotations']) {
    const m = rule[key] || {};
    if (Object.keys(m).length) s += `${key}:\n` + Object.keys(m).sort().map(k => `  ${k}: ${m[k]}\n`).join('');
  }
  return s;
}

async function rulesPage(root) {
  const r = await api('/api/v1/rules');
  root.append(el('h2', {}, 'Rules'));
  if (!r.data.groups.length) root.append(el('div', { class: 'panel muted' }, 'No rule groups.'));
  for (const g of r.data.groups) {
    const table = el('table', { class: 'data' }, el('tr', {}, ['Rule', 'State', 'Error', 'Last evaluation', 'Evaluation time'].map(h => el('th', {}, h))));
    for (const rule of g.rules) {
      table.append(el('tr', {}, el('td', {}, el('pre', { class: 'config' }, ruleYAML(rule))),
        el('td', {}, el('span', { class: 'badge ' + (rule.health === 'ok' ? 'ok' : rule.health === 'err' ? 'err' : 'unknown') }, rule.health)),
        el('td', { class: rule.lastError ? 'error' : '' }, rule.lastError || ''),
        el('td', {}, rule.lastEvaluation ? ago(rule.lastEvaluation) : ''),
        el('td', {}, rule.evaluationTime !== undefined ? formatDurationSeconds(rule.evaluationTime) : '')));
    }
    root.append(el('div', { class: 'panel' }, el('h3', {}, `${g.name}`), el('div', { class: 'muted' }, `${g.file} · every ${g.interval}s`), table));
  }
}

async function silencesPage(root) {
  root.append(el('h2', {}, 'Silences'));
  const resp = await fetch('/api/v2/silences');
  if (resp.status === 404) { root.append(el('div', { class: 'panel muted' }, 'The notifier is not enabled on this server.')); return; }
  const list = await resp.json();
  const form = silenceForm(() => { root.replaceChildren(); silencesPage(root); });
  root.append(form);
  const table = el('table', { class: 'data', id: 'silences' }, el('tr', {}, ['Matchers', 'State', 'Starts', 'Ends', 'Created by', 'Comment', ''].map(h => el('th', {}, h))));
  for (const s of list.sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt))) {
    const expire = el('button', {}, 'Expire');
    expire.addEventListener('click', async () => {
      await fetch('/api/v2/silence/' + encodeURIComponent(s.id), { method: 'DELETE' });
      root.replaceChildren(); silencesPage(root);
    });
    table.append(el('tr', {}, el('td', { class: 'series' }, s.matchers.map(matcherString).join(', ')),
      el('td', {}, el('span', { class: 'badge ' + (s.status.state === 'active' ? 'firing' : s.status.state === 'pending' ? 'pending' : 'ok') }, s.status.state)),
      el('td', {}, formatTime(Date.parse(s.startsAt))), el('td', {}, formatTime(Date.parse(s.endsAt))),
      el('td', {}, s.createdBy), el('td', {}, s.comment), el('td', {}, s.status.state !== 'expired' ? expire : null)));
  }
  root.append(el('div', { class: 'panel' }, table));
}

function matcherString(m) {
  const op = m.isRegex ? (m.isEqual === false ? '!~' : '=~') : (m.isEqual === false ? '!=' : '=');
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

// Parses `a="b", c=~"d.*"` into Alertmanager v2 matchers.
function parseMatchers(text) {
  const out = [], re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?/y;
  let m; re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    out.push({ name: m[1], value: JSON.parse('"' + m[3] + '"'), isRegex: m[2].includes('~'), isEqual: !m[2].startsWith('!') });
  }
  if (re.lastIndex < text.trim().length || !out.length) throw new Error('matchers must look like: alertname="X", instance=~"web-.*"');
  return out;
}

function silenceForm(done) {
  const matchers = el('input', { id: 'silence-matchers', size: 50, placeholder: 'alertname="InstanceDown", instance=~"web-.*"' });
  const duration = el('input', { id: 'silence-duration', size: 6, value: '2h' });
  const creator = el('input', { id: 'silence-creator', size: 14, placeholder: 'your name' });
  const comment = el('input', { id: 'silence-comment', size: 30, placeholder: 'why' });
  const msg = el('div');
  const create = el('button', { class: 'primary', id: 'silence-create' }, 'Create silence');
  create.addEventListener('click', async () => {
    try {
      const secs = parseDuration(duration.value);
      if (!secs) throw new Error('duration must look like 30m, 2h or 1d');
      const body = { matchers: parseMatchers(matchers.value), startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + secs * 1000).toISOString(), createdBy: creator.value || 'ember-ui', comment: comment.value || ' ' };
      const resp = await fetch('/api/v2/silences', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (!resp.ok) throw new Error(await resp.text());
      done();
    } catch (e) { msg.replaceChildren(errorBox(e.message)); }
  });
  return el('div', { class: 'panel' }, el('div', { class: 'row' }, el('label', {}, 'Matchers ', matchers), el('label', {}, 'Duration ', duration),
    el('label', {}, 'Creator ', creator), el('label', {}, 'Comment ', comment), create), msg);
}

async function statusPage(root) {
  root.append(el('h2', {}, 'Status'));
  const [build, runtime, flags, config] = await Promise.all(['buildinfo', 'runtimeinfo', 'flags', 'config']
    .map(p => api('/api/v1/status/' + p).catch(e => ({ error: e.message }))));
  const kv = obj => el('table', { class: 'data' }, Object.keys(obj || {}).sort().map(k => el('tr', {}, el('th', {}, k), el('td', {}, String(obj[k])))));
  root.append(el('div', { class: 'panel' }, el('h3', {}, 'Build information'), kv(build.data)));
  root.append(el('div', { class: 'panel' }, el('h3', {}, 'Runtime information'), kv(runtime.data)));
  const tsdbBox = el('div', { class: 'panel', id: 'tsdb-status' }, el('h3', {}, 'TSDB cardinality'));
  root.append(tsdbBox);
  api('/api/v1/status/tsdb').then(r => {
    const d = r.data;
    if (d.headStats) tsdbBox.append(kv(d.headStats));
    for (const [key, title] of [['seriesCountByMetricName', 'Top metrics by series'], ['labelValueCountByLabelName', 'Top label names by value count'],
      ['seriesCountByLabelValuePair', 'Top label pairs by series']]) {
      const rows = d[key] || [];
      tsdbBox.append(el('h4', {}, title), el('table', { class: 'data' }, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Count')),
        rows.map(x => el('tr', {}, el('td', { class: 'series' }, x.name), el('td', { class: 'num' }, String(x.value))))));
    }
  }).catch(e => tsdbBox.append(el('div', { class: 'muted' }, e.message)));
  root.append(el('div', { class: 'panel', id: 'flags' }, el('h3', {}, 'Command-line flags'), kv(flags.data)));
  root.append(el('div', { class: 'panel', id: 'config' }, el('h3', {}, 'Configuration'), el('pre', { class: 'config' }, config.data ? config.data.yaml : config.error)));
}
