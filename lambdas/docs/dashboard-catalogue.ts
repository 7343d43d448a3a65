/**
 * The dashboard's event catalogue (issue 28; same scope as ./dashboard-script): each type the
 * tenant can subscribe to, with its description, what a publish that breaks its schema meets,
 * its schema and example (formatted, opened on demand), and "Send this example" to one of the
 * tenant's webhooks (`mutates`: a read-only session hides it).
 */
export const CATALOGUE_SCRIPT = `
const VALIDATION_TEXT = { enforce: 'checked: a publish that breaks the schema is refused', warn: 'checked: a publish that breaks the schema is delivered, and counted', off: 'not checked' };
async function loadCatalogue() {
  const list = await api('GET', '/api/v1/admin/event-types');
  const body = $('catalogue'); body.replaceChildren();
  for (const t of list.data) {
    const target = el('select', { 'aria-label': 'Webhook to send the ' + t.type + ' example to' }, ...hooks.filter((w) => w.status === 'active' && !w.destination).map((w) => el('option', { value: w.id }, w.url)));
    const said = el('span', { role: 'status', class: 'muted' });
    const send = el('button', { type: 'button', class: 'mutates needs-manage_webhooks' }, 'Send this example');
    send.disabled = !t.example || target.options.length === 0;
    send.addEventListener('click', async () => {
      try { const r = await api('POST', hookPath(target.value, '/test'), { event_type: t.type }); sayIn(said, 'Sent (event ' + r.event_id + '). Open the webhook to follow it.'); } catch (e) { sayIn(said, e.message, true); }
    });
    const details = el('details', {}, el('summary', {}, 'Schema and example'),
      el('h4', {}, 'Schema'), el('pre', { class: 'secret' }, t.schema ? JSON.stringify(t.schema, null, 2) : 'Any JSON object.'),
      el('h4', {}, 'Example'), el('pre', { class: 'secret' }, t.example ? JSON.stringify(t.example, null, 2) : 'None given.'));
    body.append(el('article', { class: 'card event-type', 'data-type': t.type },
      el('h3', {}, t.type, t.system ? el('span', { class: 'muted' }, ' (sent by hookpost)') : ''),
      el('p', {}, t.description || 'No description.'),
      el('p', { class: 'muted' }, 'Schema version ' + t.version + '; ' + VALIDATION_TEXT[t.validation] + '.'),
      details,
      t.system ? '' : el('div', { class: 'row mutates needs-manage_webhooks' }, target, send, said)));
  }
  sayIn($('catalogue-status'), list.data.length + (list.data.length === 1 ? ' event type.' : ' event types.'));
}
$('tab-catalogue').addEventListener('click', () => { view('catalogue'); loadCatalogue().catch((e) => sayIn($('catalogue-status'), e.message, true)); });
`;

export const CATALOGUE_HTML = `<section id="view-catalogue" hidden aria-labelledby="catalogue-title">
    <h2 id="catalogue-title">Event types</h2>
    <p class="muted">What each event means, the shape of its data, and an example you can send to one of your webhooks.</p>
    <p id="catalogue-status" role="status" aria-live="polite" class="muted"></p>
    <div id="catalogue"></div>
  </section>`;
