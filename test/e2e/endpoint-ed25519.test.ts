import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { Webhook, WebhookKeySet, WebhookSignatureError } from '../../sdk/typescript/src/index';
import { apiClient } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * An ed25519 endpoint: hookpost makes the key pair, shows only the public key, and signs every
 * delivery `v1a,` over `{webhook-id}.{webhook-timestamp}.{body}` (both keys during a rotation's
 * grace). Verified with Node's crypto directly and with the TypeScript SDK (the Python SDK's
 * own test does the same in `sdk/python/tests`).
 */
const KEY = 'hpk_endpoint_ed25519_key_0123456789ab';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('endpoint-ed25519', { apiKeys: [{ tenantId: 'acme', key: KEY }] });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

/** Node's own verification, from the public key as the API shows it: nothing of hookpost's code. */
const nodeVerifies = (publicKey: string, headers: Record<string, unknown>, body: Buffer): boolean[] => {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.slice(5), 'base64').toString('base64url') }, format: 'jwk' });
  const signed = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), body]);
  return String(headers['webhook-signature'])
    .split(' ')
    .map((entry) => entry.startsWith('v1a,') && verify(null, signed, key, Buffer.from(entry.slice(4), 'base64')));
};

const testEventTo = async (hook: string, path: string) => {
  const { body } = await api('POST', `/api/v1/admin/webhooks/${hook}/test`, { key: KEY });
  return (await receiver.waitFor((r) => r.path === path && r.body.includes(body.event_id)))[0]!;
};

