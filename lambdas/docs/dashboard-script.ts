import { PORTAL_CAPABILITIES } from '../shared/domain/portal-scope';

/**
 * The dashboard's script, first part: signing in (API key or portal link), the webhooks list
 * with each one's health, one webhook's history, retries and recovery. Plain DOM code in the
 * page (no framework, no third-party script); the management part (./dashboard-manage) shares
 * its scope. Every value from the API is written with textContent, never as HTML.
 */
export const CORE_SCRIPT = `
'use strict';
const KEY = 'hookpost.apiKey';
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => { const n = document.createElement(tag); for (const [k, v] of Object.entries(props)) { if (k === 'class') n.className = v; else if (k.startsWith('data-') || k.startsWith('aria-')) n.setAttribute(k, v); else n[k] = v; } for (const c of children) n.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))); return n; };
let apiKey = sessionStorage.getItem(KEY);
// A portal session (from a portal link): in memory only, with when it ends.
let portal = null;
let current = null; let hooks = []; const LIMIT = 20;
// Pages walk the history with starting_after: each page's cursor, and how many deliveries came before it.
let cursors = [null]; let starts = [0];
const firstPage = () => { cursors = [null]; starts = [0]; };
let nextCursor = null;
/** Times are in UTC and say so (to the minute, or to the second; a row's as "3 min ago" with it on hover); times entered are UTC too. */
const utc = (iso) => iso.slice(0, 16).replace('T', ' ') + ' UTC';
/** "1 webhook", "4 webhooks": never "webhook(s)". */
const plural = (n, one, many = one + 's') => n + ' ' + (n === 1 ? one : many);
const utcSeconds = (iso) => iso.slice(0, 19).replace('T', ' ') + ' UTC';
/** How long ago, in words ("just now", "3 min ago", "5 h ago", "2 d ago"), as of when it is shown. */
const ago = (iso) => { const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)); return s < 45 ? 'just now' : s < 3600 ? Math.max(1, Math.round(s / 60)) + ' min ago' : s < 86400 ? Math.round(s / 3600) + ' h ago' : Math.round(s / 86400) + ' d ago'; };
/** A moment as "3 min ago", its UTC time on hover and in its datetime. */
const when = (iso) => el('time', { dateTime: iso, title: utcSeconds(iso) }, ago(iso));
const fromUtcInput = (value) => new Date(value + (value.length === 16 ? ':00' : '') + 'Z');
// Each message next to what it answers: the page's status line, the webhook's actions, the recovery form, a delivery's row.
const sayIn = (node, text, bad) => { node.textContent = text; node.className = bad ? 'status-failed' : 'muted'; };
const say = (text, bad) => sayIn($('status'), text, bad);
const sayDetail = (text, bad) => sayIn($('detail-status'), text, bad);
const sayRecover = (text, bad) => sayIn($('recover-status'), text, bad);
const hookPath = (id, rest = '') => '/api/v1/admin/webhooks/' + encodeURIComponent(id) + rest;
async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { authorization: 'Bearer ' + apiKey, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text(); const data = text ? JSON.parse(text) : null;
  if (res.status === 401) { const ended = portal !== null; signOut(ended ? 'Your session has ended. Open a new link to come back.' : undefined); throw new Error(ended ? 'Your session has ended.' : 'That API key was not accepted.'); }
  if (!res.ok) throw new Error(data && data.error ? data.error.message : 'HTTP ' + res.status);
  return data;
}
function show(signedIn) { $('signin').hidden = signedIn; $('app').hidden = !signedIn; $('signout').hidden = !signedIn; if (signedIn) view('webhooks'); }
/** One of the signed-in views: webhooks, failures across them, an event found by id. */
function view(name) { for (const v of ['webhooks', 'failures', 'find', 'catalogue', 'activity']) { $('view-' + v).hidden = v !== name; $('tab-' + v).setAttribute('aria-pressed', String(v === name)); } }
/**
 * Framed by the platform's page (one of the origins the stack lets frame it), the portal is
 * embedded: no header or sign-out of its own, and it tells its host what happens
 * (hookpost:resize with its height, hookpost:session.started, hookpost:session.ended,
 * hookpost:webhook.created), posted to those origins only: no other page receives them.
 */
const embedded = window.self !== window.top;
const hosts = JSON.parse(document.body.dataset.hosts || '[]');
function tellHost(message) { if (embedded) for (const origin of hosts) window.parent.postMessage(message, origin); }
if (embedded) {
  document.body.classList.add('embedded');
  let lastHeight = 0;
  new ResizeObserver(() => { const height = document.documentElement.scrollHeight; if (height !== lastHeight) { lastHeight = height; tellHost({ type: 'hookpost:resize', height }); } }).observe(document.body);
}
/** A link's theme, over the stack's branding: CSS variables set through the CSSOM (the CSP admits no inline style). */
const THEMED = { accent_color: '--accent', font_family: '--font', radius_px: '--radius' };
const stackScheme = document.documentElement.dataset.scheme;
function applyTheme(theme) {
  const root = document.documentElement;
  for (const [field, variable] of Object.entries(THEMED)) {
    if (theme && theme[field] !== undefined) root.style.setProperty(variable, field === 'radius_px' ? theme[field] + 'px' : String(theme[field]));
    else root.style.removeProperty(variable);
  }
  const scheme = (theme && theme.color_scheme) || stackScheme;
  if (scheme) root.dataset.scheme = scheme; else delete root.dataset.scheme;
}
function signOut(message) {
  if (portal) clearTimeout(portal.timer);
  const wasPortal = portal !== null;
  if (wasPortal) tellHost({ type: 'hookpost:session.ended', reason: message ? 'ended' : 'signed_out' }); portal = null; document.body.classList.remove('read-only'); delete document.body.dataset.cannot; $('session').textContent = '';
  apiKey = null; sessionStorage.removeItem(KEY); current = null; hooks = []; $('apikey').value = ''; $('webhooks').replaceChildren(); $('detail').hidden = true;
  $('failures').replaceChildren(); $('event-result').hidden = true; $('webhook-form').hidden = true;
  show(false); if (wasPortal) { $('signin').hidden = true; $('ended').hidden = false; $('ended-text').textContent = message || 'You signed out. Open a new link to come back.'; }
  say(message || 'Signed out.');
}
async function openPortal(token) {
  $('signin').hidden = true;
  say('Opening your link…');
  const res = await fetch('/api/v1/portal/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const data = await res.json().catch(() => null);
  if (!res.ok) { $('ended').hidden = false; $('ended-title').textContent = 'This link cannot be opened'; $('ended-text').textContent = data && data.error ? data.error.message : 'HTTP ' + res.status; say(''); return; }
  apiKey = data.session_token;
  portal = { readOnly: data.read_only, timer: setTimeout(() => signOut('Your session has ended. Open a new link to come back.'), Math.max(0, Date.parse(data.expires_at) - Date.now())) };
  document.body.classList.toggle('read-only', data.read_only);
  applyTheme(data.theme);
  // What the link does not grant is not offered (the API refuses it anyway).
  document.body.dataset.cannot = ${JSON.stringify(PORTAL_CAPABILITIES)}.filter((c) => !data.capabilities.includes(c)).join(' ');
  $('session').textContent = (data.read_only ? 'Read-only session' : 'Session') + ' until ' + utc(data.expires_at);
  await loadWebhooks(); show(true);
  tellHost({ type: 'hookpost:session.started', tenant_id: data.tenant_id, read_only: data.read_only, capabilities: data.capabilities, expires_at: data.expires_at });
}
const statusText = (w) => w.status + (w.disabled_reason ? ' (' + w.disabled_reason + ')' : '') + (w.status === 'active' && w.failing_since ? ', failing since ' + utc(w.failing_since) : '');
// An AWS destination's answer is the message id it took, or its error code.
const outcome = (a) =>
  (a.status_code != null ? String(a.status_code) : a.message_id ? 'taken (' + a.message_id + ')' : a.aws_error ? a.error + ' ' + a.aws_error.code : a.token_endpoint ? 'no token (the token endpoint answered ' + (a.token_endpoint.status_code ?? 'nothing') + ')' : a.error || '') +
  (a.token_refresh ? ' after a 401 to an expired token, fetched again' : '');
/** A webhook's last 24 hours, in words: the success rate of what finished, and the last attempt. */
const healthText = (h) => (h.success_rate == null ? 'no finished deliveries' : Math.round(h.success_rate * 100) + '% of ' + (h.succeeded + h.failed) + (h.complete ? '' : ' latest') + ' succeeded') + (h.last_attempt ? '; last attempt ' + utc(h.last_attempt.attempted_at) + ' (' + outcome(h.last_attempt) + ')' : '');
async function loadWebhooks() {
  const list = await api('GET', '/api/v1/admin/webhooks');
  hooks = list.data;
  const body = $('webhooks'); body.replaceChildren();
  if (list.data.length === 0) body.append(el('tr', {}, el('td', { colSpan: 5 }, 'No webhooks yet.')));
  for (const w of list.data) {
    const open = el('button', { type: 'button', 'aria-label': 'Open ' + w.url }, 'Open');
    open.addEventListener('click', () => { current = w; firstPage(); renderDetail(); });
    const health = el('td', { 'data-label': 'Last 24 h', class: 'muted' }, '…');
    api('GET', hookPath(w.id, '/health')).then((h) => { health.textContent = healthText(h); health.className = h.failed > 0 ? 'status-failed' : 'muted'; }, () => { health.textContent = '-'; });
    body.append(el('tr', {}, el('td', { 'data-label': 'URL' }, el('span', { class: 'secret' }, w.url)), el('td', { 'data-label': 'Status', class: 'status-' + (w.status === 'active' && w.failing_since ? 'failing' : w.status) }, statusText(w)), el('td', { 'data-label': 'Events' }, w.events ? w.events.join(', ') : 'all'), health, el('td', { 'data-label': '' }, open)));
  }
  say(plural(list.data.length, 'webhook') + '.');
}
async function renderDetail() {
  $('detail').hidden = false; $('delete-confirm').hidden = true; sayDetail(''); sayRecover(''); $('detail-url').textContent = current.url; $('detail-id').textContent = current.id; $('newsecret').hidden = true;
  const headers = Object.entries(current.headers || {});
  $('detail-headers').hidden = headers.length === 0; $('detail-headers-list').textContent = headers.map(([k, v]) => k + ': ' + v).join('; ');
  const auth = authText(current); $('detail-auth').hidden = !auth; $('detail-auth').textContent = auth;
  const own = [current.retry_schedule ? 'retries after ' + current.retry_schedule.join(', ') + ' s' : '', current.timeout_seconds ? 'a ' + current.timeout_seconds + ' s timeout' : '', current.rate_limit_per_second ? 'at most ' + current.rate_limit_per_second + ' attempts a second' : '', current.ordered ? 'delivered one at a time in publish order' : '', current.filter ? 'only events matching ' + JSON.stringify(current.filter) : '', current.signature_scheme === 'ed25519' ? 'signed with ed25519, public key ' + current.public_key : ''].filter(Boolean);
  $('detail-options').hidden = own.length === 0; $('detail-options').textContent = 'Its own settings: ' + own.join('; ') + '.';
  // A disabled webhook receives nothing: no test event to send, no retry to make.
  const disabled = current.status !== 'active';
  $('test').hidden = disabled; $('detail-disabled').hidden = !disabled; $('check').hidden = !current.destination;
  $('detail-disabled').textContent = disabled ? 'This webhook is disabled' + (current.disabled_reason ? ' (' + current.disabled_reason + ')' : '') + ': it receives nothing until it is enabled again.' : '';
  // The account webhook (seed 000) is managed through its own routes: no edit, disable or delete here.
  const admin = current.surface !== 'account';
  $('edit').hidden = !admin; $('delete').hidden = !admin; $('toggle').hidden = !admin; $('toggle').textContent = disabled ? 'Enable' : 'Disable';
  await loadDeliveries();
  $('detail-title').focus();
}
/** A delivery's attempts, opened on demand: when, the answer or why none came, and the receiver's words. */
const attemptsOf = (d) => el('details', {}, el('summary', {}, plural(d.attempts.length, 'attempt')), ...d.attempts.map((a) => el('div', {}, el('div', {}, '#' + a.number + ' ' + utcSeconds(a.attempted_at) + ' - ' + outcome(a) + ' in ' + a.response_time_ms + ' ms (' + a.trigger + ')' + (a.error_detail ? ': ' + a.error_detail : '')), a.response_body ? el('pre', {}, a.response_body) : '')));
/** A delivery's retry button; the row answers it: its status turns pending, and a message beside the button. */
function retryControl(webhook, d, statusCell) {
  const retry = el('button', { type: 'button', class: 'mutates needs-retry', 'aria-label': 'Retry delivery ' + d.id }, 'Retry');
  const said = el('span', { role: 'status', class: 'muted' });
  retry.disabled = d.status === 'succeeded' || webhook.status !== 'active';
  retry.addEventListener('click', async () => { try { const r = await api('POST', hookPath(webhook.id, '/deliveries/' + encodeURIComponent(d.id) + '/retry')); statusCell.textContent = 'pending'; statusCell.className = 'status-pending'; retry.disabled = true; sayIn(said, 'Retry queued (attempt ' + r.attempt + '). Refresh to follow it.'); } catch (e) { sayIn(said, e.message, true); } });
  return [retry, said];
}
const eventButton = (eventId) => { const b = el('button', { type: 'button', 'aria-label': 'View event ' + eventId }, 'View event'); b.addEventListener('click', () => findEvent(eventId)); return b; };
async function loadDeliveries() {
  const failedOnly = $('failed-only').checked;
  const page = await api('GET', hookPath(current.id, '/deliveries?limit=' + LIMIT + (cursors.at(-1) ? '&starting_after=' + encodeURIComponent(cursors.at(-1)) : '') + (failedOnly ? '&status=failed' : '')));
  const body = $('deliveries'); body.replaceChildren();
  // A filtered page reads a bounded stretch of the history: empty with more to follow is not "none".
  if (page.data.length === 0) body.append(el('tr', {}, el('td', { colSpan: 8 }, page.has_more ? 'None in this stretch of the history; older deliveries follow: use Next.' : failedOnly ? 'No failed deliveries.' : 'No deliveries yet.')));
  for (const d of page.data) {
    const statusCell = el('td', { 'data-label': 'Status', class: 'status-' + d.status }, d.status);
    const [retry, said] = retryControl(current, d, statusCell);
    body.append(el('tr', { class: 'delivery', 'data-id': d.id },
      el('td', { 'data-label': 'Event' }, d.event_type, el('div', { class: 'muted' }, when(d.created_at))),
      statusCell,
      el('td', { 'data-label': 'Code' }, d.status_code == null ? '-' : d.status_code),
      el('td', { 'data-label': 'Time' }, d.response_time_ms == null ? '-' : d.response_time_ms + ' ms'),
      el('td', { 'data-label': 'Retries' }, d.retry_count),
      el('td', { 'data-label': 'Next attempt' }, d.next_attempt_at ? utcSeconds(d.next_attempt_at) : '-'),
      el('td', { 'data-label': 'Attempts' }, attemptsOf(d)),
      el('td', { 'data-label': '' }, retry, eventButton(d.event_id), said)));
  }
  const start = starts.at(-1); const end = start + page.data.length;
  $('page').textContent = page.data.length === 0 ? '' : (start + 1) + '-' + end + (page.has_more ? ' of more' : ' of ' + end);
  $('prev').disabled = cursors.length === 1; $('next').disabled = !page.has_more;
  nextCursor = { after: page.next_starting_after, start: end };
}
$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault(); apiKey = $('apikey').value.trim(); if (!apiKey) return;
  try { await loadWebhooks(); sessionStorage.setItem(KEY, apiKey); show(true); $('apikey').value = ''; } catch (err) { apiKey = null; say(err.message, true); }
});
$('signout').addEventListener('click', () => signOut());
$('failed-only').addEventListener('change', () => { firstPage(); loadDeliveries().catch((e) => sayDetail(e.message, true)); });
$('refresh').addEventListener('click', () => loadDeliveries().catch((e) => sayDetail(e.message, true)));
$('prev').addEventListener('click', () => { if (cursors.length > 1) { cursors.pop(); starts.pop(); } loadDeliveries().catch((e) => sayDetail(e.message, true)); });
$('next').addEventListener('click', () => { if (!nextCursor || !nextCursor.after) return; cursors.push(nextCursor.after); starts.push(nextCursor.start); loadDeliveries().catch((e) => sayDetail(e.message, true)); });
$('test').addEventListener('click', async () => { try { const r = await api('POST', hookPath(current.id, '/test')); sayDetail('Test event ' + r.event_id + ' sent.'); } catch (e) { sayDetail(e.message, true); } });
$('rotate').addEventListener('click', async () => {
  if (!confirm('Rotate the signing secret? The old one keeps signing for 24 hours.')) return;
  try { const r = await api('POST', current.surface === 'account' ? '/v1/webhooks/rotate-secret' : hookPath(current.id, '/rotate-secret'), {}); if (r.public_key) { current = r; renderDetail(); sayDetail('Key pair rotated. The new public key: ' + r.public_key + ' (the old one keeps signing through the grace period).'); } else { $('secret-value').textContent = r.secret; $('newsecret').hidden = false; sayDetail('Secret rotated. Copy it now: it is not shown again.'); } } catch (e) { sayDetail(e.message, true); }
});
$('hide-secret').addEventListener('click', () => { $('secret-value').textContent = ''; $('newsecret').hidden = true; });
$('recover-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const since = fromUtcInput($('since').value); const until = $('until').value ? fromUtcInput($('until').value) : null;
  if (isNaN(since.getTime())) { sayRecover('Choose when the window starts.', true); return; }
  const hook = current.id;
  try {
    // Started at once; the worker finds the failed deliveries and re-sends them: follow its progress.
    let r = await api('POST', hookPath(hook, '/recover'), { since: since.toISOString(), ...(until ? { until: until.toISOString() } : {}) });
    sayRecover('Recovery started: finding failed deliveries…');
    while (r.status !== 'done') {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      r = await api('GET', hookPath(hook, '/recoveries/' + encodeURIComponent(r.id)));
      if (r.status !== 'done') sayRecover('Recovery running: ' + r.sent + ' of ' + plural(r.count, 'failed delivery', 'failed deliveries') + ' found so far re-sent…');
    }
    sayRecover('Recovery done: ' + r.sent + ' of ' + plural(r.count, 'failed delivery', 'failed deliveries') + ' re-sent.');
  } catch (err) { sayRecover(err.message, true); }
});
`;

/** The script's last lines: a portal link in the address, a key kept from before, or the sign-in form. */
export const START_SCRIPT = `
const link = /^#portal=(hpl_[A-Za-z0-9_-]{43})$/.exec(location.hash);
if (link) {
  // Out of the address bar and the history at once: the token opens once, and only here.
  history.replaceState(null, '', location.pathname + location.search);
  sessionStorage.removeItem(KEY); apiKey = null;
  openPortal(link[1]).catch((e) => say(e.message, true));
} else if (apiKey) { loadWebhooks().then(() => show(true), (e) => say(e.message, true)); } else show(false);
`;
