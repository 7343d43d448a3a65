import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { SIGV4_REFUSALS } from '../../local/sigv4';
import { startTestRuntime } from '../support/service';

/**
 * The local API Gateway stand-in answers what HTTP API itself answers (the handlers never see
 * these requests), and authorizes the platform routes with SigV4 as IAM does on AWS.
 */
const KEY = 'hpk_gateway_test_key_0123456789abcdef';
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime('gateway', { apiKeys: [{ tenantId: 'acme', key: KEY }], worker: false });
});
afterAll(() => runtime?.stop());

const signed = async (method: string, path: string, body: string | undefined, credentials = runtime.platformCredentials, region = 'us-east-1') => {
  const url = new URL(`${runtime.url}${path}`);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const request = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  const headers = { ...(request.headers as Record<string, string>) };
  delete headers.host;
  return { url, headers };
};

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

describe('API Gateway\'s own answers', () => {
  it('an unknown route, or a known one with a trailing slash, is 404 {"message":"Not Found"}', async () => {
    expect(await json(await fetch(`${runtime.url}/v2/nothing`))).toEqual({ status: 404, body: { message: 'Not Found' } });
    const slash = await fetch(`${runtime.url}/v1/webhooks/`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await json(slash)).toEqual({ status: 404, body: { message: 'Not Found' } });
    expect((await fetch(`${runtime.url}/v1/webhooks`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(404); // the handler's own 404: no webhook yet
  });

  it('a platform route without a signature is 403 {"message":"Forbidden"}, a tenant key too', async () => {
    const body = JSON.stringify({ id: 'unsigned' });
    for (const headers of [{}, { authorization: `Bearer ${KEY}` }] as Array<Record<string, string>>) {
      const res = await fetch(`${runtime.url}/v1/tenants`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      expect(await json(res)).toEqual({ status: 403, body: { message: 'Forbidden' } });
    }
  });

  it('a body over 10 MB is refused by the gateway (413, plain text); an event over Lambda\'s 6 MB by the invoke (413 {"message":"Request Too Long"})', async () => {
    const eleven = 'x'.repeat(11 * 1024 * 1024);
    const big = await fetch(`${runtime.url}/api/v1/admin/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: eleven }).catch(
      () => undefined, // the gateway may close the connection before the whole body is sent
    );
    if (big) {
      expect(big.status).toBe(413);
      expect(await big.text()).toBe('HTTP content length exceeded 10485760 bytes.');
    }
    const seven = JSON.stringify({ url: 'https://x.example/', events: ['price.alert'], pad: 'x'.repeat(7 * 1024 * 1024) });
    const res = await fetch(`${runtime.url}/api/v1/admin/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: seven });
    expect(await json(res)).toEqual({ status: 413, body: { message: 'Request Too Long' } });
  });
});

describe('SigV4 on the platform routes, with the local credential pair', () => {
  it('a signed call passes and reaches the handler with the caller\'s IAM identity', async () => {
    const body = JSON.stringify({ id: 'signed-co' });
    const { url, headers } = await signed('POST', '/v1/tenants', body);
    const res = await fetch(url, { method: 'POST', headers, body });
    expect(res.status).toBe(201);
    const list = await signed('GET', '/v1/tenants/signed-co/webhooks?limit=5', undefined);
    expect((await fetch(list.url, { headers: list.headers })).status).toBe(200);
  });

  it('a signer that does not sign the payload hash header (botocore, the AWS CLI) is verified too, as API Gateway verifies it', async () => {
    const body = JSON.stringify({ id: 'botocore-co' });
    const url = new URL(`${runtime.url}/v1/tenants`);
    const signer = new SignatureV4({ service: 'execute-api', region: 'us-east-1', credentials: runtime.platformCredentials, sha256: Sha256, applyChecksum: false });
    const request = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, 'content-type': 'application/json' }, body });
    expect(Object.keys(request.headers).map((h) => h.toLowerCase())).not.toContain('x-amz-content-sha256');
    const res = await fetch(url, { method: 'POST', headers: request.headers as Record<string, string>, body });
    expect(res.status).toBe(201);
  });

  it('a wrong secret, an unknown key, another region or a changed body is refused with AWS\'s words', async () => {
    const body = JSON.stringify({ id: 'refused-co' });
    const cases: Array<[string, Awaited<ReturnType<typeof signed>>, string, string]> = [
      ['wrong secret', await signed('POST', '/v1/tenants', body, { ...runtime.platformCredentials, secretAccessKey: 'not-the-secret' }), body, SIGV4_REFUSALS.mismatch],
      ['unknown key', await signed('POST', '/v1/tenants', body, { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }), body, SIGV4_REFUSALS.unknownKey],
      ['another region', await signed('POST', '/v1/tenants', body, runtime.platformCredentials, 'eu-west-1'), body, SIGV4_REFUSALS.mismatch],
      ['body changed after signing', await signed('POST', '/v1/tenants', body), JSON.stringify({ id: 'other-co' }), SIGV4_REFUSALS.mismatch],
    ];
    for (const [what, { url, headers }, sent, message] of cases) {
      const res = await fetch(url, { method: 'POST', headers, body: sent });
      expect(await json(res), what).toEqual({ status: 403, body: { message } });
    }
  });
});
