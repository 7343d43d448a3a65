import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_TENANT_ACCOUNT } from '../../local/aws-accounts';
import { apiClient, waitUntil } from '../support/client';
import { freePort, kill9, startService } from '../support/service';

/**
 * An SQS destination through a kill -9 (issue 26): `npm start`'s service killed mid-delivery,
 * started again on the same data: every published event is in the tenant's queue (at least
 * once: a write whose record the crash lost is made again), and every delivery ends succeeded.
 */
const KEY = 'hpk_destination_crash_key_0123456789abc';
const ADMIN = 'hpadmin_destination_crash_0123456789';
const QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${LOCAL_TENANT_ACCOUNT}/orders`;
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child) await kill9(child);
});

const start = async (port: number, awsPort: number, dataDir: string) => {
  const capture = { output: '' };
  child = await startService(
    { HOOKPOST_PORT: String(port), HOOKPOST_AWS_PORT: String(awsPort), HOOKPOST_DATA_DIR: dataDir, HOOKPOST_API_KEYS: `acme:${KEY}`, HOOKPOST_ADMIN_KEY: ADMIN, HOOKPOST_RETRY_SCHEDULE: '1,1,1,1,1' },
    capture,
  );
  // The SQS emulator's endpoint, as npm start prints it (a new port each start; its data persists).
  return waitUntil(async () => /their queues, on the SQS emulator:\s+(\S+)/.exec(capture.output)?.[1], 20_000, 'the printed SQS endpoint').catch((e) => {
    throw new Error(`${(e as Error).message}; the service printed:\n${capture.output}`);
  });
};

describe('an SQS destination through a kill -9', () => {
  it('loses no event: each is in the queue, each delivery succeeded', async () => {
    const [port, awsPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'hookpost-destination-crash-'));
    await start(port, awsPort, dataDir);
    const api = apiClient(`http://127.0.0.1:${port}`).call;

    // The tenant's role, from the template hookpost answers, made in the simulated account (kept across restarts).
    const trust = await api('GET', `/api/v1/admin/destinations/trust?type=sqs&target=${encodeURIComponent(QUEUE_URL)}`, { key: KEY });
    const deployed = await fetch(`http://127.0.0.1:${awsPort}/_local/accounts/${LOCAL_TENANT_ACCOUNT}/stacks`, { method: 'POST', body: JSON.stringify(trust.body.cloudformation) });
    const role = ((await deployed.json()) as { outputs: { RoleArn: string } }).outputs.RoleArn;
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { destination: { type: 'sqs', target: QUEUE_URL, role_arn: role }, events: ['price.alert'] } });
    expect(hook.status).toBe(201);

    const ids: string[] = [];
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i += 20) {
        const events = Array.from({ length: Math.min(20, to - i) }, (_, k) => ({ tenant_id: 'acme', type: 'price.alert', data: { seq: i + k } }));
        const res = await api('POST', '/v1/events/batch', { key: ADMIN, body: { events } });
        expect(res.status).toBe(202);
        ids.push(...res.body.data.map((e: { id: string }) => e.id));
      }
    };
    await publish(0, 120);
    // Killed while the worker is writing: some written, some not, perhaps one written and not recorded.
    await waitUntil(async () => {
      const res = await fetch(`http://127.0.0.1:${awsPort}/_local/received`);
      const n = ((await res.json()) as { received: unknown[] }).received.length;
      return n >= 10 ? true : undefined;
    }, 30_000, 'the first writes');
    await kill9(child!);

    const sqsEndpoint = await start(port, awsPort, dataDir);
    await publish(120, 140);
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const seen = new Set<string>();
    try {
      await waitUntil(
        async () => {
          const queueUrl = `${sqsEndpoint}/000000000000/orders`;
          const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
          for (const m of out.Messages ?? []) seen.add(JSON.parse(m.Body!).id);
          if (out.Messages?.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: out.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
          return ids.every((id) => seen.has(id)) ? true : undefined;
        },
        90_000,
        'every event in the queue',
      );
    } finally {
      sqs.destroy();
    }
    const history = await waitUntil(async () => {
      const page = await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries?limit=100&status=succeeded`, { key: KEY });
      const next = await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries?limit=100&status=succeeded&offset=100`, { key: KEY });
      const done = [...page.body.data, ...next.body.data];
      // Two pages read while deliveries still finish can overlap by a shifted offset: wait until they agree with the events.
      const events = new Set(done.map((d: { event_id: string }) => d.event_id));
      return done.length === ids.length && ids.every((id) => events.has(id)) ? done : undefined;
    }, 60_000, 'every delivery succeeded');
    expect(new Set(history.map((d: { event_id: string }) => d.event_id))).toEqual(new Set(ids));
  }, 240_000);
});
