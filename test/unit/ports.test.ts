import { describe, expect, it } from 'vitest';
import { createPorts } from '../../lambdas/shared/aws-ports';
import { loadConfig } from '../../lambdas/shared/config';

/** A function gets only the adapters it was given; anything else refuses loudly instead of reaching AWS. */
describe('createPorts', () => {
  const config = loadConfig({ CONFIG_TABLE_NAME: 'configs' });
  const ports = createPorts(config, { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, dynamodbEndpoint: 'http://127.0.0.1:9' });

  it.each([
    ['the delivery queue', () => ports.queue.send({ kind: 'fanout', tenantId: 't', eventId: 'e' }), /no delivery queue \(DELIVERY_QUEUE_URL\)/],
    ['the master key', () => ports.secretBox.get(), /no access to the master key/],
    ['the delivery history', () => ports.deliveries.getDelivery({ tenantId: 't', endpointId: 'e', deliveryId: 'd' }), /no delivery history \(DELIVERIES_TABLE_NAME\): getDelivery/],
    ['events', () => ports.events.getEvent('t', 'e'), /no delivery history/],
    ['webhook delivery', () => ports.http.post('https://example.com/', {}, '{}'), /does not deliver webhooks/],
    ['the endpoint cap', () => ports.slots.acquire('t', 'e'), /does not deliver webhooks/],
    ['URL checks', () => ports.targets.check('https://example.com/'), /does not register webhook URLs/],
    ['the tenant rate limit', () => ports.throttle.take('t'), /does not serve the tenant API/],
    ['Scheduler retries', () => ports.retries.schedule({ kind: 'attempt', tenantId: 't', endpointId: 'e', deliveryId: 'd', attempt: 2, trigger: 'automatic' }, 3600), /no EventBridge Scheduler/],
  ])('%s, when not given, refuses', async (_what, call, message) => {
    await expect(call()).rejects.toThrow(message);
  });
});
