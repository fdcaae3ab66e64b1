// kvlog web console: plain JavaScript over the node's HTTP API (the README's "HTTP API"), no build step.
// Keys and values are user data: they reach the page only as text (textContent), never as HTML.
'use strict';

const CLUSTER_EVERY_MS = 2000;
const METRICS_EVERY_MS = 1000;
const CHART_POINTS = 120;
const WATCH_ROWS = 200;
const PREVIEW_CHARS = 120;

const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ API

/** An API error: {error, message} from the node, or what went wrong on the way; retryAfterMs from a Retry-After. */
class ApiError extends Error {
  constructor(status, code, message, retryAfterMs = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

// The bearer token of a node with auth on, as the user pasted it in the sign-in box. Kept in
// sessionStorage (this tab only, gone when it closes; never localStorage, never in a URL).
const TOKEN_KEY = 'kvlog.token';
const storedToken = () => sessionStorage.getItem(TOKEN_KEY);

let signInShown = false; // the polls wait while the sign-in box asks for a token
let pollsHeldUntil = 0; // ...and until a 429's Retry-After has passed (ms since the epoch)

/**
 * Every call of the API goes through here, the one place that sends the token: it adds
 * `Authorization: Bearer` if one was given. Resolves with the Response for 2xx (and for the
 * statuses in `ok`), else rejects with an ApiError — after asking for a token on a 401, and
 * holding the polls until Retry-After on a 429. An abort (the watch stopped) rejects as it is.
 */
async function send(path, options = {}, ok = []) {
  const headers = new Headers(options.headers || {});
  const token = storedToken();
  if (token) headers.set('Authorization', 'Bearer ' + token);
  let response;
  try {
    response = await fetch(path, { ...options, headers });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'UNREACHABLE', 'the node did not answer (' + e.message + ')');
  }
  if (response.ok || ok.includes(response.status)) {
    return response;
  }
  const error = errorOf(response, await response.text());
  if (error.status === 401) askForToken(error.message, token);
  if (error.status === 429) pollsHeldUntil = Math.max(pollsHeldUntil, Date.now() + error.retryAfterMs);
  throw error;
}

/** The ApiError of a reply that is not a success: the node's {error, message}, else its status and text. */
function errorOf(response, text) {
  const retryAfter = response.headers.get('Retry-After');
  let retryAfterMs = null;
  if (retryAfter !== null) { // seconds, or an HTTP date
    retryAfterMs = /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000
      : Math.max(0, (Date.parse(retryAfter) || Date.now() + 1000) - Date.now());
  } else if (response.status === 429) {
    retryAfterMs = 1000;
  }
  let body = null;
  if (text && (response.headers.get('Content-Type') || '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      return new ApiError(response.status, 'BAD_REPLY', 'unreadable reply: ' + text.slice(0, 200), retryAfterMs);
    }
  }
  if (body && body.message) {
    return new ApiError(response.status, body.error, body.message, retryAfterMs);
  }
  if (body && body.reason) { // OperationFailed: the outcome is unknown
    return new ApiError(response.status, body.result, body.reason, retryAfterMs);
  }
  return new ApiError(response.status, 'HTTP_' + response.status, text.slice(0, 200) || response.statusText,
    retryAfterMs);
}

/** Calls the API; resolves with {status, body, text} for 2xx (and for the statuses in `ok`), else rejects with an ApiError. */
async function api(path, options = {}, ok = []) {
  const response = await send(path, options, ok);
  const text = await response.text();
  let body = null;
  if (text && (response.headers.get('Content-Type') || '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new ApiError(response.status, 'BAD_REPLY', 'unreadable reply: ' + text.slice(0, 200));
    }
  }
  return { status: response.status, body, text };
}

/** Whether the sign-in box answers `error` (a 401), so the caller shows nothing more. */
const signInAnswers = (error) => error instanceof ApiError && error.status === 401;

/** Whether the node refused what was asked (403): its message goes where the result would have. */
const refused = (error) => error instanceof ApiError && error.status === 403;

/** A key as one path segment: percent-encoded, '/' as %2F. */
const keyPath = (key) => '/v1/kv/' + encodeURIComponent(key);

function showMessage(text, info = false) {
  const box = $('message');
  box.textContent = text;
  box.classList.toggle('info', info);
  box.hidden = !text;
}

function describe(error) {
  return error instanceof ApiError && error.code ? error.code + ': ' + error.message : String(error.message || error);
}

// ------------------------------------------------------------------ sign in (a node with auth on)

/**
 * Shows the sign-in box: a call that carried `sentToken` (null: none) answered 401 with `message`.
 * Judged by the token the call carried, not the one kept now: calls run side by side.
 */
function askForToken(message, sentToken) {
  const kept = storedToken();
  if (kept && kept !== sentToken) return; // a call sent before the token kept now: it says nothing of it
  if (sentToken) {
    // a token the node refuses (revoked, mistyped, another node's) is forgotten: it would only be refused again
    sessionStorage.removeItem(TOKEN_KEY);
    $('signin-why').textContent = 'The token given was refused: ' + message;
  } else {
    $('signin-why').textContent = message;
  }
  showSignedIn();
  stopWatch();
  $('signin').hidden = false;
  signInShown = true;
}

function signIn() {
  // pasted as "Bearer kvt_…" or with the line break of a copied file: the token alone
  const token = $('signin-token').value.trim().replace(/^bearer\s+/i, '');
  if (!/^[\x21-\x7e]+$/.test(token)) {
    $('signin-why').textContent = 'a token is one word of printable ASCII (kv auth prints it: kvt_…); got '
      + (token ? 'spaces or other characters in it' : 'nothing');
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('signin-token').value = '';
  $('signin').hidden = true;
  signInShown = false;
  showSignedIn();
  refreshCluster();
  refreshMetrics();
  scan('again');
}

/** Forgets the token, and what the page read with it; a node with auth on then asks for one again. */
function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  stopWatch();
  fill($('key-list').tBodies[0], []);
  fill($('watch-tail').tBodies[0], []);
  $('scan-status').textContent = '';
  $('value-view').hidden = true;
  $('write-result').textContent = '';
  showSignedIn();
  refreshCluster();
}

function showSignedIn() {
  $('signed-in').hidden = !storedToken();
}

// ------------------------------------------------------------------ DOM helpers (text only)

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '–' : String(text);
  if (className) td.className = className;
  return td;
}

