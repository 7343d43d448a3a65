import { describe, expect, it } from 'vitest';
import { fanOut, processAttempt } from '../../lambdas/shared/domain/delivery';
import { createAdminWebhook, getWebhook, updateWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import type { HttpResult } from '../../lambdas/shared/domain/ports';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { adminWebhookView } from '../../lambdas/shared/http/views';
import { fakePorts, ok, type RecordedRequest, silentLog } from '../support/fakes';
import { issue, makeCa } from '../support/test-ca';

/**
 * Receiver auth in the domain (issue 27), its ports faked but the token cache real: what each
 * scheme puts on the request, what a read shows of the credentials (never a value), and how an
 * OAuth token is fetched, cached, refreshed on a 401, and how its failure is the attempt's.
 * The same schemes against real loopback servers (a token server, an mTLS receiver) are in
 * test/adapters/receiver-auth.test.ts and test/e2e/receiver-auth.test.ts.
 */
const TOKEN_URL = 'https://idp.example.com/oauth/token';
const RECEIVER = 'https://receiver.example.com/hooks';

const tokenAnswer = (token: string, expiresIn?: number): HttpResult => ({
  statusCode: 200,
  responseTimeMs: 3,
  error: null,
  contentType: 'application/json',
  bodyExcerpt: JSON.stringify({ access_token: token, token_type: 'Bearer', ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) }),
});

const setup = async (respond: (req: RecordedRequest) => HttpResult | Promise<HttpResult> = () => ok(200)) => {
  const f = fakePorts();
  f.http.respond = respond;
  f.ports.settings = { ...f.ports.settings, retrySchedule: [60, 300] };
  await createTenant(f.ports, { id: 'acme' });
  const publish = async () => {
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 1 } });
    return (await fanOut(f.ports, f.fanOutOf(id), silentLog)).deliveries;
  };
  const toReceiver = () => f.http.requests.filter((r) => r.url === RECEIVER);
  const toIdp = () => f.http.requests.filter((r) => r.url === TOKEN_URL);
  return { f, publish, toReceiver, toIdp };
};

const oauthHook = (f: ReturnType<typeof fakePorts>, extra: Record<string, string> = {}) =>
  createAdminWebhook(f.ports, 'acme', {
    url: RECEIVER,
    events: ['price.alert'],
    auth: { type: 'oauth2_client_credentials', token_url: TOKEN_URL, client_id: 'hookpost', client_secret: 'client-secret-value', scope: 'webhooks:write', ...extra },
  });

