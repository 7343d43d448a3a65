import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerBoxProvider } from '../../lambdas/shared/adapters/master-key';
import { SqsDeliveryQueue } from '../../lambdas/shared/adapters/sqs-queue';
import { startSqs } from '../../local/emulators';
import { startSqsPoller } from '../../local/sqs-poller';

let sqs: Awaited<ReturnType<typeof startSqs>>;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(() => sqs.stop());

const makeQueue = async (name: string, attributes: Record<string, string> = {}) => {
  const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const arn = (await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url: QueueUrl!, arn };
};

describe('SqsDeliveryQueue on fauxqs', () => {
  it('sends the message as JSON, with a delay when asked', async () => {
    const q = await makeQueue('send-test');
    const queue = new SqsDeliveryQueue(sqs.client, q.url);
    await queue.send({ kind: 'fanout', tenantId: 'acme', eventId: 'evt_1' });
    await queue.send({ kind: 'fanout', tenantId: 'acme', eventId: 'evt_2' }, 2);
    const now = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(now.Messages?.map((m) => JSON.parse(m.Body!))).toEqual([{ kind: 'fanout', tenantId: 'acme', eventId: 'evt_1' }]);
    const later = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 3 }));
    expect(later.Messages?.map((m) => JSON.parse(m.Body!).eventId)).toEqual(['evt_2']);
  });
});

describe('SqsDeliveryQueue batching', () => {
  it('coalesces concurrent sends into SendMessageBatch calls of up to ten, keeping each delay', async () => {
    const q = await makeQueue('batch-test');
    const commands: string[] = [];
    sqs.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName!);
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    const queue = new SqsDeliveryQueue(sqs.client, q.url);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => queue.send({ kind: 'fanout', tenantId: 'acme', eventId: `evt_${i}` }, i === 0 ? 2 : undefined)),
    );
    sqs.client.middlewareStack.remove('countCommands');
    expect(commands).toEqual(['SendMessageBatchCommand', 'SendMessageBatchCommand', 'SendMessageBatchCommand']);
    const ids = new Set<string>();
    const deadline = Date.now() + 10_000;
    while (ids.size < 25 && Date.now() < deadline) {
      const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of out.Messages ?? []) ids.add(JSON.parse(m.Body!).eventId);
    }
    expect(ids.size).toBe(25);
  });
});

describe('local SQS event source (Lambda ESM stand-in) on fauxqs', () => {
  it('deletes what succeeded, redelivers reported failures, and moves poison messages to the DLQ', async () => {
    const dlq = await makeQueue('esm-dlq');
    const q = await makeQueue('esm', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }),
    });
    const queue = new SqsDeliveryQueue(sqs.client, q.url);
    await queue.send({ kind: 'fanout', tenantId: 'acme', eventId: 'evt_ok' });
    await queue.send({ kind: 'fanout', tenantId: 'acme', eventId: 'evt_flaky' });
    await queue.send({ kind: 'fanout', tenantId: 'acme', eventId: 'evt_poison' });
    const seen: Record<string, number> = {};
    const poller = startSqsPoller({
      sqs: sqs.client,
      queueUrl: q.url,
      queueArn: q.arn,
      functionName: 'test',
      handler: async (event: SQSEvent) => ({
        batchItemFailures: event.Records.filter((r) => {
          const id = JSON.parse(r.body).eventId as string;
          seen[id] = (seen[id] ?? 0) + 1;
          return id === 'evt_poison' || (id === 'evt_flaky' && seen[id] === 1);
        }).map((r) => ({ itemIdentifier: r.messageId })),
      }),
    });
    const deadline = Date.now() + 20_000;
    let dead: string[] = [];
    while (Date.now() < deadline) {
      const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      dead = dead.concat((out.Messages ?? []).map((m) => JSON.parse(m.Body!).eventId));
      if (dead.length > 0 && seen.evt_flaky === 2) break;
    }
    await poller.stop();
    expect(dead).toEqual(['evt_poison']);
    expect(seen).toEqual({ evt_ok: 1, evt_flaky: 2, evt_poison: 3 });
  });
});

describe('SecretsManagerBoxProvider (no emulator: SDK mocked, request shapes asserted)', () => {
  it('fetches the master key by ARN once per container and seals with it', async () => {
    const mock = mockClient(SecretsManagerClient);
    mock.on(GetSecretValueCommand).resolves({ SecretString: 'm'.repeat(64) });
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hookpost-master-AbCdEf';
    const provider = new SecretsManagerBoxProvider(new SecretsManagerClient({ region: 'us-east-1' }), arn);
    const box = await provider.get();
    const sealed = box.seal('whsec_x', 'acme/wh_1');
    expect((await provider.get()).open(sealed, 'acme/wh_1')).toBe('whsec_x');
    await provider.get();
    const calls = mock.commandCalls(GetSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ SecretId: arn });
    mock.restore();
  });

  it('does not cache a failure', async () => {
    const mock = mockClient(SecretsManagerClient);
    mock.on(GetSecretValueCommand).rejectsOnce(new Error('ThrottlingException')).resolves({ SecretString: 'k'.repeat(64) });
    const provider = new SecretsManagerBoxProvider(new SecretsManagerClient({ region: 'us-east-1' }), 'arn:secret');
    await expect(provider.get()).rejects.toThrow();
    await expect(provider.get()).resolves.toBeDefined();
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    mock.restore();
  });
});

describe('message bodies SQS accepts', () => {
  it('escapes the characters SQS refuses, and the body parses back to the same event', async () => {
    const q = await makeQueue('unicode-test');
    const queue = new SqsDeliveryQueue(sqs.client, q.url);
    const data = { emoji: '🚀 Zoë', high: '\uFFFE\uFFFF', lone: '\uD800', ctl: '\u0000\u001f\u007f' };
    await queue.send({ kind: 'fanout', tenantId: 'acme', eventId: 'evt_u', event: { type: 'price.alert', data, createdAt: '2026-02-16T12:00:00Z' } });
    const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: q.url, WaitTimeSeconds: 1 }));
    expect(JSON.parse(out.Messages![0]!.Body!).event.data).toEqual(data);
  });
});