function row(cells) {
  const tr = document.createElement('tr');
  cells.forEach((c) => tr.appendChild(c));
  return tr;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

const preview = (value) => value === null || value === undefined ? '(none)'
  : value.length > PREVIEW_CHARS ? value.slice(0, PREVIEW_CHARS) + '…' : value;

// ------------------------------------------------------------------ cluster and partitions

let clusterShown = false;

async function refreshCluster() {
  let view;
  try {
    view = (await api('/v1/cluster')).body;
  } catch (e) {
    if (!signInAnswers(e)) showMessage('cluster view: ' + describe(e));
    return;
  }
  $('served-by').textContent = 'served by ' + view.node;
  $('traffic-node').textContent = view.node;
  $('refreshed').textContent = 'updated ' + new Date().toLocaleTimeString();
  const nodes = [...view.nodes].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  const leads = {};
  view.partitions.forEach((p) => { if (p.leader !== null && p.leader !== undefined) leads[p.leader] = (leads[p.leader] || 0) + 1; });

  fill($('nodes').tBodies[0], nodes.map((n) => row([
    cell(n.id + (n.id === view.node ? ' (this)' : '')),
    cell(n.url),
    cell((n.roles || []).join(', ')),
    cell(n.ready ? 'yes' : 'no', n.ready ? 'yes' : 'no'),
    cell(n.heartbeatAgeMs === null || n.heartbeatAgeMs === undefined ? null : (n.heartbeatAgeMs / 1000).toFixed(1) + ' s ago'),
    cell(n.lag, n.lag > 0 ? 'lagging' : ''),
  ])));
  fill($('brokers').tBodies[0], view.brokers.map((b) => row([
    cell(b.id), cell(b.host + ':' + b.port), cell((leads[b.id] || 0) + ' partitions'),
  ])));
  fill($('problems'), (view.problems || []).map((p) => {
    const li = document.createElement('li');
    li.textContent = p;
    return li;
  }));

  const head = $('partitions').tHead.rows[0];
  head.replaceChildren(...['partition', 'leader', 'in-sync replicas', 'high watermark', ...nodes.map((n) => n.id)]
    .map((title) => { const th = document.createElement('th'); th.textContent = title; return th; }));
  fill($('partitions').tBodies[0], view.partitions.map((p) => row([
    cell(p.partition), cell(p.leader), cell((p.isr || []).join(', ')), cell(p.highWatermark),
    ...nodes.map((n) => {
      const applied = n.applied ? n.applied[String(p.partition)] : undefined;
      if (applied === undefined) return cell(null);
      // a copy that applied highWatermark - 1 is caught up (as /v1/cluster counts lag)
      const lag = p.highWatermark === null || p.highWatermark === undefined ? null
        : Math.max(0, p.highWatermark - 1 - applied);
      // -1: nothing of the partition applied yet
      return cell((applied < 0 ? 'none' : applied) + (lag === null ? '' : ' (' + lag + ')'), lag > 0 ? 'lagging' : '');
    }),
  ])));

  if (!clusterShown) {
    clusterShown = true;
    // the page-load figure the browser test reads: the cluster view is on screen
    performance.mark('kv-cluster-shown');
    document.body.dataset.clusterShown = 'true';
  }
  if ($('message').textContent.startsWith('cluster view:')) showMessage('');
}

// ------------------------------------------------------------------ traffic (from /metrics)

/** Parses Prometheus text: [{name, labels, value}] (comments skipped). */
function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const labels = {};
    let name;
    if (brace >= 0 && brace < space) {
      name = line.slice(0, brace);
      const end = line.lastIndexOf('}');
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let m;
      while ((m = re.exec(line.slice(brace + 1, end))) !== null) {
        labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    } else {
      name = line.slice(0, space);
    }
    samples.push({ name, labels, value: Number(line.slice(space + 1)) });
  }
  return samples;
}

