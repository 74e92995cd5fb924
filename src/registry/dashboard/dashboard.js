// @ts-check
/**
 * The operator dashboard's script. The key comes from the form or from the URL fragment (#key=..., which browsers
 * never send to the server and which is removed from the address bar at once); it is kept in this module's memory
 * only and sent as the x-api-key header. Everything shown is read from the operator API every 10 seconds.
 */
import { barChart, formatBytes, formatCount, PALETTE, stackedDayChart, swatch } from './charts.js';

const API = '/operator/v1';
const REFRESH_MS = 10_000;

/** @type {string | null} */
let apiKey = null;
/** @type {string | null} */
let csvUrl = null;
/** @type {{ group: string, day: string, agreements: number, transfers: number, records: number, bytes: number }[]} */
let daily = [];

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ ($(id));

const ALERT_KINDS = {
  standard_contract_filing_overdue: 'Filing overdue',
  standard_contract_filing_due: 'Filing due',
  security_assessment_expired: 'Assessment expired',
  security_assessment_expiring: 'Assessment expiring',
  subjects_threshold: 'Subjects near threshold',
  refused_flow: 'Refused flow',
};

class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {string} path @param {'json' | 'text'} [as] */
async function get(path, as = 'json') {
  const response = await fetch(API + path, { headers: { 'x-api-key': apiKey ?? '' }, cache: 'no-store', credentials: 'omit' });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? response.statusText);
  }
  return as === 'json' ? response.json() : response.text();
}

/** @param {'locked' | 'loading' | 'ready' | 'denied' | 'stale' | 'failed'} state @param {string} [message] */
function setState(state, message) {
  document.body.dataset.state = state;
  const status = $('status');
  status.hidden = message === undefined;
  status.textContent = message ?? '';
  status.className = `status ${state}`;
}

/**
 * @param {string} id
 * @param {unknown[][]} rows cells as text, or nodes
 * @param {string} empty
 */
function fillTable(id, rows, empty) {
  const body = /** @type {HTMLTableSectionElement} */ ($(id).querySelector('tbody'));
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const cell of cells) {
        const td = document.createElement('td');
        if (cell instanceof Node) td.append(cell);
        else td.textContent = cell === null || cell === undefined ? '—' : String(cell);
        tr.append(td);
      }
      return tr;
    }),
  );
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = $(id).querySelectorAll('thead th').length;
    td.className = 'empty';
    td.textContent = empty;
    tr.append(td);
    body.append(tr);
  }
}

/** @param {string} text @param {string} className @param {Record<string, string>} [data] */
function chip(text, className, data = {}) {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  Object.assign(span.dataset, data);
  return span;
}

/** @param {Record<string, number>} counts @param {(key: string) => string} label */
const countChips = (counts, label) => Object.entries(counts).map(([key, n]) => chip(`${label(key)} × ${n}`, 'chip', { key, count: String(n) }));

function renderTime() {
  const measure = /** @type {'records' | 'bytes' | 'transfers' | 'agreements'} */ (select('measure').value);
  const groups = [...new Set(daily.map((r) => r.group))].sort();
  const format = measure === 'bytes' ? formatBytes : formatCount;
  stackedDayChart($('chart-time'), daily.map((r) => ({ day: r.day, group: r.group, value: r[measure] })), groups, { metric: measure, format, label: `${measure} per day, stacked by group` });
  $('legend').replaceChildren(...groups.map((g, i) => {
    const li = document.createElement('li');
    li.append(swatch(PALETTE[i % PALETTE.length] ?? '#777'), g);
    return li;
  }));
}

