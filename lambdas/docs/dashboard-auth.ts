/**
 * The dashboard's script for receiver auth (issue 27; same scope as ./dashboard-script, before
 * ./dashboard-manage): the form's "The receiver wants" choice (HTTP Basic, an OAuth 2.0 token,
 * a client certificate) and its credential headers, which are write-only: an edit shows that
 * each is set and since when, keeps what is left empty, and removes only what is ticked. The
 * detail says how the webhook proves itself, and when its certificate expires.
 */
export const AUTH_SCRIPT = `
const AUTH_PARTS = { basic: 'wf-auth-basic', oauth2_client_credentials: 'wf-auth-oauth', mtls: 'wf-auth-mtls' };
const AUTH_SECRETS = { basic: ['wf-auth-password', 'password'], oauth2_client_credentials: ['wf-auth-client-secret', 'client_secret'], mtls: ['wf-auth-key', 'private_key'] };
const AUTH_INPUTS = ['wf-auth-username', 'wf-auth-password', 'wf-auth-token-url', 'wf-auth-client-id', 'wf-auth-client-secret', 'wf-auth-scope', 'wf-auth-audience', 'wf-auth-certificate', 'wf-auth-key', 'wf-auth-ca', 'wf-sensitive-names'];
const daysUntil = (iso) => Math.floor((Date.parse(iso) - Date.now()) / 86400000);
function showAuth() { const t = $('wf-auth-type').value; for (const [k, id] of Object.entries(AUTH_PARTS)) $(id).hidden = t !== k; }
/** The auth part of the form, empty or as the webhook has it; secrets are never there to show, only when they were set. */
function openAuth(webhook) {
  const a = (webhook && webhook.auth) || null;
  for (const id of AUTH_INPUTS) { $(id).value = ''; $(id).placeholder = ''; }
  $('wf-auth-type').value = a ? a.type : 'none'; $('wf-auth-client-auth').value = 'client_secret_basic';
  if (a && a.type === 'basic') $('wf-auth-username').value = a.username;
  if (a && a.type === 'oauth2_client_credentials') {
    $('wf-auth-token-url').value = a.token_url; $('wf-auth-client-id').value = a.client_id; $('wf-auth-scope').value = a.scope || ''; $('wf-auth-audience').value = a.audience || ''; $('wf-auth-client-auth').value = a.client_auth;
  }
  if (a) { const [id, field] = AUTH_SECRETS[a.type]; $(id).placeholder = 'Set ' + utcSeconds(a[field].set_at) + '; leave empty to keep it'; }
  if (a && a.type === 'mtls') $('wf-auth-certificate').placeholder = 'Now ' + a.certificate.subject + ', expires ' + utcSeconds(a.certificate.not_after) + '; leave empty to keep it';
  const stored = Object.entries((webhook && webhook.sensitive_headers) || {});
  $('wf-sensitive').hidden = stored.length === 0;
  $('wf-sensitive-list').replaceChildren(...stored.map(([name, c]) => el('label', {}, el('input', { type: 'checkbox', name: 'drop-header', value: name }), 'Remove ' + name + ' (set ' + utcSeconds(c.set_at) + ')')));
  showAuth();
}
/** What the form asks of auth, as the API takes it: undefined leaves it as it is; null removes it. */
function authBody(webhook) {
  const type = $('wf-auth-type').value, had = webhook && webhook.auth;
  if (type === 'none') return had ? null : undefined;
  const v = (id) => $(id).value.trim();
  const secret = (id, field, what) => { const s = $(id).value; if (s) return { [field]: s }; if (had && had.type === type) return {}; throw new Error(what + ': required.'); };
  if (type === 'basic') {
    if (!v('wf-auth-username')) throw new Error('Username: required.');
    return { type, username: v('wf-auth-username'), ...secret('wf-auth-password', 'password', 'Password') };
  }
  if (type === 'oauth2_client_credentials') {
    if (!v('wf-auth-token-url')) throw new Error('Token endpoint: required.');
    if (!v('wf-auth-client-id')) throw new Error('Client id: required.');
    return { type, token_url: v('wf-auth-token-url'), client_id: v('wf-auth-client-id'), ...secret('wf-auth-client-secret', 'client_secret', 'Client secret'), ...(v('wf-auth-scope') ? { scope: v('wf-auth-scope') } : {}), ...(v('wf-auth-audience') ? { audience: v('wf-auth-audience') } : {}), client_auth: $('wf-auth-client-auth').value };
  }
  // A stored certificate is kept whole unless a new one is given.
  if (!v('wf-auth-certificate')) { if (had && had.type === 'mtls') return undefined; throw new Error('Client certificate: required (PEM).'); }
  return { type, certificate: v('wf-auth-certificate'), ...secret('wf-auth-key', 'private_key', 'Private key'), ...(v('wf-auth-ca') ? { ca_bundle: v('wf-auth-ca') } : {}) };
}
/**
 * The headers as an update sends them: the shown ones replaced whole (a header no longer there
 * as null), a credential header kept unless it is named again or ticked for removal.
 */
function headersForEdit(headers, webhook) {
  const out = { ...headers };
  for (const name of Object.keys(webhook.headers || {})) if (!(name in out)) out[name] = null;
  for (const box of $('wf-sensitive-list').querySelectorAll('input:checked')) out[box.value] = null;
  return Object.keys(out).length ? out : undefined;
}
const sensitiveNames = () => $('wf-sensitive-names').value.split(',').map((s) => s.trim()).filter(Boolean);
/** How a webhook proves itself to its receiver, in words (empty: by its signature only). */
function authText(w) {
  const parts = [];
  const a = w.auth;
  if (a && a.type === 'basic') parts.push('HTTP Basic credentials as ' + a.username + ' (password set ' + utcSeconds(a.password.set_at) + ')');
  if (a && a.type === 'oauth2_client_credentials') parts.push('an OAuth 2.0 token from ' + a.token_url + ' as client ' + a.client_id + (a.scope ? ', scope ' + a.scope : '') + ' (secret set ' + utcSeconds(a.client_secret.set_at) + ')');
  if (a && a.type === 'mtls') { const d = daysUntil(a.certificate.not_after); parts.push('the client certificate ' + a.certificate.subject + ' issued by ' + a.certificate.issuer + ', expiring ' + utcSeconds(a.certificate.not_after) + (d < 0 ? ' (expired)' : ' (in ' + d + (d === 1 ? ' day' : ' days') + ')')); }
  const stored = Object.entries(w.sensitive_headers || {});
  if (stored.length) parts.push('the credential header' + (stored.length === 1 ? ' ' : 's ') + stored.map(([n, c]) => n + ' (set ' + utcSeconds(c.set_at) + ')').join(', '));
  return parts.length ? 'Proves itself to the receiver with ' + parts.join(' and ') + '. Credentials are never shown.' : '';
}
$('wf-auth-type').addEventListener('change', showAuth);
`;

