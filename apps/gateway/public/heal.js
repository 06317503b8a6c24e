// The heal view: plain ES module, no build step. Reads /console/heal/state every 2 s (the gateway proxies it to
// the heal view's backend, which reads the supervisor, every service's /metrics and Prometheus); every change
// (faults, processes, traffic, scenarios) carries the admin token typed above. The panels (titles, units,
// states, metrics) come with the state from the catalogue the Grafana dashboards are generated from
// (infra/grafana, @rebound/grafana): the page lays them out, it does not define them.
const $ = (selector) => document.querySelector(selector);
const FAULTS = {
  errors: { errorRate: 1, errorCode: 'UNAVAILABLE' },
  slow: { latencyMs: 1500 },
  hang: { hang: true },
  leak: { leakMbPerSecond: 16 },
  cpu: { cpuBurnPercent: 80 },
};
let state;

function el(tag, content, className) {
  const element = document.createElement(tag);
  if (content !== undefined) element.textContent = content;
  if (className) element.className = className;
  return element;
}

function showError(message) {
  $('#heal-error').textContent = message ?? '';
}

async function call(method, path, body) {
  const headers = { authorization: `Bearer ${$('#admin-token').value}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/console/heal${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) showError(`${method} ${path}: ${response.status} ${answer.error ?? ''}`);
  else showError('');
  return response.ok;
}

/** A sparkline of `values` (undefined gaps skipped) scaled to [min, max]. */
function sparkline(values, className, min, max) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 150 30');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  if (className) line.setAttribute('class', className);
  const top = max ?? Math.max(1, ...values.filter((v) => v !== undefined));
  const points = values
    .map((value, i) =>
      value === undefined
        ? undefined
        : `${i},${(30 - ((value - min) / (top - min || 1)) * 28 - 1).toFixed(1)}`,
    )
    .filter(Boolean);
  line.setAttribute('points', points.join(' '));
  svg.append(line);
  return svg;
}

/** A catalogue unit (Grafana's unit ids) as the page shows it. */
function format(value, unit) {
  if (value === undefined || value === null) return '–';
  if (unit === 'percentunit') return `${(value * 100).toFixed(1)} %`;
  if (unit === 's') return `${Math.round(value * 1000)} ms`;
  if (unit === 'reqps') return `${value.toFixed(1)}/s`;
  return String(Math.round(value * 100) / 100);
}

/** A value of a panel: a pill for a state gauge (breaker, ready), else the number in the panel's unit. */
function cell(panel, value) {
  const td = el('td');
  td.dataset.panel = panel.id;
  if (panel.states && value !== undefined && value !== null) {
    const name = panel.states[value] ?? String(value);
    td.append(el('span', name, `pill ${name.replaceAll(' ', '-')}`));
  } else td.textContent = format(value, panel.unit);
  return td;
}

/** A table head: the fixed columns, then one per panel of the catalogue with its title and metrics. */
function head(table, fixed, panels, after = []) {
  const row = el('tr');
  for (const title of fixed) row.append(el('th', title));
  for (const panel of panels) {
    const th = el('th', panel.title);
    th.title = `${panel.description} (${panel.metrics.join(', ')})`;
    row.append(th);
  }
  for (const title of after) row.append(el('th', title));
  $(`${table} thead`).replaceChildren(row);
}

const inSection = (section) => state.panels.filter((panel) => panel.section === section);

function renderTraffic(traffic) {
  const last = traffic.lastSecond;
  $('#traffic-line').textContent = traffic.running
    ? `running at ${traffic.rate}/s${traffic.abuser ? ', abusive client on' : ''}${traffic.badBodies ? ', bad bodies on' : ''}` +
      (last
        ? ` — last second ok ${last.ok}, shed ${last.shed}, throttled ${last.throttled}, failed ${last.failed}`
        : '')
    : 'stopped';
}

function renderScenario(scenarios, run) {
  const select = $('#scenario-name');
  if (select.options.length === 0) {
    for (const scenario of scenarios)
      select.append(new Option(`${scenario.name} (${scenario.mechanism})`, scenario.name));
    select.dispatchEvent(new Event('change'));
  }
  const timeline = $('#scenario-timeline');
  timeline.replaceChildren();
  const verdict = $('#scenario-verdict');
  verdict.className = '';
  verdict.textContent = '';
  if (!run) return;
  for (const entry of run.timeline) {
    timeline.append(el('li', `${(entry.atMs / 1000).toFixed(1)} s  ${entry.phase}  ${entry.detail}`));
  }
  if (run.report) {
    verdict.textContent = `${run.name}: ${run.report.verdict}`;
    verdict.className = `verdict-${run.report.verdict}`;
  } else if (run.running) {
    verdict.textContent = `${run.name}: running…`;
  }
}

/** `rebound.payments.v1.PaymentsService/Charge` → `payments`: the peer a link fault (partition) names. */
const peerOf = (target) => target.split('.')[1] ?? target;

function renderServices(services, processes, dependencies) {
  const panels = inSection('services');
  head('#services', ['Service'], panels, ['Faults']);
  const tbody = $('#services tbody');
  tbody.replaceChildren();
  for (const view of services) {
    const latest = view.latest?.values ?? {};
    const row = el('tr');
    row.dataset.service = view.service;
    const name = el('td', view.service);
    for (const flag of view.flagsOn ?? []) {
      const badge = el('span', `degraded: ${flag}`, 'flag warn');
      badge.title = `degradation flag ${flag} is on (/admin/degradation)`;
      name.append(' ', badge);
    }
    row.append(name);
    for (const panel of panels) {
      const td = cell(panel, latest[panel.id]);
      td.append(
        sparkline(
          view.history.map((p) => p.values[panel.id] ?? undefined),
          panel.unit === 's' ? 'p99' : '',
          0,
          panel.unit === 'percentunit' ? 1 : undefined,
        ),
      );
      row.append(td);
    }
    const faults = el('td');
    const replicas = processes.filter((p) => p.process === view.service).map((p) => p.name);
    for (const [name, settings] of Object.entries(FAULTS)) {
      const button = el('button', name);
      button.type = 'button';
      button.setAttribute('aria-label', `${name} fault on ${view.service}`);
      button.addEventListener('click', () =>
        Promise.all(replicas.map((r) => call('POST', `/faults/${r}`, settings))).then(refresh),
      );
      faults.append(button);
    }
    // A partition from this service to one peer it calls: its calls there are dropped until their deadline
    // (the caller's link fault, `links` of /admin/faults); 'off' heals it with the rest.
    const peers = new Set(
      dependencies.filter((d) => d.service === view.service).map((d) => peerOf(d.target)),
    );
    for (const peer of [...peers].sort()) {
      const button = el('button', `cut ${peer}`);
      button.type = 'button';
      button.title = `partition ${view.service} from ${peer}: its calls to ${peer} hang until their deadline`;
      button.setAttribute('aria-label', `partition ${view.service} from ${peer}`);
      const links = [{ target: peer, mode: 'blackhole' }];
      button.addEventListener('click', () =>
        Promise.all(replicas.map((r) => call('POST', `/faults/${r}`, { links }))).then(refresh),
      );
      faults.append(button);
    }
    const off = el('button', 'off');
    off.type = 'button';
    off.setAttribute('aria-label', `faults off on ${view.service}`);
    off.addEventListener('click', () =>
      Promise.all(replicas.map((r) => call('DELETE', `/faults/${r}`))).then(refresh),
    );
    faults.append(off);
    row.append(faults);
    tbody.append(row);
  }
}

function renderDependencies(dependencies, edge) {
  const panels = inSection('dependencies');
  head('#dependencies', ['Caller', 'Dependency'], panels);
  const tbody = $('#dependencies tbody');
  tbody.replaceChildren();
  for (const d of dependencies) {
    const row = el('tr');
    row.dataset.target = `${d.service} ${d.target}`;
    row.append(el('td', d.service), el('td', d.target));
    for (const panel of panels) row.append(cell(panel, d.values[panel.id]));
    tbody.append(row);
  }
  const line = $('#edge-line');
  const edgePanels = inSection('edge');
  line.textContent = `gateway: ${edgePanels.map((p) => `${p.title.toLowerCase()} ${format(edge[p.id], p.unit)}`).join(', ')}`;
  for (const panel of edgePanels) line.dataset[panel.id] = String(edge[panel.id] ?? 0);
}

function renderAlerts(alerts) {
  $('#alerts-title').textContent = inSection('alerts')[0]?.title ?? 'Alerts';
  $('#alerts-note').textContent = alerts.checked
    ? `${alerts.firing.length} firing (Prometheus)`
    : 'Prometheus not running: no alerts';
  const firing = $('#alerts-firing');
  firing.replaceChildren();
  for (const alert of alerts.firing)
    firing.append(
      el('li', `${alert.name} ${alert.labels.instance ?? alert.labels.service ?? ''}`, 'pill bad'),
    );
  const log = $('#alerts-log');
  log.replaceChildren();
  for (const change of [...alerts.changes].reverse().slice(0, 12)) {
    log.append(
      el(
        'li',
        `${(change.atMs / 1000).toFixed(0)} s  ${change.change}  ${change.name} ${change.labels.instance ?? change.labels.service ?? ''}`,
      ),
    );
  }
}

function renderProcesses(processes) {
  const panels = inSection('processes');
  head('#processes', ['Process', 'State'], panels, ['Actions']);
  const tbody = $('#processes tbody');
  tbody.replaceChildren();
  for (const p of processes) {
    const row = el('tr');
    row.append(el('td', p.name), el('td', p.state));
    for (const panel of panels) row.append(cell(panel, p.values[panel.id]));
    const actions = el('td');
    for (const action of ['kill', 'freeze', 'thaw']) {
      const button = el('button', action);
      button.type = 'button';
      button.setAttribute('aria-label', `${action} ${p.name}`);
      button.addEventListener('click', () => call('POST', `/processes/${p.name}/${action}`).then(refresh));
      actions.append(button);
    }
    row.append(actions);
    tbody.append(row);
  }
}

// BEGIN remediation/rollout panel: the supervisor's rollouts and the remediation controller's audit log, as
// the heal view's backend passes them on (never computed here).
function plainHead(table, titles) {
  const row = el('tr');
  for (const title of titles) row.append(el('th', title));
  $(`${table} thead`).replaceChildren(row);
}

const PHASE_PILL = {
  Completed: 'ok',
  RolledBack: 'bad',
  Failed: 'bad',
  Progressing: 'warn',
  RollingBack: 'warn',
};
const OUTCOME_PILL = { executed: 'ok', undone: 'ok', resolved: 'ok', failed: 'bad', dry_run: 'warn' };

function renderRemediation({ rollouts, remediation }) {
  $('#rollouts-note').textContent = rollouts.checked
    ? `${rollouts.services.length === 0 ? 'none yet' : 'the one under way or the last, per service'} (supervisor GET /rollouts)`
    : `not read: ${rollouts.error ?? 'not connected'}`;
  plainHead('#rollouts', ['Service', 'Version', 'Phase', 'Step', 'Replaced', 'Analysis', 'Rollback']);
  const rows = $('#rollouts tbody');
  rows.replaceChildren();
  for (const r of rollouts.services) {
    const row = el('tr');
    row.dataset.service = r.service;
    const phase = el('td');
    phase.append(el('span', r.phase, `pill ${PHASE_PILL[r.phase] ?? ''}`));
    const rollback =
      r.rollbackMs === undefined ? '–' : `${(r.rollbackMs / 1000).toFixed(1)} s after the first bad signal`;
    row.append(
      el('td', `${r.service} #${r.id}`),
      el('td', `${r.from} → ${r.to}`),
      phase,
      el('td', r.step),
      el('td', `${r.replaced}/${r.of}`),
      el('td', r.analysis),
      el('td', rollback),
    );
    row.children[1].dataset.field = 'version';
    row.children[5].dataset.field = 'analysis';
    rows.append(row);
  }
  $('#remediation-note').textContent = remediation.checked
    ? `${remediation.entries.length === 0 ? 'no decision yet' : 'newest first'} (remediation controller GET /audit)`
    : `not read: ${remediation.error ?? 'not connected'}`;
  plainHead('#remediation', ['When', 'Action', 'Target', 'Alert', 'Outcome', 'Why', 'Dry run']);
  const entries = $('#remediation tbody');
  entries.replaceChildren();
  for (const e of remediation.entries) {
    const row = el('tr');
    row.dataset.id = String(e.id);
    const outcome = el('td');
    outcome.append(el('span', e.outcome, `pill ${OUTCOME_PILL[e.outcome] ?? ''}`));
    row.append(
      el('td', e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')),
      el('td', e.action),
      el('td', e.target ?? '–'),
      el('td', `${e.alert.name} (${e.alert.status})`),
      outcome,
      el('td', e.detail),
      el('td', e.dryRun ? 'yes' : 'no'),
    );
    entries.append(row);
  }
}
// END remediation/rollout panel