/** The key-value calls, by what they do: reads (gets, scans, history) and writes (put, delete, append, ops). */
function kind(labels) {
  const route = labels.route || '';
  if (route === '/v1/ops') return 'write';
  if (!route.startsWith('/v1/kv')) return null;
  return labels.method === 'GET' ? 'read' : 'write';
}

/** Totals of one scrape: requests by kind, latency sum and count, histogram buckets by upper bound. */
function totals(samples) {
  const t = { read: 0, write: 0, sum: 0, count: 0, buckets: {} };
  for (const s of samples) {
    const k = kind(s.labels);
    if (!k) continue;
    if (s.name === 'vertx_http_server_requests_total') t[k] += s.value;
    else if (s.name === 'vertx_http_server_response_time_seconds_sum') t.sum += s.value;
    else if (s.name === 'vertx_http_server_response_time_seconds_count') t.count += s.value;
    else if (s.name === 'vertx_http_server_response_time_seconds_bucket') {
      t.buckets[s.labels.le] = (t.buckets[s.labels.le] || 0) + s.value;
    }
  }
  return t;
}

/** The 99th percentile of the requests between two scrapes, as the upper bound of its bucket (ms). */
function p99(before, after) {
  const bounds = Object.keys(after.buckets).filter((le) => le !== '+Inf').map(Number).sort((a, b) => a - b);
  const total = (after.buckets['+Inf'] || 0) - (before.buckets['+Inf'] || 0);
  if (total <= 0) return null;
  for (const le of bounds) {
    const key = Object.keys(after.buckets).find((k) => Number(k) === le);
    if ((after.buckets[key] || 0) - (before.buckets[key] || 0) >= 0.99 * total) return le * 1000;
  }
  return bounds.length ? bounds[bounds.length - 1] * 1000 : null;
}

const series = { time: [], reads: [], writes: [], mean: [], p99: [] };
let lastScrape = null;
let opsChart = null;
let latencyChart = null;

