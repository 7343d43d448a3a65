/**
 * The dashboard's Activity view (issue 28; same scope as ./dashboard-script): the tenant's audit
 * trail, newest first, filtered by webhook or action (each a query of its own list), a page at a
 * time: who did what, when and from where, and what changed (before and after, as reads show
 * them: never a credential).
 */
export const ACTIVITY_SCRIPT = `
const ACTOR_TEXT = { api_key: 'API key', portal_session: 'Portal session', portal_link: 'Portal link', platform: 'The platform' };
let activityAfter = null;
const changeText = (r) => {
  const names = [...new Set([...Object.keys(r.before || {}), ...Object.keys(r.after || {})])];
  if (names.length === 0) return r.target ? Object.entries(r.target).map(([k, v]) => k + ' ' + v).join(', ') : '-';
  const show = (v) => (v === undefined ? '(none)' : JSON.stringify(v));
  return names.map((n) => n + ': ' + show((r.before || {})[n]) + ' → ' + show((r.after || {})[n])).join('; ');
};
async function loadActivity(more) {
  const q = new URLSearchParams({ limit: String(LIMIT) });
  if ($('activity-webhook').value) q.set('webhook_id', $('activity-webhook').value);
  if ($('activity-action').value) q.set('action', $('activity-action').value);
  if (more && activityAfter) q.set('starting_after', activityAfter);
  const page = await api('GET', '/api/v1/admin/audit-log?' + q);
  const body = $('activity'); if (!more) body.replaceChildren();
  if (!more && page.data.length === 0) body.append(el('tr', {}, el('td', { colSpan: 5 }, 'Nothing yet.')));
  for (const r of page.data) {
    const hook = r.webhook_id ? hookOf(r.webhook_id) : null;
    // Each cell's content in one block: on a phone the row stacks label beside content, and the content wraps.
    const cell = (label, ...content) => el('td', { 'data-label': label }, el('div', { class: 'cell' }, ...content));
    body.append(el('tr', { class: 'audit-record', 'data-id': r.id },
      cell('When', when(r.at)),
      cell('Who', ACTOR_TEXT[r.actor.type] || r.actor.type, el('div', { class: 'muted secret' }, r.actor.id)),
      cell('What', el('span', { class: 'secret' }, r.action), hook ? el('div', { class: 'muted secret' }, hook.url) : ''),
      cell('Changed', el('span', { class: 'secret' }, changeText(r))),
      cell('From', r.source.ip || '-', el('div', { class: 'muted secret' }, r.source.user_agent || ''))));
  }
  activityAfter = page.next_starting_after; $('activity-more').hidden = !page.has_more;
  sayIn($('activity-status'), body.querySelectorAll('tr.audit-record').length + (page.has_more ? ' shown; older ones follow.' : ' shown.'));
}
function openActivity() {
  view('activity');
  $('activity-webhook').replaceChildren(el('option', { value: '' }, 'Every webhook'), ...hooks.map((w) => el('option', { value: w.id }, w.url)));
  loadActivity(false).catch((e) => sayIn($('activity-status'), e.message, true));
}
$('tab-activity').addEventListener('click', openActivity);
for (const id of ['activity-webhook', 'activity-action']) $(id).addEventListener('change', () => loadActivity(false).catch((e) => sayIn($('activity-status'), e.message, true)));
$('activity-more').addEventListener('click', () => loadActivity(true).catch((e) => sayIn($('activity-status'), e.message, true)));
`;

export const activityHtml = (actions: readonly string[]) => `<section id="view-activity" hidden aria-labelledby="activity-title">
    <h2 id="activity-title">Activity</h2>
    <p class="muted">Every change to your webhooks, keys and portal links: who made it, when, from where, and what changed.</p>
    <div class="row"><div><label for="activity-webhook">Webhook</label><select id="activity-webhook"><option value="">Every webhook</option></select></div>
      <div><label for="activity-action">Action</label><select id="activity-action"><option value="">Every action</option>${actions.map((a) => `<option value="${a}">${a}</option>`).join('')}</select></div></div>
    <p id="activity-status" role="status" aria-live="polite" class="muted"></p>
    <table class="stack"><caption class="sr-only">Changes, newest first</caption><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Changed</th><th scope="col">From</th></tr></thead><tbody id="activity"></tbody></table>
    <button type="button" id="activity-more" hidden>Older changes</button>
  </section>`;