describe('Basic credentials and sensitive headers', () => {
  it('sends Basic credentials and sealed headers, and a read shows only that they are set', async () => {
    const { f, publish, toReceiver } = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', {
      url: RECEIVER,
      events: ['price.alert'],
      auth: { type: 'basic', username: 'hookpost', password: 'pa55-w0rd-value' },
      headers: { 'X-Api-Key': 'key-value-1', 'X-Region': 'eu-1', 'X-Signing-Token': 'token-value-2' },
      sensitiveHeaders: ['x-signing-token'],
    });
    await publish();
    const [req] = toReceiver();
    expect(req!.headers).toMatchObject({ Authorization: `Basic ${Buffer.from('hookpost:pa55-w0rd-value').toString('base64')}`, 'X-Api-Key': 'key-value-1', 'X-Region': 'eu-1', 'X-Signing-Token': 'token-value-2' });
    const stored = JSON.stringify(await getWebhook(f.ports, 'acme', endpoint.id));
    const view = JSON.stringify(adminWebhookView(await getWebhook(f.ports, 'acme', endpoint.id)));
    for (const secret of ['pa55-w0rd-value', 'key-value-1', 'token-value-2']) {
      expect(stored).not.toContain(secret);
      expect(view).not.toContain(secret);
    }
    expect(JSON.parse(view)).toMatchObject({
      headers: { 'X-Region': 'eu-1' },
      sensitive_headers: { 'X-Api-Key': { set_at: '2026-02-16T12:00:00.000Z' }, 'X-Signing-Token': { set_at: '2026-02-16T12:00:00.000Z' } },
      auth: { type: 'basic', username: 'hookpost', password: { set_at: '2026-02-16T12:00:00.000Z' } },
    });
  });

  it('an update keeps a credential it does not name, replaces one it gives, removes one it nulls; {} removes every header', async () => {
    const { f, publish, toReceiver } = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], headers: { Cookie: 'session=1', 'X-Api-Key': 'old-key', 'X-Region': 'eu-1' } });
    f.advance(60);
    await updateWebhook(f.ports, 'acme', endpoint.id, { headers: { 'X-Region': 'us-1', 'X-Api-Key': 'new-key' } });
    let view = adminWebhookView(await getWebhook(f.ports, 'acme', endpoint.id));
    expect(view.headers).toEqual({ 'X-Region': 'us-1' });
    expect(view.sensitive_headers).toEqual({ Cookie: { set_at: '2026-02-16T12:00:00.000Z' }, 'X-Api-Key': { set_at: '2026-02-16T12:01:00.000Z' } });
    await publish();
    expect(toReceiver()[0]!.headers).toMatchObject({ Cookie: 'session=1', 'X-Api-Key': 'new-key', 'X-Region': 'us-1' });
    await updateWebhook(f.ports, 'acme', endpoint.id, { headers: { 'X-Region': 'us-1', Cookie: null } });
    view = adminWebhookView(await getWebhook(f.ports, 'acme', endpoint.id));
    expect(Object.keys(view.sensitive_headers!)).toEqual(['X-Api-Key']);
    await updateWebhook(f.ports, 'acme', endpoint.id, { headers: {} });
    view = adminWebhookView(await getWebhook(f.ports, 'acme', endpoint.id));
    expect(view.headers).toBeUndefined();
    expect(view.sensitive_headers).toBeUndefined();
  });

  it('a header stored in the clear before credentials were sealed is never shown, and is sealed on the next update', async () => {
    const { f } = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'] });
    // As an endpoint written by an earlier version holds it.
    await f.stores.updateEndpoint('acme', endpoint.id, { headers: { Authorization: 'Bearer legacy-token', 'X-Region': 'eu-1' }, updatedAt: '2026-02-16T12:00:00.000Z' });
    const before = adminWebhookView(await getWebhook(f.ports, 'acme', endpoint.id));
    expect(JSON.stringify(before)).not.toContain('legacy-token');
    expect(before).toMatchObject({ headers: { 'X-Region': 'eu-1' }, sensitive_headers: { Authorization: { set_at: '2026-02-16T12:00:00.000Z' } } });
    await updateWebhook(f.ports, 'acme', endpoint.id, { events: ['price.alert', 'account.updated'] });
    const after = await getWebhook(f.ports, 'acme', endpoint.id);
    expect(JSON.stringify(after)).not.toContain('legacy-token');
    expect(after.headers).toEqual({ 'X-Region': 'eu-1' });
    expect(Object.keys(after.sensitiveHeaders!)).toEqual(['Authorization']);
  });

  it('refuses what cannot work: an Authorization header beside an auth that sets it, a marked header that is not sent, auth on an AWS destination', async () => {
    const { f } = await setup();
    await expect(
      createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], headers: { Authorization: 'Bearer x' }, auth: { type: 'basic', username: 'u', password: 'p' } }),
    ).rejects.toThrow(/"Authorization" is set by the webhook's basic auth/);
    await expect(createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], headers: { 'X-A': '1' }, sensitiveHeaders: ['X-B'] })).rejects.toThrow(/"X-B" is not among the headers sent/);
    await expect(createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], auth: { type: 'basic', username: 'a:b', password: 'p' } })).rejects.toThrow(/RFC 7617/);
    f.ports.settings = { ...f.ports.settings, destinations: { principalArn: 'arn:aws:iam::111122223333:role/destinations', platformAccount: '111122223333', source: 'hookpost' } };
    await expect(
      createAdminWebhook(f.ports, 'acme', {
        destination: { type: 'sqs', target: 'https://sqs.eu-west-1.amazonaws.com/444455556666/orders', role_arn: 'arn:aws:iam::444455556666:role/r' },
        events: ['price.alert'],
        auth: { type: 'basic', username: 'u', password: 'p' },
      }),
    ).rejects.toThrow(/takes no receiver auth/);
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], auth: { type: 'basic', username: 'u', password: 'p' } });
    // Switching type needs the new type's secret; the old one is not carried over.
    await expect(updateWebhook(f.ports, 'acme', endpoint.id, { auth: { type: 'oauth2_client_credentials', token_url: TOKEN_URL, client_id: 'c' } })).rejects.toThrow(/auth.client_secret: required/);
    await updateWebhook(f.ports, 'acme', endpoint.id, { auth: { type: 'basic', username: 'renamed' } });
    expect((await getWebhook(f.ports, 'acme', endpoint.id)).auth).toMatchObject({ type: 'basic', username: 'renamed' });
    await updateWebhook(f.ports, 'acme', endpoint.id, { auth: null });
    expect((await getWebhook(f.ports, 'acme', endpoint.id)).auth).toBeUndefined();
  });
});

