import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpSender } from '../../lambdas/shared/adapters/http-sender';
import { OAuthTokenCache } from '../../lambdas/shared/adapters/oauth-tokens';
import type { TokenRequest } from '../../lambdas/shared/domain/ports';
import { createEgressRules } from '../../lambdas/shared/domain/target-policy';
import { fanOut } from '../../lambdas/shared/domain/delivery';
import { createAdminWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, silentLog } from '../support/fakes';
import { type Receiver, startReceiver } from '../support/receiver';
import { issue, makeCa, type Issued, type TestCa } from '../support/test-ca';
import { startTokenServer, type TokenServer } from '../support/token-server';

/**
 * The sender's side of receiver auth against real loopback servers (issue 27): an mTLS receiver
 * whose private CA issued both its own certificate and the client's, and an OAuth token
 * endpoint that checks client credentials. Node's TLS and oauth4webapi do the protocol work;
 * these tests show they are used so that the receiver's demands are met and nothing is skipped.
 */
describe('mutual TLS against a receiver that requires a client certificate', () => {
  let ca: TestCa;
  let client: Issued;
  let receiver: Receiver;
  const sender = new NodeHttpSender({ timeoutMs: 3000 });

  beforeAll(async () => {
    ca = await makeCa('Receiver Private CA');
    const server = await issue(ca, { subject: 'localhost', kind: 'server' });
    client = await issue(ca, { subject: 'hookpost acme', kind: 'client' });
    receiver = await startReceiver({ tls: { key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true } });
  });
  afterAll(() => receiver.close());

  it('presents the certificate, and verifies the server against the CA bundle given', async () => {
    const result = await sender.post(`${receiver.url}/h`, { 'content-type': 'application/json' }, '{}', { tls: { cert: client.certPem, key: client.keyPem, ca: ca.certPem } });
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(receiver.received.at(-1)!.clientCertificate).toBe('CN=hookpost acme');
  });

  it('the receiver refuses a client without a certificate: nothing is received', async () => {
    const before = receiver.received.length;
    // A client that trusts the receiver's CA but presents no certificate (Node's own https).
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${receiver.url}/h`, { method: 'POST', ca: ca.certPem, agent: false }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end('{}');
    });
    expect(outcome).not.toMatch(/^answered/);
    // hookpost's sender without the certificate does not even trust the private CA's server.
    expect(await sender.post(`${receiver.url}/h`, {}, '{}')).toMatchObject({ statusCode: null, error: 'tls' });
    expect(receiver.received.length).toBe(before);
  });

  it('a certificate from another CA is refused by the receiver', async () => {
    const other = await makeCa('Someone Else');
    const stranger = await issue(other, { subject: 'stranger', kind: 'client' });
    const before = receiver.received.length;
    const result = await sender.post(`${receiver.url}/h`, {}, '{}', { tls: { cert: stranger.certPem, key: stranger.keyPem, ca: ca.certPem } });
    expect(result.statusCode).toBeNull();
    expect(['tls', 'connection']).toContain(result.error);
    expect(receiver.received.length).toBe(before);
  });

  it('never skips verification: the CA bundle adds roots, a server outside them still fails', async () => {
    const other = await makeCa('Unrelated');
    const result = await sender.post(`${receiver.url}/h`, {}, '{}', { tls: { cert: client.certPem, key: client.keyPem, ca: other.certPem } });
    expect(result).toMatchObject({ statusCode: null, error: 'tls' });
  });

  it('connections are not shared between certificates: each request presents its own', async () => {
    const second = await issue(ca, { subject: 'hookpost globex', kind: 'client' });
    const tlsA = { cert: client.certPem, key: client.keyPem, ca: ca.certPem };
    const tlsB = { cert: second.certPem, key: second.keyPem, ca: ca.certPem };
    for (const tls of [tlsA, tlsB, tlsA, tlsB]) expect(await sender.post(`${receiver.url}/h`, {}, '{}', { tls })).toMatchObject({ statusCode: 200 });
    expect(receiver.received.slice(-4).map((r) => r.clientCertificate)).toEqual(['CN=hookpost acme', 'CN=hookpost globex', 'CN=hookpost acme', 'CN=hookpost globex']);
  });

  it('a client certificate over plain http is refused before anything is sent', async () => {
    expect(await sender.post('http://127.0.0.1:9/h', {}, '{}', { tls: { cert: client.certPem, key: client.keyPem } })).toMatchObject({ statusCode: null, error: 'tls', detail: 'a client certificate needs an https URL' });
  });
});

describe('OAuth 2.0 client credentials against a token endpoint', () => {
  let idp: TokenServer;
  const request = (over: Partial<TokenRequest> = {}): TokenRequest => ({
    cacheKey: 'k1',
    tokenUrl: idp.url,
    clientId: 'hookpost',
    clientSecret: 's3cret: with+odd&chars',
    scope: 'webhooks:write',
    clientAuth: 'client_secret_basic',
    ...over,
  });

  beforeAll(async () => {
    idp = await startTokenServer({ hookpost: 's3cret: with+odd&chars' }, 120);
  });
  afterAll(() => idp.close());

  it('authenticates as RFC 6749 §2.3.1 (credentials form-encoded inside Basic, or in the body) and gets a token', async () => {
    const cache = new OAuthTokenCache(new NodeHttpSender({ timeoutMs: 2000 }));
    expect(await cache.token(request())).toMatchObject({ ok: true, cached: false, token: expect.stringMatching(/^tok-\d+$/) });
    expect(idp.grants.at(-1)).toMatchObject({ client: { id: 'hookpost', secret: 's3cret: with+odd&chars', via: 'basic' }, form: { grant_type: 'client_credentials', scope: 'webhooks:write' } });
    expect(await cache.token(request({ cacheKey: 'k2', clientAuth: 'client_secret_post' }))).toMatchObject({ ok: true });
    expect(idp.grants.at(-1)).toMatchObject({ client: { id: 'hookpost', secret: 's3cret: with+odd&chars', via: 'post' } });
  });

  it('a burst of fifty asks fetches one token, and a refused token is fetched again once however many ask', async () => {
    const cache = new OAuthTokenCache(new NodeHttpSender({ timeoutMs: 2000 }));
    const before = idp.grants.length;
    const first = await Promise.all(Array.from({ length: 50 }, () => cache.token(request({ cacheKey: 'burst' }))));
    expect(idp.grants.length - before).toBe(1);
    const token = (first[0] as { token: string }).token;
    expect(new Set(first.map((t) => (t as { token: string }).token))).toEqual(new Set([token]));
    const renewed = await Promise.all(Array.from({ length: 20 }, () => cache.token(request({ cacheKey: 'burst' }), { rejected: token })));
    expect(idp.grants.length - before).toBe(2);
    expect(new Set(renewed.map((t) => (t as { token: string }).token)).size).toBe(1);
    expect((renewed[0] as { token: string }).token).not.toBe(token);
  });

  it('is fetched again shortly before it expires (a minute, or half its life)', async () => {
    let now = 1_000_000;
    const cache = new OAuthTokenCache(new NodeHttpSender({ timeoutMs: 2000 }), () => now);
    const a = await cache.token(request({ cacheKey: 'expiry' }));
    now += 59_000; // 120 s token: refreshed from 60 s on
    expect(await cache.token(request({ cacheKey: 'expiry' }))).toEqual({ ok: true, token: (a as { token: string }).token, cached: true });
    now += 2_000;
    expect(await cache.token(request({ cacheKey: 'expiry' }))).toMatchObject({ ok: true, cached: false });
  });

  it('a refusal, a page that is no token, a slow answer and a redirect are failures with the status and an excerpt', async () => {
    const cache = new OAuthTokenCache(new NodeHttpSender({ timeoutMs: 2000 }));
    expect(await cache.token(request({ cacheKey: 'bad', clientSecret: 'wrong' }))).toMatchObject({
      ok: false,
      detail: `token endpoint ${idp.url}: answered 401: invalid_client (client authentication failed)`,
      response: { statusCode: 401, responseBody: expect.stringContaining('invalid_client') },
    });
    idp.answerWith(() => ({ status: 200, body: '<html>Sign in</html>' }));
    expect(await cache.token(request({ cacheKey: 'html' }))).toMatchObject({ ok: false, detail: expect.stringMatching(/answered 200, not a token/), response: { statusCode: 200, responseBody: '<html>Sign in</html>' } });
    idp.answerWith(() => ({ status: 302, body: { moved: true } }));
    expect(await cache.token(request({ cacheKey: 'redirect' }))).toMatchObject({ ok: false, response: { statusCode: 302 } });
    idp.answerWith(() => 'hang');
    const slow = await cache.token(request({ cacheKey: 'slow' }), { timeoutMs: 300 });
    expect(slow).toMatchObject({ ok: false, detail: expect.stringContaining('timeout'), response: { statusCode: null } });
    idp.answerWith(undefined);
    expect(await cache.token(request({ cacheKey: 'slow' }))).toMatchObject({ ok: true });
  });

  it('the token endpoint meets the same egress rules as any receiver', async () => {
    const strict = new NodeHttpSender({ timeoutMs: 2000, egress: { rules: createEgressRules({ allowPrivateTargets: false }), resolver: { resolve: async () => ['127.0.0.1'] } } });
    const cache = new OAuthTokenCache(strict);
    const before = idp.grants.length;
    expect(await cache.token(request({ cacheKey: 'egress' }))).toMatchObject({ ok: false, detail: expect.stringContaining('blocked') });
    expect(idp.grants.length).toBe(before);
  });
});

describe('an OAuth attempt keeps to its timeout', () => {
  it('the token request and the request share the endpoint\'s timeout: slow both, and the attempt is a timeout', async () => {
    const idp = await startTokenServer({ hookpost: 'secret' });
    const receiver = await startReceiver();
    try {
      idp.answerWith(() => ({ status: 200, body: { access_token: 'slow-token', token_type: 'Bearer', expires_in: 3600 }, delayMs: 700 }));
      receiver.respondWith(() => ({ status: 200, delayMs: 700 }));
      const sender = new NodeHttpSender({ timeoutMs: 5000 });
      const f = fakePorts({ http: sender, tokens: new OAuthTokenCache(sender) });
      await createTenant(f.ports, { id: 'acme' });
      await createAdminWebhook(f.ports, 'acme', {
        url: `${receiver.url}/slow`,
        events: ['price.alert'],
        timeoutSeconds: 1,
        auth: { type: 'oauth2_client_credentials', token_url: idp.url, client_id: 'hookpost', client_secret: 'secret' },
      });
      const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
      const [delivery] = (await fanOut(f.ports, f.fanOutOf(id), silentLog)).deliveries;
      expect(delivery!.attempts[0]).toMatchObject({ statusCode: null, error: 'timeout' });
      expect(delivery!.attempts[0]!.responseTimeMs).toBeLessThan(1500);
    } finally {
      await idp.close();
      await receiver.close();
    }
  });
});
