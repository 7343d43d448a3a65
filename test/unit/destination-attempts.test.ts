import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { fanOut, processAttempt } from '../../lambdas/shared/domain/delivery';
import { externalIdFor } from '../../lambdas/shared/domain/destinations';
import { createAdminWebhook, updateWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import type { DestinationContext, DestinationMessage, DestinationOutcome } from '../../lambdas/shared/domain/ports';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, silentLog } from '../support/fakes';

/**
 * An attempt to an AWS destination (issue 26), in the domain with its ports faked: what the
 * sender is given, what the attempt records, and what follows (a retry, a failure for good,
 * the endpoint's health), as for a URL. The sender itself is tested against the STS stand-in
 * and the targets in test/adapters.
 */
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/444455556666/orders';
const ROLE = 'arn:aws:iam::444455556666:role/hookpost-delivery';

const setup = async (answer: (m: DestinationMessage) => DestinationOutcome) => {
  const f = fakePorts();
  const sent: Array<{ message: DestinationMessage; ctx: DestinationContext }> = [];
  f.ports.destinations = {
    send: async (_d, message, ctx) => {
      sent.push({ message, ctx });
      return answer(message);
    },
    check: async () => ({ ok: true, messageId: 'check' }),
  };
  f.ports.settings = { ...f.ports.settings, retrySchedule: [60, 300], destinations: { principalArn: 'arn:aws:iam::111122223333:role/destinations', platformAccount: '111122223333', source: 'hookpost' } };
  await createTenant(f.ports, { id: 'acme' });
  const hook = await createAdminWebhook(f.ports, 'acme', { destination: { type: 'sqs', target: QUEUE, role_arn: ROLE }, events: ['price.alert'] });
  const publish = async (data: { [k: string]: number } = { p: 1 }) => {
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data });
    return fanOut(f.ports, f.fanOutOf(id), silentLog);
  };
  return { f, sent, hook, publish };
};

describe('an attempt to an AWS destination', () => {
  it('hands the sender the signed envelope and the tenant\'s external id, and records the message id; no HTTP request is made', async () => {
    const { f, sent, hook, publish } = await setup(() => ({ ok: true, messageId: 'm-1' }));
    expect(hook.endpoint).toMatchObject({ url: 'arn:aws:sqs:eu-west-1:444455556666:orders', destination: { type: 'sqs', queueUrl: QUEUE, roleArn: ROLE } });
    const out = await publish();
    const [delivery] = out.deliveries;
    expect(sent).toHaveLength(1);
    const { message, ctx } = sent[0]!;
    expect(ctx).toEqual({ tenantId: 'acme', endpointId: hook.endpoint.id, deliveryId: delivery!.id, externalId: externalIdFor(f.box, 'acme') });
    const headers = { 'webhook-id': message.webhookId, 'webhook-timestamp': message.webhookTimestamp, 'webhook-signature': message.webhookSignature };
    // The standard verifier, at the fake clock's time (it refuses a timestamp five minutes from its own).
    vi.useFakeTimers({ now: f.ports.clock.now(), toFake: ['Date'] });
    try {
      expect(new Webhook(hook.secret).verify(message.body, headers)).toMatchObject({ event: 'price.alert', data: { p: 1 } });
    } finally {
      vi.useRealTimers();
    }
    expect(message.eventType).toBe('price.alert');
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: [{ statusCode: null, error: null, messageId: 'm-1', responseBody: null }] });
    expect(f.http.requests).toHaveLength(0);
  });

  it("a refusal is a failed attempt with the service's code and words, retried on the schedule; a success then ends it", async () => {
    let refuse = true;
    const { f, publish } = await setup(() => (refuse ? { ok: false, code: 'AccessDenied', message: 'not authorized to perform: sts:AssumeRole', retryable: true } : { ok: true, messageId: 'm-2' }));
    const [delivery] = (await publish()).deliveries;
    expect(delivery).toMatchObject({ status: 'retrying', attempts: [{ error: 'destination', awsError: { code: 'AccessDenied', message: 'not authorized to perform: sts:AssumeRole' }, detail: 'AccessDenied: not authorized to perform: sts:AssumeRole' }] });
    refuse = false;
    const retry = f.scheduled.shift()!;
    expect(retry.delaySeconds).toBe(60);
    f.advance(60);
    const after = await processAttempt(f.ports, retry.message, silentLog);
    expect(after).toMatchObject({ outcome: 'attempted', delivery: { status: 'succeeded', attempts: [{ error: 'destination' }, { error: null, messageId: 'm-2' }] } });
  });

  it('a message too large for the service fails for good at once: no retry, delivery.failed says why', async () => {
    const { f, publish } = await setup(() => ({ ok: false, code: 'too_large', message: '300000 bytes, over the 262144 a eventbridge message may hold: it is not sent again', retryable: false }));
    const [delivery] = (await publish()).deliveries;
    expect(delivery).toMatchObject({ status: 'failed', nextAttemptAt: null, attempts: [{ error: 'too_large' }] });
    expect(f.scheduled).toHaveLength(0);
    expect(f.emitted.find((e) => e.type === 'delivery.failed')).toMatchObject({ detail: { reason: 'too_large' } });
  });

  it('a destination webhook stays one, and its target or role can change; the deployment without destinations refuses one', async () => {
    const { f, hook } = await setup(() => ({ ok: true, messageId: 'x' }));
    const moved = await updateWebhook(f.ports, 'acme', hook.endpoint.id, { destination: { type: 'sns', target: 'arn:aws:sns:eu-west-1:444455556666:alerts.fifo', role_arn: ROLE } });
    expect(moved).toMatchObject({ url: 'arn:aws:sns:eu-west-1:444455556666:alerts.fifo', destination: { type: 'sns', fifo: true } });
    await expect(updateWebhook(f.ports, 'acme', hook.endpoint.id, { url: 'https://example.com/' })).rejects.toThrow(/delivers to an AWS destination/);
    const { destinations: _none, ...without } = f.ports.settings;
    f.ports.settings = without;
    await expect(createAdminWebhook(f.ports, 'acme', { destination: { type: 'sqs', target: QUEUE, role_arn: ROLE }, events: ['price.alert'] })).rejects.toMatchObject({ code: 'destinations_unavailable' });
  });
});