/** The form's auth part (inside the URL webhook's fields). */
export const AUTH_FIELDS_HTML = `<div id="wf-auth-field">
      <div id="wf-sensitive" hidden><p class="muted">Credential headers are kept, never shown. Write one under Headers to replace it.</p><fieldset id="wf-sensitive-list"><legend>Stored credential headers</legend></fieldset></div>
      <label for="wf-sensitive-names">Also credentials: header names, comma-separated (Authorization, Cookie and X-Api-Key always are)</label><input id="wf-sensitive-names" type="text" spellcheck="false" size="40">
      <fieldset id="wf-auth"><legend>Receiver authentication</legend>
        <label for="wf-auth-type">The receiver also wants</label><select id="wf-auth-type"><option value="none">Nothing more</option><option value="basic">HTTP Basic credentials</option><option value="oauth2_client_credentials">An OAuth 2.0 token (client credentials)</option><option value="mtls">A client certificate (mutual TLS)</option></select>
        <div id="wf-auth-basic" hidden><div class="row"><div><label for="wf-auth-username">Username</label><input id="wf-auth-username" type="text" spellcheck="false" autocomplete="off"></div><div><label for="wf-auth-password">Password</label><input id="wf-auth-password" type="password" autocomplete="new-password" size="30"></div></div></div>
        <div id="wf-auth-oauth" hidden>
          <label for="wf-auth-token-url">Token endpoint</label><input id="wf-auth-token-url" type="url" spellcheck="false" size="60" placeholder="https://login.example.com/oauth2/token">
          <div class="row"><div><label for="wf-auth-client-id">Client id</label><input id="wf-auth-client-id" type="text" spellcheck="false" autocomplete="off"></div><div><label for="wf-auth-client-secret">Client password</label><input id="wf-auth-client-secret" type="password" autocomplete="new-password" size="30"></div></div>
          <div class="row"><div><label for="wf-auth-scope">Scope (optional)</label><input id="wf-auth-scope" type="text" spellcheck="false"></div><div><label for="wf-auth-audience">Audience (optional)</label><input id="wf-auth-audience" type="text" spellcheck="false"></div>
            <div><label for="wf-auth-client-auth">Client credentials sent</label><select id="wf-auth-client-auth"><option value="client_secret_basic">As HTTP Basic</option><option value="client_secret_post">In the form body</option></select></div></div>
        </div>
        <div id="wf-auth-mtls" hidden>
          <label for="wf-auth-certificate">Client certificate chain (PEM, leaf first)</label><textarea id="wf-auth-certificate" rows="3" spellcheck="false"></textarea>
          <label for="wf-auth-key">Private key (PEM, unencrypted; sealed, never shown)</label><textarea id="wf-auth-key" rows="3" spellcheck="false" autocomplete="off"></textarea>
          <label for="wf-auth-ca">CA bundle for the receiver's server certificate (PEM; optional, for a private CA)</label><textarea id="wf-auth-ca" rows="2" spellcheck="false"></textarea>
        </div>
      </fieldset>
    </div>`;
