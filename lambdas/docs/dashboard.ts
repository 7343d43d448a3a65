import { createHash } from 'node:crypto';
import type { PortalSettings } from '../shared/portal-settings';

/**
 * The tenant dashboard: one self-contained page served at GET /dashboard from the same API it
 * calls (same origin; no CORS, no third-party script). A tenant signs in with its API key, which
 * lives in this tab's sessionStorage until sign-out (never localStorage) and is sent only as
 * the Authorization header; or the platform hands it a portal link (`#portal=<token>`), whose
 * token the page takes out of the address at once and trades, once, for a session it keeps in
 * memory only (never in storage, never in a URL a server logs). The Content-Security-Policy
 * admits exactly this page's script and styles, by hash, and framing only by the origins the
 * stack allows. Every value from the API is written with textContent, never as HTML.
 */
const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--accent:#0969da}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
header h1{font-size:1.1rem;margin:0}main{padding:1rem;max-width:1100px;margin:0 auto}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}input,select{font:inherit;padding:.45rem .5rem;border:1px solid var(--line);border-radius:6px;min-width:0}
button{font:inherit;padding:.45rem .8rem;border:1px solid var(--line);border-radius:6px;background:#f6f8fa;cursor:pointer;min-height:2.5rem}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #54aeff;outline-offset:1px}
table{width:100%;border-collapse:collapse;margin:.5rem 0}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
caption{text-align:left;font-weight:600;padding:.25rem 0}.muted{color:var(--muted)}.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.status-succeeded,.status-active{color:var(--ok)}.status-failed,.status-disabled,.status-failing{color:var(--bad)}.status-retrying,.status-pending{color:var(--warn)}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;padding:.5rem;border-radius:6px;margin:.25rem 0}
.card{border:1px solid var(--line);border-radius:8px;padding:1rem;margin:1rem 0}.secret{font-family:ui-monospace,monospace;word-break:break-all}
[hidden]{display:none!important}.read-only .mutates{display:none!important}header img{max-height:2rem;max-width:10rem}.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:640px){table.stack thead{display:none}table.stack tr{display:block;border-bottom:1px solid var(--line);padding:.4rem 0}
table.stack td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.2rem 0}table.stack td::before{content:attr(data-label);font-weight:600;color:var(--muted)}
header{flex-wrap:wrap}.row>*{flex:1 1 100%}}
`;

const SCRIPT = `
'use strict';
const KEY = 'hookpost.apiKey';
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => { const n = document.createElement(tag); for (const [k, v] of Object.entries(props)) { if (k === 'class') n.className = v; else if (k.startsWith('data-') || k.startsWith('aria-')) n.setAttribute(k, v); else n[k] = v; } for (const c of children) n.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))); return n; };
let apiKey = sessionStorage.getItem(KEY);
// A portal session (from a portal link): in memory only, with when it ends.
let portal = null;
let current = null; const LIMIT = 20;
// Pages walk the history with starting_after: each page's cursor, and how many deliveries came before it.
let cursors = [null]; let starts = [0];
const firstPage = () => { cursors = [null]; starts = [0]; };
let nextCursor = null;
/** Times are shown in UTC and say so (to the minute, or to the second); times entered are UTC too. */
const utc = (iso) => iso.slice(0, 16).replace('T', ' ') + ' UTC';
const utcSeconds = (iso) => iso.slice(0, 19).replace('T', ' ') + ' UTC';
const fromUtcInput = (value) => new Date(value + (value.length === 16 ? ':00' : '') + 'Z');
// Each message next to what it answers: the page's status line, the webhook's actions, the recovery form, a delivery's row.
const sayIn = (node, text, bad) => { node.textContent = text; node.className = bad ? 'status-failed' : 'muted'; };
const say = (text, bad) => sayIn($('status'), text, bad);
const sayDetail = (text, bad) => sayIn($('detail-status'), text, bad);
const sayRecover = (text, bad) => sayIn($('recover-status'), text, bad);
async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { authorization: 'Bearer ' + apiKey, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text(); const data = text ? JSON.parse(text) : null;
  if (res.status === 401) { const ended = portal !== null; signOut(ended ? 'Your session has ended. Open a new link to come back.' : undefined); throw new Error(ended ? 'Your session has ended.' : 'That API key was not accepted.'); }
  if (!res.ok) throw new Error(data && data.error ? data.error.message : 'HTTP ' + res.status);
  return data;
}
function show(signedIn) { $('signin').hidden = signedIn; $('app').hidden = !signedIn; $('signout').hidden = !signedIn; }
function signOut(message) {
  if (portal) clearTimeout(portal.timer);
  const wasPortal = portal !== null; portal = null; document.body.classList.remove('read-only'); $('session').textContent = '';
  apiKey = null; sessionStorage.removeItem(KEY); current = null; $('apikey').value = ''; $('webhooks').replaceChildren(); $('detail').hidden = true;
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
  $('session').textContent = (data.read_only ? 'Read-only session' : 'Session') + ' until ' + utc(data.expires_at);
  await loadWebhooks(); show(true);
}
async function loadWebhooks() {
  const list = await api('GET', '/api/v1/admin/webhooks');
  const body = $('webhooks'); body.replaceChildren();
  if (list.data.length === 0) body.append(el('tr', {}, el('td', { colSpan: 4 }, 'No webhooks yet.')));
  for (const w of list.data) {
    const open = el('button', { type: 'button', 'aria-label': 'Open ' + w.url }, 'Open');
    open.addEventListener('click', () => { current = w; firstPage(); renderDetail(); });
    body.append(el('tr', {}, el('td', { 'data-label': 'URL' }, el('span', { class: 'secret' }, w.url)), el('td', { 'data-label': 'Status', class: 'status-' + (w.status === 'active' && w.failing_since ? 'failing' : w.status) }, w.status + (w.disabled_reason ? ' (' + w.disabled_reason + ')' : '') + (w.status === 'active' && w.failing_since ? ', failing since ' + utc(w.failing_since) : '')), el('td', { 'data-label': 'Events' }, w.events ? w.events.join(', ') : 'all'), el('td', { 'data-label': '' }, open)));
  }
  say(list.data.length + ' webhook(s).');
}
async function renderDetail() {
  $('detail').hidden = false; sayDetail(''); sayRecover(''); $('detail-url').textContent = current.url; $('detail-id').textContent = current.id; $('newsecret').hidden = true;
  const headers = Object.entries(current.headers || {});
  $('detail-headers').hidden = headers.length === 0; $('detail-headers-list').textContent = headers.map(([k, v]) => k + ': ' + v).join('; ');
  const own = [current.retry_schedule ? 'retries after ' + current.retry_schedule.join(', ') + ' s' : '', current.timeout_seconds ? 'a ' + current.timeout_seconds + ' s timeout' : '', current.rate_limit_per_second ? 'at most ' + current.rate_limit_per_second + ' attempts a second' : '', current.ordered ? 'delivered one at a time in publish order' : '', current.filter ? 'only events matching ' + JSON.stringify(current.filter) : '', current.signature_scheme === 'ed25519' ? 'signed with ed25519, public key ' + current.public_key : ''].filter(Boolean);
  $('detail-options').hidden = own.length === 0; $('detail-options').textContent = 'Its own settings: ' + own.join('; ') + '.';
  // A disabled webhook receives nothing: no test event to send, no retry to make.
  const disabled = current.status !== 'active';
  $('test').hidden = disabled; $('detail-disabled').hidden = !disabled;
  $('detail-disabled').textContent = disabled ? 'This webhook is disabled' + (current.disabled_reason ? ' (' + current.disabled_reason + ')' : '') + ': it receives nothing until it is enabled again.' : '';
  await loadDeliveries();
  $('detail-title').focus();
}
async function loadDeliveries() {
  const failedOnly = $('failed-only').checked;
  const page = await api('GET', '/api/v1/admin/webhooks/' + encodeURIComponent(current.id) + '/deliveries?limit=' + LIMIT + (cursors.at(-1) ? '&starting_after=' + encodeURIComponent(cursors.at(-1)) : '') + (failedOnly ? '&status=failed' : ''));
  const body = $('deliveries'); body.replaceChildren();
  if (page.data.length === 0) body.append(el('tr', {}, el('td', { colSpan: 8 }, failedOnly ? 'No failed deliveries.' : 'No deliveries yet.')));
  for (const d of page.data) {
    const retry = el('button', { type: 'button', class: 'mutates', 'aria-label': 'Retry delivery ' + d.id }, 'Retry');
    // The row answers its own retry: its status, and a message beside the button.
    const statusCell = el('td', { 'data-label': 'Status', class: 'status-' + d.status }, d.status);
    const said = el('span', { role: 'status', class: 'muted' });
    retry.disabled = d.status === 'succeeded' || current.status !== 'active';
    retry.addEventListener('click', async () => { try { const r = await api('POST', '/api/v1/admin/webhooks/' + encodeURIComponent(current.id) + '/deliveries/' + encodeURIComponent(d.id) + '/retry'); statusCell.textContent = 'pending'; statusCell.className = 'status-pending'; retry.disabled = true; sayIn(said, 'Retry queued (attempt ' + r.attempt + '). Refresh to follow it.'); } catch (e) { sayIn(said, e.message, true); } });
    const attempts = el('details', {}, el('summary', {}, d.attempts.length + ' attempt(s)'), ...d.attempts.map((a) => el('div', {}, el('div', {}, '#' + a.number + ' ' + utcSeconds(a.attempted_at) + ' - ' + (a.status_code == null ? (a.error || '') : a.status_code) + ' in ' + a.response_time_ms + ' ms (' + a.trigger + ')' + (a.error_detail ? ': ' + a.error_detail : '')), a.response_body ? el('pre', {}, a.response_body) : '')));
    body.append(el('tr', { class: 'delivery', 'data-id': d.id },
      el('td', { 'data-label': 'Event' }, d.event_type, el('div', { class: 'muted' }, utcSeconds(d.created_at))),
      statusCell,
      el('td', { 'data-label': 'Code' }, d.status_code == null ? '-' : d.status_code),
      el('td', { 'data-label': 'Time' }, d.response_time_ms == null ? '-' : d.response_time_ms + ' ms'),
      el('td', { 'data-label': 'Retries' }, d.retry_count),
      el('td', { 'data-label': 'Next attempt' }, d.next_attempt_at ? utcSeconds(d.next_attempt_at) : '-'),
      el('td', { 'data-label': 'Attempts' }, attempts),
      el('td', { 'data-label': '' }, retry, said)));
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
$('signout').addEventListener('click', signOut);
$('failed-only').addEventListener('change', () => { firstPage(); loadDeliveries().catch((e) => sayDetail(e.message, true)); });
$('refresh').addEventListener('click', () => loadDeliveries().catch((e) => sayDetail(e.message, true)));
$('prev').addEventListener('click', () => { if (cursors.length > 1) { cursors.pop(); starts.pop(); } loadDeliveries().catch((e) => sayDetail(e.message, true)); });
$('next').addEventListener('click', () => { if (!nextCursor || !nextCursor.after) return; cursors.push(nextCursor.after); starts.push(nextCursor.start); loadDeliveries().catch((e) => sayDetail(e.message, true)); });
$('test').addEventListener('click', async () => { try { const r = await api('POST', '/api/v1/admin/webhooks/' + encodeURIComponent(current.id) + '/test'); sayDetail('Test event ' + r.event_id + ' sent.'); } catch (e) { sayDetail(e.message, true); } });
$('rotate').addEventListener('click', async () => {
  if (!confirm('Rotate the signing secret? The old one keeps signing for 24 hours.')) return;
  try { const r = await api('POST', current.surface === 'account' ? '/v1/webhooks/rotate-secret' : '/api/v1/admin/webhooks/' + encodeURIComponent(current.id) + '/rotate-secret', {}); if (r.public_key) { current = r; renderDetail(); sayDetail('Key pair rotated. The new public key: ' + r.public_key + ' (the old one keeps signing through the grace period).'); } else { $('secret-value').textContent = r.secret; $('newsecret').hidden = false; sayDetail('Secret rotated. Copy it now: it is not shown again.'); } } catch (e) { sayDetail(e.message, true); }
});
$('hide-secret').addEventListener('click', () => { $('secret-value').textContent = ''; $('newsecret').hidden = true; });
$('recover-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const since = fromUtcInput($('since').value); const until = $('until').value ? fromUtcInput($('until').value) : null;
  if (isNaN(since.getTime())) { sayRecover('Choose when the window starts.', true); return; }
  const hook = current.id;
  try {
    // Started at once; the worker finds the failed deliveries and re-sends them: follow its progress.
    let r = await api('POST', '/api/v1/admin/webhooks/' + encodeURIComponent(hook) + '/recover', { since: since.toISOString(), ...(until ? { until: until.toISOString() } : {}) });
    sayRecover('Recovery started: finding failed deliveries…');
    while (r.status !== 'done') {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      r = await api('GET', '/api/v1/admin/webhooks/' + encodeURIComponent(hook) + '/recoveries/' + encodeURIComponent(r.id));
      if (r.status !== 'done') sayRecover('Recovery running: ' + r.sent + ' of ' + r.count + ' failed deliveries found so far re-sent…');
    }
    sayRecover('Recovery done: ' + r.sent + ' of ' + r.count + ' failed deliveries re-sent.');
  } catch (err) { sayRecover(err.message, true); }
});
const link = /^#portal=(hpl_[A-Za-z0-9_-]{43})$/.exec(location.hash);
if (link) {
  // Out of the address bar and the history at once: the token opens once, and only here.
  history.replaceState(null, '', location.pathname + location.search);
  sessionStorage.removeItem(KEY); apiKey = null;
  openPortal(link[1]).catch((e) => say(e.message, true));
} else if (apiKey) { loadWebhooks().then(() => show(true), (e) => say(e.message, true)); } else show(false);
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page and its headers for one deployment's portal settings: its name, logo and accent
 * colour (a style of its own, admitted by hash), and who may frame it (CSP `frame-ancestors`;
 * with none, `X-Frame-Options: DENY` too).
 */
export const dashboardPage = (portal: PortalSettings) => {
  const brand = portal.accentColor ? `:root{--accent:${portal.accentColor}}` : '';
  const logoOrigin = portal.logoUrl ? new URL(portal.logoUrl).origin : undefined;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}${brand ? ` ${sha256(brand)}` : ''}`,
    "connect-src 'self'",
    `img-src 'self'${logoOrigin ? ` ${logoOrigin}` : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${portal.frameAncestors.length > 0 ? portal.frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
  const name = escapeHtml(portal.productName);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} webhooks</title>
<style>${STYLE}</style>${brand ? `\n<style>${brand}</style>` : ''}
</head>
<body>
<header><h1>${portal.logoUrl ? `<img src="${escapeHtml(portal.logoUrl)}" alt=""> ` : ''}${name} webhooks</h1><span id="session" class="muted"></span><button type="button" id="signout" hidden>Sign out</button></header>
<main>
<p id="status" role="status" aria-live="polite" class="muted"></p>
<section id="ended" hidden aria-labelledby="ended-title">
  <h2 id="ended-title">Signed out</h2>
  <p id="ended-text"></p>
</section>
<section id="signin" aria-labelledby="signin-title">
  <h2 id="signin-title">Sign in</h2>
  <form id="signin-form" autocomplete="off">
    <label for="apikey">API key</label>
    <div class="row"><input id="apikey" name="apikey" type="password" required spellcheck="false" size="48" aria-describedby="apikey-help"><button class="primary" type="submit">Sign in</button></div>
    <p id="apikey-help" class="muted">Kept in this tab only, until you sign out.</p>
  </form>
</section>
<section id="app" hidden aria-labelledby="webhooks-title">
  <h2 id="webhooks-title">Webhooks</h2>
  <table class="stack"><caption class="sr-only">Your webhooks</caption><thead><tr><th scope="col">URL</th><th scope="col">Status</th><th scope="col">Events</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="webhooks"></tbody></table>
  <section id="detail" class="card" hidden aria-labelledby="detail-title">
    <h2 id="detail-title" tabindex="-1">Deliveries to <span id="detail-url" class="secret"></span></h2>
    <p class="muted">Webhook <span id="detail-id"></span></p>
    <p id="detail-disabled" class="status-failed" hidden></p>
    <p id="detail-options" class="muted" hidden></p>
    <p id="detail-headers" class="muted" hidden>Sent with every delivery: <span id="detail-headers-list" class="secret"></span></p>
    <div class="row"><button type="button" id="test" class="mutates">Send test event</button><button type="button" id="rotate" class="mutates">Rotate secret</button><button type="button" id="refresh">Refresh</button>
      <label><input type="checkbox" id="failed-only"> Failed only</label></div>
    <p id="detail-status" role="status" aria-live="polite" class="muted"></p>
    <div id="newsecret" class="card" hidden role="alert"><strong>New signing secret</strong> (shown once): <span id="secret-value" class="secret"></span> <button type="button" id="hide-secret">Done</button></div>
    <table class="stack"><caption class="sr-only">Delivery history, newest first</caption><thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Code</th><th scope="col">Time</th><th scope="col">Retries</th><th scope="col">Next attempt</th><th scope="col">Attempts</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="deliveries"></tbody></table>
    <div class="row"><button type="button" id="prev">Newer</button><span id="page" class="muted"></span><button type="button" id="next">Older</button></div>
    <form id="recover-form" class="card mutates" aria-labelledby="recover-title">
      <h3 id="recover-title">Retry failed deliveries of a time window</h3>
      <div class="row"><div><label for="since">From (UTC)</label><input id="since" type="datetime-local" required></div><div><label for="until">To (UTC, default: now)</label><input id="until" type="datetime-local"></div><button type="submit">Retry window</button></div>
      <p id="recover-status" role="status" aria-live="polite" class="muted"></p>
    </form>
  </section>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(portal.frameAncestors.length === 0 ? { 'x-frame-options': 'DENY' } : {}),
    },
  };
};
