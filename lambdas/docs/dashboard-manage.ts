import { RESERVED_HEADER_NAMES, RESERVED_HEADER_PREFIXES } from '../shared/domain/reserved-headers';

/**
 * The dashboard's script, second part (same scope as ./dashboard-script): creating and editing
 * a webhook with every option, disabling, re-enabling and deleting it (after a confirmation in
 * the page), the failed deliveries of every webhook, and an event found by id with its payload.
 * Each control that changes something is `mutates`: a read-only portal session hides it.
 */
export const MANAGE_SCRIPT = `
const RESERVED_NAMES = ${JSON.stringify(RESERVED_HEADER_NAMES)};
const RESERVED_PREFIXES = ${JSON.stringify(RESERVED_HEADER_PREFIXES)};
const CATALOGUE = JSON.parse(document.body.dataset.catalogue || '[]');
const sayForm = (text, bad) => sayIn($('wf-status'), text, bad);
let editing = null;
for (const type of CATALOGUE) $('wf-events').append(el('label', {}, el('input', { type: 'checkbox', name: 'event', value: type }), type));
/** The form for a new webhook, or filled in with one to edit: the choices made at creation only are shown, not offered. */
function openForm(webhook) {
  editing = webhook; $('webhook-form').hidden = false; $('wf-created').hidden = true; sayForm('');
  $('wf-title').textContent = webhook ? 'Edit ' + webhook.url : 'New webhook';
  $('wf-submit').textContent = webhook ? 'Save changes' : 'Create webhook';
  $('wf-url').value = webhook && !webhook.destination ? webhook.url : '';
  openDestination(webhook);
  openAuth(webhook);
  for (const box of $('wf-events').querySelectorAll('input')) box.checked = webhook ? (webhook.events || []).includes(box.value) : false;
  $('wf-headers').value = webhook ? Object.entries(webhook.headers || {}).map(([k, v]) => k + ': ' + v).join('\\n') : '';
  $('wf-retries').value = webhook && webhook.retry_schedule ? webhook.retry_schedule.join(', ') : '';
  $('wf-timeout').value = webhook && webhook.timeout_seconds ? webhook.timeout_seconds : '';
  $('wf-rate').value = webhook && webhook.rate_limit_per_second ? webhook.rate_limit_per_second : '';
  $('wf-filter').value = webhook && webhook.filter ? JSON.stringify(webhook.filter, null, 2) : '';
  $('wf-scheme').value = webhook && webhook.signature_scheme === 'ed25519' ? 'ed25519' : 'hmac-sha256';
  $('wf-ordered').checked = Boolean(webhook && webhook.ordered);
  for (const id of ['wf-scheme', 'wf-ordered']) $(id).disabled = Boolean(webhook);
  $('wf-creation-only').hidden = !webhook; $('wf-secret-field').hidden = Boolean(webhook) || $('wf-scheme').value === 'ed25519'; $('wf-secret').value = '';
  ($('wf-kind').value === 'url' ? $('wf-url') : $('wf-kind')).focus();
}
/** What the form says, as the API takes it; a message for what cannot be read. Empty options: the stack's defaults. */
function formBody() {
  const events = [...$('wf-events').querySelectorAll('input:checked')].map((b) => b.value);
  if (events.length === 0) throw new Error('Choose at least one event.');
  const headers = {};
  for (const line of $('wf-headers').value.split('\\n').map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf(':'); if (at < 1) throw new Error('Headers: write each as Name: value ("' + line + '").');
    const name = line.slice(0, at).trim(), lower = name.toLowerCase();
    if (RESERVED_NAMES.includes(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p))) throw new Error('Headers: ' + name + ' is set by hookpost, HTTP, or a cloud provider or proxy in front of a receiver; a webhook cannot send it.');
    headers[name] = line.slice(at + 1).trim();
  }
  const retries = $('wf-retries').value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (retries.some((n) => !Number.isInteger(n))) throw new Error('Retry schedule: whole seconds, comma-separated (for example 5, 300, 1800).');
  const number = (id, what) => { if ($(id).validity.badInput) throw new Error(what + ': not a number.'); return $(id).value.trim() === '' ? null : Number($(id).value); };
  let filter = null;
  if ($('wf-filter').value.trim()) { try { filter = JSON.parse($('wf-filter').value); } catch { throw new Error('Filter: not valid JSON.'); } }
  const options = { headers, retry_schedule: retries.length ? retries : null, timeout_seconds: number('wf-timeout', 'Timeout'), rate_limit_per_second: number('wf-rate', 'Rate limit'), filter };
  // An AWS destination takes no request headers; a URL webhook's url, a destination's target and role.
  const destination = destinationBody();
  const where = destination ? { destination } : { url: $('wf-url').value.trim() };
  const auth = destination ? undefined : authBody(editing);
  const marked = sensitiveNames();
  const credentials = { ...(auth !== undefined ? { auth } : {}), ...(marked.length ? { sensitive_headers: marked } : {}) };
  if (destination) delete options.headers;
  if (editing) {
    // Credential headers are write-only: the edit names only what changes (see headersForEdit).
    const headers = destination ? undefined : headersForEdit(options.headers, editing);
    delete options.headers;
    return { ...where, events, ...options, ...(headers ? { headers } : {}), ...credentials };
  }
  const body = { ...where, events, ...credentials };
  for (const [k, v] of Object.entries(options)) if (v !== null && !(k === 'headers' && Object.keys(v).length === 0)) body[k] = v;
  if ($('wf-scheme').value === 'ed25519') body.signature_scheme = 'ed25519'; else if ($('wf-secret').value.trim()) body.secret = $('wf-secret').value.trim();
  if ($('wf-ordered').checked) body.ordered = true;
  return body;
}
$('wf-scheme').addEventListener('change', () => { $('wf-secret-field').hidden = $('wf-scheme').value === 'ed25519'; });
$('new-webhook').addEventListener('click', () => openForm(null));
$('edit').addEventListener('click', () => openForm(current));
$('wf-cancel').addEventListener('click', () => { $('webhook-form').hidden = true; editing = null; });
$('webhook-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  let body; try { body = formBody(); } catch (err) { sayForm(err.message, true); return; }
  try {
    const saved = editing ? await api('PATCH', hookPath(editing.id), body) : await api('POST', '/api/v1/admin/webhooks', body);
    await loadWebhooks();
    if (editing) { current = saved; editing = null; $('webhook-form').hidden = true; await renderDetail(); sayDetail('Saved.'); return; }
    // The secret (or an ed25519 webhook's public key) is shown once, here.
    $('wf-created-value').textContent = saved.secret || saved.public_key || ''; $('wf-created-label').textContent = saved.public_key ? 'Its public key' : 'Its signing secret (shown once)';
    $('wf-created').hidden = false; sayForm('Created ' + saved.url + '.' + (saved.destination ? ' Check it (in its deliveries) once your role exists.' : ''));
    tellHost({ type: 'hookpost:webhook.created', webhook_id: saved.id });
  } catch (err) { sayForm(err.message, true); }
});
$('wf-done').addEventListener('click', () => { $('wf-created-value').textContent = ''; $('webhook-form').hidden = true; });
$('toggle').addEventListener('click', async () => {
  const enable = current.status !== 'active';
  try { current = await api('PATCH', hookPath(current.id), { status: enable ? 'active' : 'disabled' }); await loadWebhooks(); await renderDetail(); sayDetail(enable ? 'Enabled: it receives events again.' : 'Disabled: it receives nothing until enabled.'); } catch (e) { sayDetail(e.message, true); }
});
$('delete').addEventListener('click', () => { $('delete-what').textContent = current.url; $('delete-confirm').hidden = false; $('delete-no').focus(); });
$('delete-no').addEventListener('click', () => { $('delete-confirm').hidden = true; $('delete').focus(); });
$('delete-yes').addEventListener('click', async () => {
  try { await api('DELETE', hookPath(current.id)); const url = current.url; current = null; $('detail').hidden = true; await loadWebhooks(); say('Deleted ' + url + '.'); } catch (e) { sayDetail(e.message, true); }
});
/** A webhook of the list by id (one just made elsewhere: by its id, taken as active). */
const hookOf = (id) => hooks.find((h) => h.id === id) || { id, url: id, status: 'active' };
/** A delivery as the failures and event views list it: its webhook, event, answer, attempts, and a retry. */
function deliveryRow(d, withEvent) {
  const statusCell = el('td', { 'data-label': 'Status', class: 'status-' + d.status }, d.status);
  const last = d.attempts.at(-1);
  const [retry, said] = retryControl(hookOf(d.webhook_id), d, statusCell);
  return el('tr', { class: 'delivery', 'data-id': d.id },
    el('td', { 'data-label': 'Webhook' }, el('span', { class: 'secret' }, hookOf(d.webhook_id).url)),
    el('td', { 'data-label': 'Event' }, d.event_type, el('div', { class: 'muted secret' }, d.event_id), el('div', { class: 'muted' }, when(d.created_at))),
    statusCell,
    el('td', { 'data-label': 'Last answer' }, last ? outcome(last) + (last.error_detail ? ': ' + last.error_detail : '') : '-'),
    el('td', { 'data-label': 'Attempts' }, attemptsOf(d)),
    el('td', { 'data-label': '' }, retry, withEvent ? eventButton(d.event_id) : '', said));
}
let failuresAfter = null;
async function loadFailures(more) {
  const page = await api('GET', '/api/v1/admin/failed-deliveries?limit=' + LIMIT + (more && failuresAfter ? '&starting_after=' + encodeURIComponent(failuresAfter) : ''));
  const body = $('failures'); if (!more) body.replaceChildren();
  if (!more && page.data.length === 0) body.append(el('tr', {}, el('td', { colSpan: 6 }, page.has_more ? 'None in this stretch; older failures may follow: use Older failures.' : 'No failed deliveries.')));
  for (const d of page.data) body.append(deliveryRow(d, true));
  failuresAfter = page.next_starting_after; $('failures-more').hidden = !page.has_more;
  sayIn($('failures-status'), plural(body.querySelectorAll('tr.delivery').length, 'failed delivery', 'failed deliveries') + (page.has_more ? ' so far.' : '.'));
}
async function findEvent(id) {
  view('find'); $('event-id').value = id; $('event-result').hidden = true; sayIn($('find-status'), 'Looking for ' + id + '…');
  try {
    const e = await api('GET', '/api/v1/admin/events/' + encodeURIComponent(id));
    $('event-title').replaceChildren(e.type + ' ', el('span', { class: 'secret' }, e.id)); $('event-time').textContent = 'Published ' + utcSeconds(e.created_at);
    $('event-payload').hidden = e.data === null; $('event-payload').textContent = e.data === null ? '' : JSON.stringify(e.data, null, 2);
    $('event-no-payload').hidden = e.data !== null || e.erased_at !== null;
    $('event-erased').hidden = e.erased_at === null;
    $('event-erased').textContent = e.erased_at === null ? '' : 'Its payload was erased ' + utcSeconds(e.erased_at) + ': it is kept nowhere, and no retry sends it again.';
    $('erase-payload').hidden = e.erased_at !== null; $('erase-payload').dataset.id = e.id;
    const body = $('event-deliveries'); body.replaceChildren();
    if (e.deliveries.length === 0) body.append(el('tr', {}, el('td', { colSpan: 6 }, 'No webhook has a delivery of it.')));
    for (const d of e.deliveries) body.append(deliveryRow(d, false));
    $('event-result').hidden = false; sayIn($('find-status'), 'Delivered to ' + plural(e.deliveries.length, 'webhook') + '.');
  } catch (err) { sayIn($('find-status'), err.message, true); }
}
$('tab-webhooks').addEventListener('click', () => view('webhooks'));
$('tab-failures').addEventListener('click', () => { view('failures'); loadFailures(false).catch((e) => sayIn($('failures-status'), e.message, true)); });
$('tab-find').addEventListener('click', () => { view('find'); $('event-id').focus(); });
$('failures-refresh').addEventListener('click', () => loadFailures(false).catch((e) => sayIn($('failures-status'), e.message, true)));
$('failures-more').addEventListener('click', () => loadFailures(true).catch((e) => sayIn($('failures-status'), e.message, true)));
$('erase-payload').addEventListener('click', async () => {
  const id = $('erase-payload').dataset.id;
  if (!id || !confirm('Erase the payload of this event? Its deliveries stay in the history; the data cannot be brought back, and no retry sends it.')) return;
  try { await api('DELETE', '/api/v1/admin/events/' + encodeURIComponent(id) + '/data'); await findEvent(id); sayIn($('find-status'), 'Payload erased.'); } catch (err) { sayIn($('find-status'), err.message, true); }
});
$('find-form').addEventListener('submit', (e) => { e.preventDefault(); const id = $('event-id').value.trim(); if (id) findEvent(id); });
`;