async function refresh() {
  try {
    const response = await fetch('/console/heal/state');
    if (!response.ok) {
      showError(`heal view: ${response.status} ${(await response.json().catch(() => ({}))).error ?? ''}`);
      return;
    }
    state = await response.json();
    if (!state.connected) showError(`waiting for the platform: ${state.error ?? 'starting'}`);
    renderTraffic(state.traffic);
    renderScenario(state.scenarios, state.run);
    renderServices(state.services, state.processes, state.dependencies);
    renderDependencies(state.dependencies, state.edge);
    renderAlerts(state.alerts);
    renderProcesses(state.processes);
    renderRemediation(state);
  } catch (error) {
    showError(`heal view: ${error.message}`);
  }
}

$('#traffic-start').addEventListener('click', () =>
  call('POST', '/traffic', { running: true, rate: Number($('#traffic-rate').value) }).then(refresh),
);
$('#traffic-stop').addEventListener('click', () =>
  call('POST', '/traffic', { running: false }).then(refresh),
);
$('#traffic-apply').addEventListener('click', () =>
  call('POST', '/traffic', { rate: Number($('#traffic-rate').value) }).then(refresh),
);
$('#traffic-abuser').addEventListener('change', (event) =>
  call('POST', '/traffic', { abuser: event.target.checked }).then(refresh),
);
$('#traffic-bad').addEventListener('change', (event) =>
  call('POST', '/traffic', { badBodies: event.target.checked }).then(refresh),
);
$('#scenario-run').addEventListener('click', () =>
  call('POST', `/scenarios/${encodeURIComponent($('#scenario-name').value)}`).then(refresh),
);
$('#scenario-name').addEventListener('change', () => {
  const scenario = state?.scenarios.find((s) => s.name === $('#scenario-name').value);
  $('#scenario-proves').textContent = scenario ? `Proves: ${scenario.proves}` : '';
});
refresh();
setInterval(refresh, 2000);