/** @param {any} data */
function render({ by, head, flows, alerts, refusals, participants, credit, csv }) {
  $('head-seq').textContent = `#${head.seq}`;
  $('head-seq').dataset.seq = String(head.seq);
  $('head-hash').textContent = `${head.hash.slice(0, 16)}…`;
  $('head-hash').title = head.hash;
  $('head-hash').dataset.hash = head.hash;
  $('refreshed').textContent = new Date().toLocaleTimeString('en-GB');

  /** @type {{ group: string, records: number, bytes: number }[]} */
  const groups = flows.groups;
  barChart($('chart-records'), groups.map((g) => ({ label: g.group, value: g.records })), { metric: 'records', format: formatCount, colour: PALETTE[0] ?? '', label: `Records by ${by}` });
  barChart($('chart-bytes'), groups.map((g) => ({ label: g.group, value: g.bytes })), { metric: 'bytes', format: formatBytes, colour: PALETTE[1] ?? '', label: `Bytes by ${by}` });
  for (const id of ['chart-records', 'chart-bytes', 'chart-time']) $(id).dataset.by = by;
  renderTime();

  /** @type {Record<string, number>} */
  const kinds = {};
  for (const a of alerts) kinds[a.type] = (kinds[a.type] ?? 0) + 1;
  $('alert-counts').replaceChildren(...countChips(kinds, (k) => ALERT_KINDS[/** @type {keyof ALERT_KINDS} */ (k)] ?? k));
  fillTable('alerts', alerts.map((/** @type {any} */ a) => [chip(a.severity, `severity ${a.severity}`), chip(ALERT_KINDS[/** @type {keyof ALERT_KINDS} */ (a.type)] ?? a.type, 'kind', { type: a.type }), a.participant, a.subject, a.due, a.message]), 'No alerts.');

  $('refusal-counts').replaceChildren(...countChips(refusals.counts, (code) => code));
  const newestFirst = [...refusals.refusals].reverse();
  fillTable('refusals', newestFirst.map((/** @type {any} */ r) => {
    const codes = document.createElement('span');
    codes.append(...r.codes.map((/** @type {string} */ c) => chip(c, 'code')));
    return [r.at.replace('T', ' ').replace(/(:\d{2})?(\.\d+)?Z$/, ' UTC'), r.participant, r.stage, r.consumer, r.destinationCountry, r.subject, codes];
  }), 'No refused flows.');

  const grading = new Map(credit.participants.map((/** @type {any} */ c) => [c.participant, c]));
  fillTable('participants', participants.map((/** @type {any} */ p) => {
    const c = grading.get(p.id);
    return [p.id, p.legalName, p.country, p.ciio ? 'yes' : 'no', p.ftz, c ? `${c.grade} · ${c.score}` : null, c ? `${+(c.rate * 100).toFixed(2)} %` : null, c ? String(c.revocations.length) : null, chip(p.status, `status-${p.status}`)];
  }), 'No participants registered.');

  if (csvUrl) URL.revokeObjectURL(csvUrl);
  csvUrl = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const link = /** @type {HTMLAnchorElement} */ ($('alerts-csv'));
  link.href = csvUrl;
  link.removeAttribute('aria-disabled');
}

async function load() {
  const by = select('group').value;
  const [head, flows, perDay, alerts, refusals, participants, credit, csv] = await Promise.all([
    get('/ledger/head'),
    get(`/views/flows?by=${encodeURIComponent(by)}`),
    get(`/views/flows?by=${encodeURIComponent(by)}&interval=day`),
    get('/alerts'),
    get('/views/refusals'),
    get('/participants?limit=1000'),
    get('/credit'),
    get('/alerts?format=csv', 'text'),
  ]);
  daily = perDay.groups;
  render({ by, head, flows, alerts: alerts.alerts, refusals, participants, credit, csv });
}

let running = false;
let again = false;

/** Reads everything again; a request made while a refresh runs starts one more after it (the grouping may have changed). */
async function refresh() {
  if (apiKey === null) return;
  if (running) {
    again = true;
    return;
  }
  running = true;
  if (document.body.dataset.state !== 'ready') setState('loading');
  try {
    do {
      again = false;
      await load();
    } while (again);
    setState('ready');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      apiKey = null;
      setState('denied', `The operator API refused this key (${error.code}): ${error.message}`);
      $('key').focus();
    } else {
      const what = error instanceof ApiError ? `${error.code}: ${error.message}` : String(/** @type {Error} */ (error).message ?? error);
      const shown = document.body.dataset.state === 'ready' || document.body.dataset.state === 'stale';
      setState(shown ? 'stale' : 'failed', shown ? `Could not refresh (${what}); showing the last data read.` : `Could not read the operator API (${what}).`);
    }
  } finally {
    running = false;
  }
}

/** Takes the key out of the fragment and the fragment out of the address bar and history. */
function keyFromFragment() {
  if (location.hash.length <= 1) return null;
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  history.replaceState(null, '', location.pathname + location.search);
  return key;
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('key'));
  apiKey = input.value.trim() || null;
  input.value = '';
  void refresh();
});
$('refresh').addEventListener('click', () => void refresh());
select('group').addEventListener('change', () => void refresh());
select('measure').addEventListener('change', renderTime);

apiKey = keyFromFragment();
if (apiKey === null) setState('locked');
void refresh();
setInterval(() => void refresh(), REFRESH_MS);
