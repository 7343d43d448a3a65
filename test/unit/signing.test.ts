import { createRequire } from 'node:module';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signDelivery } from '../../lambdas/shared/domain/signing';
import { createSecretBox } from '../../lambdas/shared/domain/secret-box';
import { generateSecret } from '../../lambdas/shared/domain/endpoints';
import { runPython } from '../support/python';

const require = createRequire(import.meta.url);
const { verifyWebhook: seed003NodeVerify } = require('../fixtures/seed-003-verify.cjs') as {
  verifyWebhook: (payload: Buffer, signature: string, secret: string) => boolean;
};

const event = {
  id: 'evt_a1b2c3d4e5f6',
  type: 'research.completed',
  createdAt: '2026-02-16T12:00:00Z',
  data: { job_id: 123, ratio: 1e-5, name: 'Zoë 🚀', nested: { list: [1.5, null, true] } },
};
const now = () => Math.floor(Date.now() / 1000);

/** Verifies the Standard Webhooks header with the `standardwebhooks` package, not our code. */
const verifyStandard = (secret: string, req: { body: string; headers: Record<string, string> }) => {
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    webhook = new Webhook(secret, { format: 'raw' }); // not base64: the secret's own bytes
  }
  return webhook.verify(req.body, req.headers);
};

describe('signDelivery', () => {
  it('account surface: the Python-canonical envelope, verifiable by seed 000 verbatim and by standardwebhooks', () => {
    const secret = generateSecret('account');
    const req = signDelivery('account', event, [secret], now());
    expect(JSON.parse(req.body)).toEqual({ id: event.id, type: event.type, created_at: event.createdAt, data: event.data });
    expect(req.headers['x-auggie-signature']).toMatch(/^[0-9a-f]{64}$/);
    const [valid, tampered] = runPython([
      { scheme: '000', body: req.body, signature: req.headers['x-auggie-signature']!, secret },
      { scheme: '000', body: req.body.replace('123', '124'), signature: req.headers['x-auggie-signature']!, secret },
    ]);
    expect(valid).toBe(true);
    expect(tampered).toBe(false);
    expect(verifyStandard(secret, req)).toEqual(JSON.parse(req.body));
  });

  it('admin surface: seed 003 envelope and headers, verifiable by seed 003 Python and Node samples verbatim', () => {
    const secret = 'whsec_your_signing_secret';
    const req = signDelivery('admin', event, [secret], now());
    expect(JSON.parse(req.body)).toEqual({ id: event.id, event: event.type, timestamp: event.createdAt, data: event.data });
    expect(req.headers['x-webhook-event']).toBe('research.completed');
    expect(req.headers['x-webhook-timestamp']).toBe(String(Date.parse(event.createdAt) / 1000));
    expect(req.headers['content-type']).toBe('application/json');
    const sig = req.headers['x-webhook-signature']!;
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(runPython([{ scheme: '003', body: req.body, signature: sig, secret }])).toEqual([true]);
    expect(seed003NodeVerify(Buffer.from(req.body), sig, secret)).toBe(true);
    expect(runPython([{ scheme: '003', body: req.body, signature: sig, secret: 'whsec_other_secret_value' }])).toEqual([false]);
  });

  it('Standard Webhooks key: base64 after whsec_, else the UTF-8 bytes, as the standardwebhooks package reads them', () => {
    const generated = generateSecret('admin');
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    for (const secret of [generated, generateSecret('account'), 'whsec_your_signing_secret', 'plain-secret-not-base64!!', 'abcdefghijklmnopq']) {
      const req = signDelivery('admin', event, [secret], now());
      expect(() => verifyStandard(secret, req), secret).not.toThrow();
    }
    // The package itself, with no help: a whsec_ base64 secret verifies with new Webhook(secret).
    const req = signDelivery('admin', event, [generated], now());
    expect(new Webhook(generated).verify(req.body, req.headers)).toEqual(JSON.parse(req.body));
    // A secret that is not valid base64: the package's raw format, fed the secret as given.
    const raw = 'whsec_your_signing_secret';
    const rawReq = signDelivery('admin', event, [raw], now());
    expect(new Webhook(raw, { format: 'raw' }).verify(rawReq.body, rawReq.headers)).toBeTruthy();
    expect(() => new Webhook(generated).verify(rawReq.body, rawReq.headers)).toThrow();
  });

  it('signs with every secret in force, so a receiver holding either verifies', () => {
    const [a, b] = [generateSecret('admin'), generateSecret('admin')];
    const req = signDelivery('admin', event, [a, b], now());
    expect(req.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(a).verify(req.body, req.headers)).toBeTruthy();
    expect(new Webhook(b).verify(req.body, req.headers)).toBeTruthy();
  });

  it('replay protection: the attempt time is signed, so an old attempt or a forged timestamp is rejected', () => {
    const secret = generateSecret('admin');
    const old = signDelivery('admin', event, [secret], now() - 600);
    expect(() => new Webhook(secret).verify(old.body, old.headers)).toThrow(/timestamp/i);
    const fresh = signDelivery('admin', event, [secret], now());
    const forged = { ...fresh.headers, 'webhook-timestamp': String(now() - 1) };
    expect(() => new Webhook(secret).verify(fresh.body, forged)).toThrow();
    expect(new Webhook(secret).verify(fresh.body, fresh.headers)).toBeTruthy();
  });

  it('webhook-id is the event id and the envelope id', () => {
    const req = signDelivery('account', event, [generateSecret('account')], 1_700_000_000);
    expect(req.headers['webhook-id']).toBe(event.id);
    expect(req.headers['webhook-timestamp']).toBe('1700000000');
    expect(JSON.parse(req.body).id).toBe(event.id);
  });
});

describe('secret box', () => {
  const box = createSecretBox('x'.repeat(40));
  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('whsec_abcdefghijklmnop', 'tenant/wh_1');
    expect(sealed).not.toContain('abcdefghijklmnop');
    expect(box.open(sealed, 'tenant/wh_1')).toBe('whsec_abcdefghijklmnop');
  });
  it('refuses a sealed secret moved to another endpoint or opened with another key', () => {
    const sealed = box.seal('whsec_abcdefghijklmnop', 'tenant/wh_1');
    expect(() => box.open(sealed, 'tenant/wh_2')).toThrow();
    expect(() => createSecretBox('y'.repeat(40)).open(sealed, 'tenant/wh_1')).toThrow();
  });
});
