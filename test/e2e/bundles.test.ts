import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMMY_AWS } from '../../local/emulators';
import { LOCAL_SCHEDULES_TABLE } from '../../local/local-scheduler';
import { type BundledStack, synthBundles } from '../../local/bundles/synth';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * What deploys is what runs: the stack synthesized with its bundles, as `cdk synth` makes them,
 * and every function run from its bundle in processes of its own, with exactly the
 * environment the template gives it (plus the emulators' endpoints). On AWS webhooks go only to
 * https URLs of public addresses, so the receiver is https on loopback with a test certificate,
 * and the stack is synthesized with `allowedTargetCidrs: ['127.0.0.1/32']` (which needs the
 * worker in its VPC: `staticEgressIps`).
 */
const TLS = join(import.meta.dirname, '..', 'fixtures', 'tls');
const KEY = 'hpk_bundles_test_key_0123456789abcdef';
const RETRIES = [1, 3600]; // the second retry is beyond SQS's 15 minutes: an EventBridge schedule

let bundles: BundledStack;
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
const output: string[] = [];

beforeAll(async () => {
  bundles = await synthBundles({ allowedTargetCidrs: ['127.0.0.1/32'], staticEgressIps: true, retrySchedule: RETRIES });
  receiver = await startReceiver({ tls: { key: readFileSync(join(TLS, 'localhost.key')), cert: readFileSync(join(TLS, 'localhost.crt')) } });
  runtime = await startTestRuntime('bundles', {
    apiKeys: [{ tenantId: 'acme', key: KEY }],
    bundles: { ...bundles, env: { NODE_EXTRA_CA_CERTS: join(TLS, 'localhost.crt') }, onOutput: (fn, line) => output.push(`${fn}: ${line}`) },
  });
  api = apiClient(runtime.url).call;
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

describe('the synthesized bundles, run as Lambda runs them', () => {
  it('every function of the template has its bundle, on the runtime the template names', () => {
    expect(Object.keys(bundles.functions).sort()).toEqual(['account-webhooks', 'admin-webhooks', 'delivery-worker', 'docs', 'eventbridge-ingest', 'platform']);
    for (const fn of Object.values(bundles.functions)) {
      expect(readFileSync(join(fn.dir, 'index.mjs')).byteLength).toBeGreaterThan(10_000);
      expect(fn.runtime).toBe(`nodejs${process.versions.node.split('.')[0]}.x`);
    }
  });

  it('registers a webhook (secret sealed with the master key from Secrets Manager), publishes, and delivers it signed', async () => {
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ok`, events: ['price.alert'] } });
    expect(hook.status).toBe(201);
    const published = await api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: { price: 9.99 } } });
    expect(published.status).toBe(202);
    const [req] = await receiver.waitFor((r) => r.path === '/ok');
    const body = new Webhook(hook.body.secret).verify(req!.body.toString('utf8'), req!.headers as Record<string, string>);
    expect(body).toMatchObject({ id: published.body.id, event: 'price.alert', data: { price: 9.99 } });
    const history = await waitUntil(async () => {
      const res = await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries`, { key: KEY });
      return res.body.data?.length === 1 ? res : undefined;
    });
    expect(history.body.data[0]).toMatchObject({ status: 'succeeded', status_code: 200 });
    // The catalogue reached the bundles as the template's layer (Lambda mounts it at /opt): schemas, and the warn mode's line.
    const types = await api('GET', '/api/v1/admin/event-types', { key: KEY });
    expect(types.body.data.find((t: { type: string }) => t.type === 'price.alert')).toMatchObject({ validation: 'warn', schema: { required: ['product_id', 'price'] } });
    expect(output.some((line) => line.startsWith('platform: ') && line.includes('event data does not match its schema') && line.includes("must have required property 'product_id'"))).toBe(true);
    // The worker logged the success in its metrics line, as it does on AWS (its settings come from the template).
    expect(output.some((line) => line.startsWith('delivery-worker: ') && line.includes('"succeeded":') && line.includes(published.body.id))).toBe(true);
  });

  it('a retry beyond 15 minutes becomes an EventBridge schedule (CreateSchedule over the wire), which delivers when due', async () => {
    let failing = true;
    receiver.respondWith((r) => (r.path === '/flaky' && failing ? { status: 503 } : { status: 200, body: '{}' }));
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/flaky`, events: ['price.alert'] } });
    const published = await api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: { n: 2 } } });
    await receiver.waitFor((r) => r.path === '/flaky', 2); // the first attempt, and the retry after 1 s
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ ...DUMMY_AWS, endpoint: runtime.emulators.dynamodb }));
    const schedule = await waitUntil(async () => (await db.send(new ScanCommand({ TableName: LOCAL_SCHEDULES_TABLE }))).Items?.find((i) => JSON.parse(i.message).attempt === 3));
    expect(schedule.name).toMatch(/^dlv_\w+-a3$/);
    expect(schedule.due_at).toBeGreaterThan(Date.now() + 3000_000);
    failing = false;
    await db.send(new UpdateCommand({ TableName: LOCAL_SCHEDULES_TABLE, Key: { name: schedule.name }, UpdateExpression: 'SET due_at = :now', ExpressionAttributeValues: { ':now': Date.now() } }));
    await receiver.waitFor((r) => r.path === '/flaky', 3);
    const delivery = await waitUntil(async () => {
      const res = await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries`, { key: KEY });
      return res.body.data?.[0]?.status === 'succeeded' ? res.body.data[0] : undefined;
    });
    expect(delivery).toMatchObject({ event_id: published.body.id, retry_count: 2, status_code: 200 });
    db.destroy();
  });

  it('the documents function serves the OpenAPI description from its bundle', async () => {
    const docs = await api('GET', '/openapi.json');
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toMatch(/^3\./);
  });
});