function makeCharts() {
  if (typeof uPlot === 'undefined') {
    showMessage('the chart library (uPlot WebJar) did not load: charts are off');
    return;
  }
  const width = () => Math.max(300, $('ops-chart').clientWidth);
  const axes = [{}, { size: 60 }];
  const legend = { live: false }; // the series' names; the latest values are in the heading
  opsChart = new uPlot({
    width: width(), height: 200, axes, legend,
    series: [{}, { label: 'reads/s', stroke: '#2f6fde', width: 2 }, { label: 'writes/s', stroke: '#d9822b', width: 2 }],
  }, [[], [], []], $('ops-chart'));
  latencyChart = new uPlot({
    width: width(), height: 200, axes, legend,
    series: [{}, { label: 'mean ms', stroke: '#1e7b3a', width: 2 }, { label: 'p99 ms (bucket bound)', stroke: '#b3261e', width: 2 }],
  }, [[], [], []], $('latency-chart'));
  window.addEventListener('resize', () => {
    opsChart.setSize({ width: width(), height: 200 });
    latencyChart.setSize({ width: width(), height: 200 });
  });
}

async function refreshMetrics() {
  let scrape;
  try {
    scrape = { at: Date.now() / 1000, totals: totals(parseMetrics((await api('/metrics')).text)) };
  } catch (e) {
    if (!signInAnswers(e)) showMessage('metrics: ' + describe(e));
    return;
  }
  if ($('message').textContent.startsWith('metrics:')) showMessage('');
  if (lastScrape) {
    const seconds = scrape.at - lastScrape.at;
    const before = lastScrape.totals;
    const after = scrape.totals;
    const count = after.count - before.count;
    series.time.push(scrape.at);
    series.reads.push(Math.max(0, (after.read - before.read) / seconds));
    series.writes.push(Math.max(0, (after.write - before.write) / seconds));
    series.mean.push(count > 0 ? (after.sum - before.sum) / count * 1000 : null);
    series.p99.push(p99(before, after));
    const last = (values) => values[values.length - 1];
    const ms = (v) => v === null ? '–' : v < 10 ? v.toFixed(1) : Math.round(v);
    $('ops-now').textContent = 'now: ' + last(series.reads).toFixed(1) + ' reads/s, '
      + last(series.writes).toFixed(1) + ' writes/s';
    $('latency-now').textContent = 'now: mean ' + ms(last(series.mean)) + ' ms, p99 ≤ ' + ms(last(series.p99)) + ' ms';
    for (const values of Object.values(series)) {
      if (values.length > CHART_POINTS) values.shift();
    }
    if (opsChart) {
      opsChart.setData([series.time, series.reads, series.writes]);
      latencyChart.setData([series.time, series.mean, series.p99]);
    }
  }
  lastScrape = scrape;
}

// ------------------------------------------------------------------ key browser

let scanPrefix = '';
let pageCursor = null; // the cursor of the page shown (null: the first)
let nextCursor = null; // the cursor of the page after it (null: none)

/** Lists keys: `first` a new listing from the prefix box, `next` the page after this one, `again` this page anew. */
async function scan(which) {
  if (which === 'first') {
    scanPrefix = $('scan-prefix').value;
    pageCursor = null;
  } else if (which === 'next') {
    pageCursor = nextCursor;
  }
  const limit = Math.min(1000, Math.max(1, Number($('scan-limit').value) || 20));
  const params = new URLSearchParams({ prefix: scanPrefix, limit: String(limit) });
  if (pageCursor) params.set('cursor', pageCursor);
  try {
    const page = (await api('/v1/kv?' + params)).body;
    fill($('key-list').tBodies[0], page.items.map((item) => {
      const tr = row([cell(item.key), cell(item.version), cell(preview(item.value))]);
      tr.dataset.key = item.key; // a dataset value is text, never markup
      tr.addEventListener('click', () => showValue(item.key, tr));
      return tr;
    }));
    nextCursor = page.cursor || null;
    $('scan-next').disabled = !nextCursor;
    $('scan-status').textContent = page.items.length + ' key(s)' + (scanPrefix ? ' under "' + scanPrefix + '"' : '')
      + (pageCursor ? ' (a later page)' : '') + (nextCursor ? '; more on the next page' : '; last page');
  } catch (e) {
    if (refused(e)) {
      fill($('key-list').tBodies[0], []);
      $('scan-next').disabled = true;
      $('scan-status').textContent = 'refused: ' + describe(e);
    } else if (!signInAnswers(e)) {
      showMessage('keys: ' + describe(e));
    }
  }
}