describe('signature_scheme ed25519', () => {
  it('answers a public key and never a secret; deliveries carry v1a signatures that Node and the SDK verify', async () => {
    const created = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ed`, events: ['price.alert'], signature_scheme: 'ed25519' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ signature_scheme: 'ed25519', public_key: expect.stringMatching(/^whpk_[A-Za-z0-9+/]{43}=$/) });
    expect(created.body).not.toHaveProperty('secret');
    const got = await api('GET', `/api/v1/admin/webhooks/${created.body.id}`, { key: KEY });
    expect(got.body).toMatchObject({ signature_scheme: 'ed25519', public_key: created.body.public_key });
    expect(JSON.stringify(got.body)).not.toMatch(/whsk_|whsec_/);

    const hit = await testEventTo(created.body.id, '/ed');
    expect(String(hit.headers['webhook-signature'])).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(hit.headers).not.toHaveProperty('x-webhook-signature'); // no shared secret to sign it with
    expect(hit.headers['x-webhook-event']).toBe('webhook.test');
    expect(nodeVerifies(created.body.public_key, hit.headers, hit.body)).toEqual([true]);
    expect(Webhook.constructEvent(hit.body, hit.headers as Record<string, string>, created.body.public_key)).toMatchObject({ event: 'webhook.test' });
    const tampered = Buffer.from(hit.body.toString().replace('webhook.test', 'webhook.tesT'));
    expect(() => Webhook.constructEvent(tampered, hit.headers as Record<string, string>, created.body.public_key)).toThrow(WebhookSignatureError);
    // A public key never verifies an HMAC signature, nor another endpoint's key pair.
    const other = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/other`, events: ['price.alert'], signature_scheme: 'ed25519' } });
    expect(() => Webhook.constructEvent(hit.body, hit.headers as Record<string, string>, other.body.public_key)).toThrow(WebhookSignatureError);
  });

  it('a rotation answers a new public key; during the grace both keys sign, after it only the new one', async () => {
    const created = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/rot`, events: ['price.alert'], signature_scheme: 'ed25519' } });
    const rotated = await api('POST', `/api/v1/admin/webhooks/${created.body.id}/rotate-secret`, { key: KEY, body: { grace_period_seconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.public_key).toMatch(/^whpk_/);
    expect(rotated.body.public_key).not.toBe(created.body.public_key);
    expect(rotated.body).not.toHaveProperty('secret');
    const during = await testEventTo(created.body.id, '/rot');
    expect(nodeVerifies(rotated.body.public_key, during.headers, during.body)).toEqual([true, false]);
    expect(nodeVerifies(created.body.public_key, during.headers, during.body)).toEqual([false, true]);
    for (const key of [created.body.public_key, rotated.body.public_key]) expect(Webhook.constructEvent(during.body, during.headers as Record<string, string>, key)).toBeTruthy();
    const again = await api('POST', `/api/v1/admin/webhooks/${created.body.id}/rotate-secret`, { key: KEY, body: { grace_period_seconds: 0 } });
    const after = await testEventTo(created.body.id, '/rot');
    // The first key's grace runs on; the second was retired at once.
    expect(nodeVerifies(again.body.public_key, after.headers, after.body)).toEqual([true, false]);
    expect(nodeVerifies(rotated.body.public_key, after.headers, after.body)).toEqual([false, false]);
    expect(nodeVerifies(created.body.public_key, after.headers, after.body)).toEqual([false, true]);
  });

  it('refuses a secret with ed25519, a scheme it does not know, a change of scheme, and a chosen key on rotation, each naming the field', async () => {
    const base = { url: `${receiver.url}/x`, events: ['price.alert'] };
    for (const [body, field] of [
      [{ ...base, signature_scheme: 'ed25519', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'secret'],
      [{ ...base, signature_scheme: 'rsa' }, 'signature_scheme'],
    ] as const) {
      const res = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(`${field}:`);
    }
    const hmac = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: base });
    expect(hmac.body.secret).toMatch(/^whsec_/);
    expect(hmac.body).not.toHaveProperty('signature_scheme');
    const patch = await api('PATCH', `/api/v1/admin/webhooks/${hmac.body.id}`, { key: KEY, body: { signature_scheme: 'ed25519' } });
    expect(patch.status).toBe(400);
    expect(patch.body.error.message).toContain('signature_scheme:');
    const ed = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { ...base, signature_scheme: 'ed25519' } });
    const rotate = await api('POST', `/api/v1/admin/webhooks/${ed.body.id}/rotate-secret`, { key: KEY, body: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
    expect(rotate.status).toBe(400);
    expect(rotate.body.error.message).toContain('secret:');
    expect((await api('GET', `/api/v1/admin/webhooks/${ed.body.id}`, { key: KEY })).body.public_key).toBe(ed.body.public_key);
  });

  it('publishes its keys as a public, cacheable JWK set that Node imports and the SDK verifies from, through a rotation', async () => {
    const created = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/jwks`, events: ['price.alert'], signature_scheme: 'ed25519' } });
    expect(created.body.jwks_path).toBe(`/v1/jwks/acme/${created.body.id}`);
    // No key: a receiver reads it as anyone can.
    const res = await fetch(`${runtime.url}${created.body.jwks_path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const set = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(set.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), use: 'sig', alg: 'EdDSA', status: 'current', expires_at: null }]);
    // The JWK is the public key the API shows, as Node's own JWK import reads it, and nothing more.
    const imported = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: set.keys[0]!.x as string }, format: 'jwk' });
    expect(imported.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')).toBe(created.body.public_key.slice(5));
    let now = Date.now();
    const keySet = new WebhookKeySet(`${runtime.url}${created.body.jwks_path}`, { now: () => now });
    const first = await testEventTo(created.body.id, '/jwks');
    expect(await keySet.constructEvent(first.body, first.headers as Record<string, string>)).toMatchObject({ event: 'webhook.test' });
    // A rotation without grace: the cached set does not know the new key; the SDK fetches it again once it may.
    await api('POST', `/api/v1/admin/webhooks/${created.body.id}/rotate-secret`, { key: KEY, body: { grace_period_seconds: 0 } });
    const second = await testEventTo(created.body.id, '/jwks');
    await expect(keySet.constructEvent(second.body, second.headers as Record<string, string>)).rejects.toThrow(WebhookSignatureError);
    now += 31_000;
    expect(await keySet.constructEvent(second.body, second.headers as Record<string, string>)).toMatchObject({ event: 'webhook.test' });
    // In a grace, both keys are listed, the old one with its end.
    await api('POST', `/api/v1/admin/webhooks/${created.body.id}/rotate-secret`, { key: KEY, body: { grace_period_seconds: 3600 } });
    const during = (await (await fetch(`${runtime.url}${created.body.jwks_path}`)).json()) as { keys: Array<{ status: string; expires_at: string | null; kid: string }> };
    expect(during.keys.map((k) => k.status)).toEqual(['current', 'previous']);
    expect(Date.parse(during.keys[1]!.expires_at!) - Date.now()).toBeGreaterThan(3_500_000);
    expect(new Set(during.keys.map((k) => k.kid)).size).toBe(2);
  });

  it('answers the same 404 for an hmac webhook, another tenant, and an id that does not exist', async () => {
    const hmac = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/h`, events: ['price.alert'] } });
    expect(hmac.body.jwks_path).toBeUndefined();
    const ed = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/e`, events: ['price.alert'], signature_scheme: 'ed25519' } });
    const answers = [];
    for (const path of [`/v1/jwks/acme/${hmac.body.id}`, `/v1/jwks/other/${ed.body.id}`, '/v1/jwks/acme/wh_01jdz8h5q2w3e4r5t6y7u8i9o0']) {
      const got = await api('GET', path);
      answers.push([got.status, got.body]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]![0]).toBe(404);
  });
});
