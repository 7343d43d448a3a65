import { createHash } from 'node:crypto';
import type { PortalSettings } from '../shared/portal-settings';
import { AUTH_FIELDS_HTML, AUTH_SCRIPT } from './dashboard-auth';
import { CATALOGUE_HTML, CATALOGUE_SCRIPT } from './dashboard-catalogue';
import { ACTIVITY_SCRIPT, activityHtml } from './dashboard-activity';
import { AUDIT_ACTIONS } from '../shared/domain/audit-actions';
import { DESTINATIONS_SCRIPT } from './dashboard-destinations';
import { MANAGE_SCRIPT } from './dashboard-manage';
import { CORE_SCRIPT, START_SCRIPT } from './dashboard-script';
import { STYLE } from './dashboard-style';

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

const SCRIPT = CORE_SCRIPT + DESTINATIONS_SCRIPT + AUTH_SCRIPT + MANAGE_SCRIPT + CATALOGUE_SCRIPT + ACTIVITY_SCRIPT + START_SCRIPT;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page and its headers for one deployment's portal settings: its name, logo and accent
 * colour (a style of its own, admitted by hash), and who may frame it (CSP `frame-ancestors`;
 * with none, `X-Frame-Options: DENY` too).
 */
export const dashboardPage = (portal: PortalSettings, eventTypes: readonly string[]) => {
  // The stack's branding, in a style of its own (admitted by hash): values already checked to be only what they say.
  const vars = [
    ...(portal.accentColor ? [`--accent:${portal.accentColor}`] : []),
    ...(portal.fontFamily ? [`--font:${portal.fontFamily}`] : []),
    ...(portal.radiusPx !== undefined ? [`--radius:${portal.radiusPx}px`] : []),
  ];
  const brand = vars.length > 0 ? `:root{${vars.join(';')}}` : '';
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
<html lang="en"${portal.colorScheme ? ` data-scheme="${portal.colorScheme}"` : ''}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} webhooks</title>
<style>${STYLE}</style>${brand ? `\n<style>${brand}</style>` : ''}
</head>
<body data-catalogue="${escapeHtml(JSON.stringify(eventTypes))}" data-hosts="${escapeHtml(JSON.stringify(portal.frameAncestors))}">
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
<section id="app" hidden aria-label="Your webhooks">
  <nav class="tabs" aria-label="Views"><button type="button" id="tab-webhooks" aria-pressed="true">Webhooks</button><button type="button" id="tab-failures" aria-pressed="false">Failures</button><button type="button" id="tab-find" aria-pressed="false">Find an event</button><button type="button" id="tab-catalogue" aria-pressed="false">Event types</button><button type="button" id="tab-activity" aria-pressed="false">Activity</button></nav>
  <section id="view-webhooks" aria-labelledby="webhooks-title">
  <div class="row"><h2 id="webhooks-title">Webhooks</h2><button type="button" id="new-webhook" class="mutates needs-manage_webhooks">New webhook</button></div>
  <form id="webhook-form" class="card mutates needs-manage_webhooks" hidden aria-labelledby="wf-title" novalidate>
    <h3 id="wf-title">New webhook</h3>
    <label for="wf-kind">Deliver to</label><select id="wf-kind"><option value="url">A URL (an HTTPS POST)</option><option value="sqs">An SQS queue of yours</option><option value="sns">An SNS topic of yours</option><option value="eventbridge">An EventBridge bus of yours</option></select>
    <div id="wf-url-field"><label for="wf-url">URL</label><input id="wf-url" type="url" required spellcheck="false" size="60" placeholder="https://example.com/webhooks"></div>
    <div id="wf-aws" hidden>
      <label for="wf-target">Target: your bus or topic ARN, or your queue ARN or address</label><input id="wf-target" type="text" spellcheck="false" size="60">
      <label for="wf-role">Your role's ARN (hookpost assumes it to write to the target)</label><input id="wf-role" type="text" spellcheck="false" size="60" placeholder="arn:aws:iam::123456789012:role/hookpost-delivery">
      <p id="wf-trust" class="muted"></p>
      <button type="button" id="wf-template">Show the CloudFormation template that makes the role</button>
      <pre id="wf-template-text" class="secret" hidden></pre>
    </div>
    <fieldset id="wf-events"><legend>Events</legend></fieldset>
    <div class="row"><div><label for="wf-scheme">Signature</label><select id="wf-scheme"><option value="hmac-sha256">HMAC-SHA256 (shared secret)</option><option value="ed25519">Ed25519 (key pair)</option></select></div>
      <div id="wf-secret-field"><label for="wf-secret">Secret (empty: generated)</label><input id="wf-secret" type="text" spellcheck="false" autocomplete="off" size="40"></div></div>
    <label><input type="checkbox" id="wf-ordered"> Deliver one at a time, in publish order</label>
    <p id="wf-creation-only" class="muted" hidden>Signature and ordering are chosen when a webhook is created.</p>
    <div id="wf-headers-field"><label for="wf-headers">Headers sent with every delivery (one <code>Name: value</code> a line)</label><textarea id="wf-headers" rows="2" spellcheck="false"></textarea></div>
    ${AUTH_FIELDS_HTML}
    <div class="row"><div><label for="wf-retries">Retry schedule (seconds, comma-separated; empty: default)</label><input id="wf-retries" type="text" inputmode="numeric" spellcheck="false"></div>
      <div><label for="wf-timeout">Timeout (seconds; empty: 30)</label><input id="wf-timeout" type="number" min="1" max="30"></div>
      <div><label for="wf-rate">Rate limit (attempts a second; empty: none)</label><input id="wf-rate" type="number" min="1" max="500"></div></div>
    <label for="wf-filter">Filter (an EventBridge pattern over the event's data, JSON; empty: every event)</label><textarea id="wf-filter" rows="3" spellcheck="false"></textarea>
    <div class="row"><button type="submit" class="primary" id="wf-submit">Create webhook</button><button type="button" id="wf-cancel">Cancel</button></div>
    <p id="wf-status" role="status" aria-live="polite" class="muted"></p>
    <div id="wf-created" class="card" hidden><strong id="wf-created-label">Its signing secret (shown once)</strong>: <span id="wf-created-value" class="secret"></span> <button type="button" id="wf-done">Close</button></div>
  </form>
  <table class="stack"><caption class="sr-only">Your webhooks</caption><thead><tr><th scope="col">URL</th><th scope="col">Status</th><th scope="col">Events</th><th scope="col">Last 24 h</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="webhooks"></tbody></table>
  <section id="detail" class="card" hidden aria-labelledby="detail-title">
    <h2 id="detail-title" tabindex="-1">Deliveries to <span id="detail-url" class="secret"></span></h2>
    <p class="muted">Webhook <span id="detail-id"></span></p>
    <p id="detail-disabled" class="status-failed" hidden></p>
    <p id="detail-options" class="muted" hidden></p>
    <p id="detail-headers" class="muted" hidden>Sent with every delivery: <span id="detail-headers-list" class="secret"></span></p>
    <p id="detail-auth" class="muted" hidden></p>
    <div class="row"><button type="button" id="test" class="mutates needs-manage_webhooks">Send test event</button><button type="button" id="check" class="mutates needs-manage_webhooks" hidden>Check role and target</button><button type="button" id="rotate" class="mutates needs-rotate_secrets">Rotate secret</button><button type="button" id="edit" class="mutates needs-manage_webhooks">Edit</button><button type="button" id="toggle" class="mutates needs-manage_webhooks">Disable</button><button type="button" id="delete" class="mutates needs-manage_webhooks danger">Delete</button><button type="button" id="refresh">Refresh</button>
      <label><input type="checkbox" id="failed-only"> Failed only</label></div>
    <div id="delete-confirm" class="card mutates needs-manage_webhooks" role="alertdialog" aria-labelledby="delete-title" hidden><p id="delete-title"><strong>Delete <span id="delete-what" class="secret"></span>?</strong> It receives nothing more, its pending retries are cancelled, and it cannot be undone.</p>
      <div class="row"><button type="button" id="delete-yes" class="danger">Delete webhook</button><button type="button" id="delete-no">Keep it</button></div></div>
    <p id="detail-status" role="status" aria-live="polite" class="muted"></p>
    <div id="newsecret" class="card" hidden role="alert"><strong>New signing secret</strong> (shown once): <span id="secret-value" class="secret"></span> <button type="button" id="hide-secret">Done</button></div>
    <table class="stack"><caption class="sr-only">Delivery history, newest first</caption><thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Code</th><th scope="col">Time</th><th scope="col">Retries</th><th scope="col">Next attempt</th><th scope="col">Attempts</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="deliveries"></tbody></table>
    <div class="row"><button type="button" id="prev">Newer</button><span id="page" class="muted"></span><button type="button" id="next">Older</button></div>
    <form id="recover-form" class="card mutates needs-retry" aria-labelledby="recover-title">
      <h3 id="recover-title">Retry failed deliveries of a time window</h3>
      <div class="row"><div><label for="since">From (UTC)</label><input id="since" type="datetime-local" required></div><div><label for="until">To (UTC, default: now)</label><input id="until" type="datetime-local"></div><button type="submit">Retry window</button></div>
      <p id="recover-status" role="status" aria-live="polite" class="muted"></p>
    </form>
  </section>
  </section>
  <section id="view-failures" hidden aria-labelledby="failures-title">
    <div class="row"><h2 id="failures-title">Failed deliveries</h2><button type="button" id="failures-refresh">Refresh failures</button></div>
    <p class="muted">Every webhook's deliveries whose retries ran out, newest event first.</p>
    <p id="failures-status" role="status" aria-live="polite" class="muted"></p>
    <table class="stack"><caption class="sr-only">Failed deliveries of every webhook</caption><thead><tr><th scope="col">Webhook</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Last answer</th><th scope="col">Attempts</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="failures"></tbody></table>
    <button type="button" id="failures-more" hidden>Older failures</button>
  </section>
  ${CATALOGUE_HTML}
  ${activityHtml(AUDIT_ACTIONS)}
  <section id="view-find" hidden aria-labelledby="find-title">
    <h2 id="find-title">Find an event</h2>
    <form id="find-form" autocomplete="off"><label for="event-id">Event id (the <code>webhook-id</code> header your endpoint got)</label>
      <div class="row"><input id="event-id" type="search" spellcheck="false" size="36" placeholder="evt_…" required><button type="submit" class="primary">Find</button></div></form>
    <p id="find-status" role="status" aria-live="polite" class="muted"></p>
    <section id="event-result" class="card" hidden aria-labelledby="event-title">
      <h3 id="event-title"></h3><p id="event-time" class="muted"></p>
      <h4>Payload</h4><pre id="event-payload"></pre>
      <p id="event-no-payload" class="muted" hidden>hookpost did not keep this event's payload: it had no idempotency key and every webhook took it at the first attempt.</p>
      <p id="event-erased" class="muted" hidden></p>
      <div class="row mutates needs-erase_payloads"><button type="button" id="erase-payload">Erase payload</button></div>
      <table class="stack"><caption>Its delivery to each webhook</caption><thead><tr><th scope="col">Webhook</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Last answer</th><th scope="col">Attempts</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody id="event-deliveries"></tbody></table>
    </section>
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