async function showValue(key, tr) {
  document.querySelectorAll('#key-list tr.selected').forEach((r) => r.classList.remove('selected'));
  if (tr) tr.classList.add('selected');
  try {
    const reply = await api(keyPath(key), {}, [404]);
    $('value-key').textContent = key;
    $('value-version').textContent = reply.status === 404 ? 'absent' : 'version ' + reply.body.version;
    $('value-text').textContent = reply.status === 404 ? '' : reply.body.value;
    $('value-view').hidden = false;
  } catch (e) {
    if (refused(e)) {
      $('value-key').textContent = key;
      $('value-version').textContent = 'refused: ' + describe(e);
      $('value-text').textContent = '';
      $('value-view').hidden = false;
    } else if (!signInAnswers(e)) {
      showMessage('value of ' + key + ': ' + describe(e));
    }
  }
}

// ------------------------------------------------------------------ put / delete

// a write whose outcome is unknown (504): the same write sent again reuses its id, so it takes effect once
let unconfirmed = null;

function writeId(method, key, value) {
  if (unconfirmed && unconfirmed.method === method && unconfirmed.key === key && unconfirmed.value === value) {
    return unconfirmed.id;
  }
  return 'console-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
}

async function write(method) {
  const key = $('write-key').value;
  if (!key) {
    showMessage('key: required (1 to 1024 bytes of UTF-8)');
    return;
  }
  const value = method === 'PUT' ? $('write-value').value : null;
  const id = writeId(method, key, value);
  const options = { method };
  if (method === 'PUT') {
    options.body = value;
    options.headers = { 'Content-Type': 'text/plain; charset=utf-8' };
  }
  try {
    const ack = (await api(keyPath(key) + '?' + new URLSearchParams({ id }), options)).body;
    unconfirmed = null;
    const what = method === 'PUT' ? 'put' : 'deleted';
    $('write-result').textContent = what + ' "' + key + '": version ' + ack.version + ', token ' + ack.token;
    showMessage('');
    if (method === 'DELETE' && $('value-key').textContent === key) $('value-view').hidden = true;
    scan('again');
  } catch (e) {
    $('write-result').textContent = refused(e) ? 'refused: ' + describe(e) : '';
    unconfirmed = e.status === 504 ? { method, key, value, id } : null;
    if (refused(e) || signInAnswers(e)) return;
    showMessage((method === 'PUT' ? 'put' : 'delete') + ' "' + key + '": ' + describe(e)
      + (unconfirmed ? ' — the outcome is unknown; send it again to retry with the same id (it takes effect once)' : ''));
  }
}

// ------------------------------------------------------------------ watch

// An EventSource cannot send an Authorization header, so the watch reads the text/event-stream
// itself over fetch (through send, with the token like every call), with or without auth: one
// code path. It does what the EventSource did: resume after the last event id seen.
const WATCH_RETRY_MS = 3000; // an EventSource's usual wait before it reconnects; a `retry:` field sets it

let watch = null; // the AbortController of the watch shown, null when not watching

function stopWatch() {
  if (watch) watch.abort();
  watch = null;
  $('watch-button').textContent = 'Watch';
  $('watch-status').textContent = 'not watching';
}

function startWatch() {
  stopWatch();
  const prefix = $('watch-prefix').value;
  const controller = new AbortController();
  watch = controller;
  $('watch-button').textContent = 'Stop';
  $('watch-status').textContent = 'opening…';
  follow(prefix, controller);
}

/**
 * Reads GET /v1/watch until the user stops it (`controller` aborts), the node refuses it, or the
 * node ends it with its own `event: error`. A stream that drops is opened again after the
 * stream's retry time, with `Last-Event-ID`: the node resumes after the last change shown.
 */