describe('OAuth 2.0 client credentials', () => {
  it('asks the token endpoint as RFC 6749 says (Basic client auth, scope, form body) and sends the token as a bearer', async () => {
    const { f, publish, toReceiver, toIdp } = await setup((req) => (req.url === TOKEN_URL ? tokenAnswer('tok-1', 3600) : ok(200)));
    await oauthHook(f, { audience: 'https://receiver.example.com' });
    const [delivery] = await publish();
    expect(delivery).toMatchObject({ status: 'succeeded' });
    const [grant] = toIdp();
    expect(grant!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
    const [id, secret] = Buffer.from(grant!.headers.authorization!.replace(/^Basic /, ''), 'base64').toString().split(':').map((p) => decodeURIComponent(p));
    expect([id, secret]).toEqual(['hookpost', 'client-secret-value']);
    expect(Object.fromEntries(new URLSearchParams(grant!.body))).toEqual({ grant_type: 'client_credentials', scope: 'webhooks:write', audience: 'https://receiver.example.com' });
    expect(toReceiver()[0]!.headers.Authorization).toBe('Bearer tok-1');
  });

  it('client_secret_post puts the client credentials in the body instead', async () => {
    const { f, publish, toIdp } = await setup((req) => (req.url === TOKEN_URL ? tokenAnswer('tok-1', 3600) : ok(200)));
    await oauthHook(f, { client_auth: 'client_secret_post' });
    await publish();
    const [grant] = toIdp();
    expect(grant!.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(grant!.body))).toMatchObject({ grant_type: 'client_credentials', client_id: 'hookpost', client_secret: 'client-secret-value' });
  });

  it('a burst of deliveries fetches one token; it is fetched again only shortly before it expires', async () => {
    let issued = 0;
    const { f, publish, toReceiver, toIdp } = await setup(async (req) => {
      if (req.url !== TOKEN_URL) return ok(200);
      await new Promise((r) => setTimeout(r, 20)); // the burst arrives while the first fetch is under way
      return tokenAnswer(`tok-${++issued}`, 600);
    });
    await oauthHook(f);
    await Promise.all(Array.from({ length: 20 }, () => publish()));
    expect(toIdp()).toHaveLength(1);
    expect(new Set(toReceiver().map((r) => r.headers.Authorization))).toEqual(new Set(['Bearer tok-1']));
    f.advance(600 - 61); // within a minute of expiring: still the cached one
    await publish();
    expect(toIdp()).toHaveLength(1);
    f.advance(2);
    await publish();
    expect(toIdp()).toHaveLength(2);
    expect(toReceiver().at(-1)!.headers.Authorization).toBe('Bearer tok-2');
  });

  it('a 401 to a cached token fetches a new one once and sends again; both answers are in the history', async () => {
    let issued = 0;
    const { f, publish, toReceiver, toIdp } = await setup((req) => {
      if (req.url === TOKEN_URL) return tokenAnswer(`tok-${++issued}`, 3600);
      return req.headers.Authorization === 'Bearer tok-1' && issued > 1 ? ok(401, 'token revoked') : ok(200);
    });
    await oauthHook(f);
    await publish(); // tok-1 cached
    issued++; // the identity provider revokes tok-1 (the receiver now refuses it) and will issue tok-3
    const [delivery] = await publish();
    expect(toIdp()).toHaveLength(2);
    expect(toReceiver().map((r) => r.headers.Authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-3']);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: [{ statusCode: 200, error: null, tokenRefresh: { statusCode: 401, responseBody: 'token revoked' } }] });
  });

  it('a 401 to a token just fetched is the attempt\'s answer: no refresh loop', async () => {
    const { f, publish, toReceiver, toIdp } = await setup((req) => (req.url === TOKEN_URL ? tokenAnswer('tok-1', 3600) : ok(401, 'wrong audience')));
    await oauthHook(f);
    const [delivery] = await publish();
    expect(toIdp()).toHaveLength(1);
    expect(toReceiver()).toHaveLength(1);
    expect(delivery).toMatchObject({ status: 'retrying', attempts: [{ statusCode: 401, error: 'http_status', responseBody: 'wrong audience' }] });
    expect(delivery!.attempts[0]!.tokenRefresh).toBeUndefined();
  });

  it('a token endpoint that refuses is the attempt\'s failure: nothing sent, its status and words recorded, retried on the schedule', async () => {
    let refuse = true;
    const { f, publish, toReceiver } = await setup((req) => {
      if (req.url !== TOKEN_URL) return ok(200);
      return refuse
        ? { statusCode: 401, responseTimeMs: 4, error: null, contentType: 'application/json', bodyExcerpt: JSON.stringify({ error: 'invalid_client', error_description: 'unknown client' }) }
        : tokenAnswer('tok-ok', 3600);
    });
    await oauthHook(f);
    const [delivery] = await publish();
    expect(toReceiver()).toHaveLength(0);
    expect(delivery).toMatchObject({
      status: 'retrying',
      attempts: [{ statusCode: null, error: 'auth', detail: `token endpoint ${TOKEN_URL}: answered 401: invalid_client (unknown client)`, tokenEndpoint: { statusCode: 401, responseBody: expect.stringContaining('invalid_client') } }],
    });
    refuse = false;
    const retry = f.scheduled.shift()!;
    f.advance(60);
    const after = await processAttempt(f.ports, retry.message, silentLog);
    expect(after).toMatchObject({ outcome: 'attempted', delivery: { status: 'succeeded' } });
    expect(toReceiver()[0]!.headers.Authorization).toBe('Bearer tok-ok');
  });

  it('an answer that is not a token, or no answer, fails the attempt the same way', async () => {
    const answers: HttpResult[] = [
      { statusCode: 200, responseTimeMs: 2, error: null, contentType: 'text/html', bodyExcerpt: '<html>login</html>' },
      { statusCode: null, responseTimeMs: 10_000, error: 'timeout', detail: 'no response within 10000 ms', bodyExcerpt: null },
      { statusCode: 302, responseTimeMs: 2, error: null, bodyExcerpt: null },
    ];
    const { f, publish, toReceiver } = await setup((req) => (req.url === TOKEN_URL ? answers.shift()! : ok(200)));
    await oauthHook(f);
    const details = [];
    for (let i = 0; i < 3; i++) {
      const [d] = await publish();
      expect(d!.attempts[0]).toMatchObject({ error: 'auth', statusCode: null });
      details.push(d!.attempts[0]!.detail);
    }
    expect(details[0]).toMatch(/answered 200, not a token/);
    expect(details[1]).toMatch(/timeout: no response within 10000 ms/);
    expect(details[2]).toMatch(/answered 302/);
    expect(toReceiver()).toHaveLength(0);
  });

  it('a changed client secret is a new token, never the old one', async () => {
    let issued = 0;
    const { f, publish, toReceiver } = await setup((req) => (req.url === TOKEN_URL ? tokenAnswer(`tok-${++issued}`, 3600) : ok(200)));
    const { endpoint } = await oauthHook(f);
    await publish();
    await updateWebhook(f.ports, 'acme', endpoint.id, { auth: { type: 'oauth2_client_credentials', token_url: TOKEN_URL, client_id: 'hookpost', client_secret: 'rotated-secret' } });
    await publish();
    expect(toReceiver().map((r) => r.headers.Authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });
});

describe('mutual TLS', () => {
  it('hands the sender the certificate and key; a read shows the certificate\'s names and expiry, never the key', async () => {
    const ca = await makeCa('Receiver CA');
    const client = await issue(ca, { subject: 'hookpost acme', kind: 'client', notAfter: new Date('2027-02-01T00:00:00Z'), notBefore: new Date('2026-01-01T00:00:00Z') });
    const { f, publish, toReceiver } = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], auth: { type: 'mtls', certificate: client.certPem, private_key: client.keyPem, ca_bundle: ca.certPem } });
    await publish();
    expect(toReceiver()[0]!.options?.tls).toEqual({ cert: client.certPem, key: client.keyPem, ca: ca.certPem });
    const view = adminWebhookView(await getWebhook(f.ports, 'acme', endpoint.id));
    expect(JSON.stringify(view)).not.toContain(client.keyPem.split('\n')[1]!);
    expect(view.auth).toMatchObject({
      type: 'mtls',
      certificate: { subject: 'CN=hookpost acme', issuer: 'CN=Receiver CA', not_after: '2027-02-01T00:00:00.000Z', fingerprint_sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) },
      private_key: { set_at: '2026-02-16T12:00:00.000Z' },
      ca_bundle: { certificates: 1 },
    });
  });

  it('refuses at creation a certificate that is expired, not yet valid, a CA, not matching its key, or over http', async () => {
    const ca = await makeCa('Receiver CA');
    const { f } = await setup();
    const create = (certificate: string, key: string, url = RECEIVER) => createAdminWebhook(f.ports, 'acme', { url, events: ['price.alert'], auth: { type: 'mtls', certificate, private_key: key } });
    const expired = await issue(ca, { subject: 'old', kind: 'client', notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2026-01-01T00:00:00Z') });
    await expect(create(expired.certPem, expired.keyPem)).rejects.toThrow('auth.certificate: expired on 2026-01-01T00:00:00.000Z');
    const future = await issue(ca, { subject: 'new', kind: 'client', notBefore: new Date('2026-06-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    await expect(create(future.certPem, future.keyPem)).rejects.toThrow(/is not valid before 2026-06-01/);
    const good = await issue(ca, { subject: 'good', kind: 'client', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    await expect(create(ca.certPem, ca.keyPem)).rejects.toThrow(/is a CA certificate/);
    await expect(create(good.certPem, expired.keyPem)).rejects.toThrow(/does not match the certificate/);
    await expect(create('not a certificate', good.keyPem)).rejects.toThrow(/must hold PEM certificates/);
    await expect(create(good.certPem, 'not a key')).rejects.toThrow(/does not parse as a PEM private key/);
    await expect(create(good.certPem, good.keyPem, 'http://receiver.example.com/h')).rejects.toThrow(/the url must be https/);
    await expect(create(`${good.certPem}${expired.certPem}`, good.keyPem)).rejects.toThrow(/certificate 1 is not issued by certificate 2/);
    await expect(create(good.certPem + ca.certPem, good.keyPem)).resolves.toBeDefined();
  });

  it('a new certificate given without a key is checked against the stored key; an https url stays required', async () => {
    const ca = await makeCa('Receiver CA');
    const notBefore = new Date('2026-01-01T00:00:00Z');
    const first = await issue(ca, { subject: 'a', kind: 'client', notBefore, notAfter: new Date('2026-03-01T00:00:00Z') });
    const other = await issue(ca, { subject: 'b', kind: 'client', notBefore, notAfter: new Date('2027-03-01T00:00:00Z') });
    const { f } = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], auth: { type: 'mtls', certificate: first.certPem, private_key: first.keyPem } });
    await expect(updateWebhook(f.ports, 'acme', endpoint.id, { auth: { type: 'mtls', certificate: other.certPem } })).rejects.toThrow(/does not match the certificate/);
    await updateWebhook(f.ports, 'acme', endpoint.id, { auth: { type: 'mtls', certificate: other.certPem, private_key: other.keyPem } });
    expect((await getWebhook(f.ports, 'acme', endpoint.id)).auth).toMatchObject({ type: 'mtls', info: { subject: 'CN=b' } });
    await expect(updateWebhook(f.ports, 'acme', endpoint.id, { url: 'http://receiver.example.com/h' })).rejects.toThrow(/the url must be https/);
  });
});

describe('a client certificate about to expire', () => {
  it('is announced once to the operators (webhook.certificate_expiring) from the first attempt within 14 days, and again for its successor', async () => {
    const ca = await makeCa('Receiver CA');
    const { f, publish } = await setup();
    // fakePorts' clock: 2026-02-16T12:00Z. This one expires 20 days later.
    const first = await issue(ca, { subject: 'soon', kind: 'client', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-03-08T12:00:00Z') });
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: RECEIVER, events: ['price.alert'], auth: { type: 'mtls', certificate: first.certPem, private_key: first.keyPem } });
    const notices = () => f.emitted.filter((e) => e.type === 'webhook.certificate_expiring');
    await publish();
    expect(notices()).toHaveLength(0);
    f.advance(7 * 86_400); // 13 days left
    await Promise.all([publish(), publish(), publish()]);
    expect(notices()).toEqual([
      {
        type: 'webhook.certificate_expiring',
        time: '2026-02-23T12:00:00.000Z',
        detail: { tenant_id: 'acme', webhook_id: endpoint.id, url: RECEIVER, subject: 'CN=soon', fingerprint_sha256: expect.any(String), not_after: '2026-03-08T12:00:00.000Z', days_left: 13 },
      },
    ]);
    await publish();
    expect(notices()).toHaveLength(1);
    const next = await issue(ca, { subject: 'next', kind: 'client', notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2026-03-01T00:00:00Z') });
    await updateWebhook(f.ports, 'acme', endpoint.id, { auth: { type: 'mtls', certificate: next.certPem, private_key: next.keyPem } });
    await publish();
    expect(notices().map((n) => n.detail.subject)).toEqual(['CN=soon', 'CN=next']);
  });
});
