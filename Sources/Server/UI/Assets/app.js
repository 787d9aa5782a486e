// Routes the single page to the page the path names.
'use strict';

const PAGES = { graph: graphPage, targets: targetsPage, alerts: alertsPage, rules: rulesPage, silences: silencesPage, status: statusPage,
  flags: statusPage, config: statusPage, 'tsdb-status': statusPage };

(function start() {
  let name = location.pathname.replace(/^\/+|\/+$/g, '') || 'graph';
  if (!PAGES[name]) name = 'graph';
  for (const a of document.querySelectorAll('nav.top a[data-page]')) a.classList.toggle('active', a.dataset.page === name);
  const root = document.getElementById('page');
  Promise.resolve(PAGES[name](root)).catch(e => root.append(errorBox(e.message)));
})();