async function follow(prefix, controller) {
  const path = '/v1/watch?' + new URLSearchParams({ prefix, from: 'now' });
  const label = prefix ? 'watching "' + prefix + '"' : 'watching every key';
  const stream = { lastId: '', retryMs: WATCH_RETRY_MS };
  const status = (text) => { if (watch === controller) $('watch-status').textContent = text; };
  const end = (message) => {
    if (watch !== controller) return; // stopped, or another watch since
    stopWatch();
    if (message) $('watch-status').textContent = message;
  };
  while (!controller.signal.aborted) {
    let waitMs = stream.retryMs;
    try {
      const headers = stream.lastId ? { 'Last-Event-ID': stream.lastId } : {};
      const response = await send(path, { headers, signal: controller.signal });
      status(label);
      const ended = await readEvents(response.body, stream, (event) => {
        if (event.type === 'message') {
          showChange(JSON.parse(event.data));
        } else if (event.type === 'progress') {
          status(label + ' (caught up)');
        } else if (event.type === 'error') { // the node's own "event: error": the stream ends
          const error = JSON.parse(event.data);
          end('');
          showMessage('watch: ' + (error.error ? error.error + ': ' : '') + error.message);
          return true;
        }
        return false;
      });
      if (ended) return;
    } catch (e) {
      if (controller.signal.aborted) return;
      if (signInAnswers(e)) { end(''); return; } // the sign-in box asks for a token (it stopped the watch)
      if (e instanceof ApiError && e.status !== 0 && e.status !== 429 && e.status !== 503) {
        end((refused(e) ? 'refused: ' : 'the node refused the watch: ') + describe(e));
        return;
      }
      // the node unreachable or busy (429, 503): as a dropped stream, but not before its Retry-After
      if (e.retryAfterMs !== null && e.retryAfterMs !== undefined) waitMs = Math.max(waitMs, e.retryAfterMs);
    }
    status('reconnecting (resumes after the last change shown)…');
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      controller.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}

/**
 * Reads a text/event-stream body as the HTML standard parses one (lines end in CRLF, LF or CR; a
 * blank line dispatches; `:` starts a comment; one space after a field's colon is dropped), calling
 * `dispatch({type, data})` for each event; `stream.lastId` is the id of the last event
 * dispatched, and a `retry:` sets `stream.retryMs`. Resolves false when the body ends, true as
 * soon as `dispatch` returns true.
 */
async function readEvents(body, stream, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let type = '';
  let data = [];
  let id = null;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
      // a CR at the end of a chunk may be half of a CRLF: it waits for the next chunk
      const cut = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
      buffer = lines.pop() + buffer.slice(cut);
      for (const line of lines) {
        if (line === '') {
          if (id !== null) stream.lastId = id;
          id = null;
          if (data.length && dispatch({ type: type || 'message', data: data.join('\n') })) return true;
          type = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let fieldValue = colon < 0 ? '' : line.slice(colon + 1);
        if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1);
        if (field === 'data') data.push(fieldValue);
        else if (field === 'event') type = fieldValue;
        else if (field === 'id' && !fieldValue.includes('\0')) id = fieldValue;
        else if (field === 'retry' && /^\d+$/.test(fieldValue)) stream.retryMs = Number(fieldValue);
      }
    }
  } finally {
    reader.cancel().catch(() => {}); // the stream is left (ended, stopped or failed): nothing more to read
  }
}

function showChange(change) {
  const tbody = $('watch-tail').tBodies[0];
  const time = change.time ? new Date(change.time).toLocaleTimeString() : '';
  tbody.insertBefore(row([cell(time), cell(change.key), cell(change.type), cell(change.version),
    cell(preview(change.value))]), tbody.firstChild);
  while (tbody.rows.length > WATCH_ROWS) tbody.deleteRow(-1);
}

// ------------------------------------------------------------------ start

function every(ms, task) {
  let running = false;
  const tick = async () => {
    // no poll while the sign-in box waits for a token, nor before a 429's Retry-After
    if (running || signInShown || Date.now() < pollsHeldUntil) return;
    running = true;
    try { await task(); } finally { running = false; }
  };
  tick();
  setInterval(tick, ms);
}

document.addEventListener('DOMContentLoaded', () => {
  $('scan-form').addEventListener('submit', (e) => { e.preventDefault(); scan('first'); });
  $('scan-next').addEventListener('click', () => scan('next'));
  $('write-form').addEventListener('submit', (e) => { e.preventDefault(); write('PUT'); });
  $('delete-button').addEventListener('click', () => write('DELETE'));
  $('watch-form').addEventListener('submit', (e) => { e.preventDefault(); if (watch) stopWatch(); else startWatch(); });
  $('signin').addEventListener('submit', (e) => { e.preventDefault(); signIn(); });
  $('sign-out').addEventListener('click', signOut);
  showSignedIn();
  makeCharts();
  every(CLUSTER_EVERY_MS, refreshCluster);
  every(METRICS_EVERY_MS, refreshMetrics);
  scan('first');
});
