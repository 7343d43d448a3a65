import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDeliveryStore } from '../lambdas/shared/adapters/dynamo-delivery-store';
import { DynamoConfigStore } from '../lambdas/shared/adapters/dynamo-stores';
import { documentClient } from '../lambdas/shared/aws-ports';
import { deliveryIdFor } from '../lambdas/shared/domain/ids';
import type { Delivery, Endpoint } from '../lambdas/shared/domain/model';
import type { DeliveryQueue, Ports } from '../lambdas/shared/domain/ports';
import { startRecovery } from '../lambdas/shared/domain/recovery';
import { ensureTables, startDynamo } from '../local/emulators';
import { capacityMeter } from './counting';

/**
 * Whether a request's cost grows with the data behind it: one endpoint's history at 10^2 to
 * 10^5 deliveries (seeded through the store), and tenants of 10 to 10,000 endpoints. Read units
 * as DynamoDB reports them (dynalite computes them from item sizes, as DynamoDB does) and the
 * median latency against the local emulator, each with its ratio to the smallest size.
 * Figures, not verdicts: the goal is every ratio at most 1.2.
 */
export interface ScaleRow {
  size: number;
  read_units: number;
  latency_ms: number;
  units_ratio: number;
  latency_ratio: number;
}
export interface Scale {
  history: Record<'first_page' | 'failed_page' | 'deepest_offset' | 'starting_after_middle' | 'recover_start', ScaleRow[]>;
  publish_read: ScaleRow[];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

const readCounter = (client: DynamoDBClient) => {
  const meter = capacityMeter(client);
  return {
    /** Read units and median latency of `read`, run `runs` times (units are the same each run). */
    async measure(read: () => Promise<unknown>, runs = 11): Promise<{ read_units: number; latency_ms: number }> {
      await read(); // warm: connections, the emulator's caches
      const times: number[] = [];
      let reads = 0;
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        reads = (await meter.measure(read)).units;
        times.push(performance.now() - started);
      }
      return { read_units: round(reads), latency_ms: round(median(times)) };
    },
  };
};

const ratios = (rows: Array<{ size: number; read_units: number; latency_ms: number }>): ScaleRow[] =>
  rows.map((r) => ({ ...r, units_ratio: round(r.read_units / rows[0]!.read_units), latency_ratio: round(r.latency_ms / rows[0]!.latency_ms) }));

const at = (i: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString();

/**
 * A delivery as the worker records it: one attempt with a short answer. The 25 oldest failed,
 * and one in a hundred after them, so every size has a full failed-only page to read.
 */
const delivery = (endpointId: string, i: number): Delivery => {
  const failed = i < 25 || i % 100 === 7;
  const eventId = `evt_${endpointId}_${i}`;
  return {
    id: deliveryIdFor(eventId, endpointId, at(i)),
    tenantId: 'scale',
    endpointId,
    eventId,
    eventType: 'price.alert',
    status: failed ? 'failed' : 'succeeded',
    retryCount: failed ? 5 : 0,
    nextAttemptAt: null,
    createdAt: at(i),
    updatedAt: at(i),
    attempts: [{ number: 1, attemptedAt: at(i), statusCode: failed ? 500 : 200, responseTimeMs: 42, error: failed ? 'http_status' : null, responseBody: '{"status":"ok"}', trigger: 'automatic' }],
  };
};

const inParallel = async <T>(items: T[], width: number, each: (item: T) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await each(items[next++]!);
  }));
};

const endpoint = (tenantId: string, id: string, events: string[]): Endpoint => ({
  id,
  tenantId,
  surface: 'admin',
  url: `https://${id}.example/hook`,
  events,
  status: 'active',
  sealedSecret: `v1.${'s'.repeat(120)}`,
  createdAt: at(0),
  updatedAt: at(0),
});

export const scale = async (opts: { smoke: boolean }): Promise<Scale> => {
  const dynamo = await startDynamo();
  try {
    const names = { configs: 'scale-configs', deliveries: 'scale-deliveries' };
    await ensureTables(dynamo.client, names);
    const reads = readCounter(dynamo.client);
    const doc = documentClient(dynamo.client);
    const deliveries = new DynamoDeliveryStore(doc, names.deliveries, 30);
    const configs = new DynamoConfigStore(doc, names.configs);
    const queue: DeliveryQueue = { send: async () => undefined };
    const ports = { clock: { now: () => new Date(at(200_000)) }, endpoints: configs, deliveries, queue, settings: {} } as unknown as Ports;

    const historySizes = opts.smoke ? [100, 1_000] : [100, 1_000, 10_000, 100_000];
    const history: Record<keyof Scale['history'], Array<{ size: number; read_units: number; latency_ms: number }>> = {
      first_page: [],
      failed_page: [],
      deepest_offset: [],
      starting_after_middle: [],
      recover_start: [],
    };
    for (const size of historySizes) {
      const endpointId = `wh_history_${size}`;
      await configs.createEndpoint(endpoint('scale', endpointId, ['price.alert']));
      const all = Array.from({ length: size }, (_, i) => delivery(endpointId, i));
      await inParallel(all, 32, (d) => deliveries.createDelivery(d));
      const middle = all[Math.floor(size / 2)]!.id;
      history.first_page.push({ size, ...(await reads.measure(() => deliveries.listDeliveries('scale', endpointId, { offset: 0, limit: 20 }))) });
      history.failed_page.push({ size, ...(await reads.measure(() => deliveries.listDeliveries('scale', endpointId, { offset: 0, limit: 20, status: 'failed' }))) });
      history.deepest_offset.push({ size, ...(await reads.measure(() => deliveries.listDeliveries('scale', endpointId, { offset: 1000, limit: 20 }))) });
      history.starting_after_middle.push({ size, ...(await reads.measure(() => deliveries.listDeliveries('scale', endpointId, { offset: 0, limit: 20, startingAfter: middle }))) });
      history.recover_start.push({ size, ...(await reads.measure(() => startRecovery(ports, 'scale', endpointId, { since: at(0), until: at(size) }))) });
    }

    const tenantSizes = opts.smoke ? [10, 1_000] : [10, 1_000, 10_000];
    const publish: Array<{ size: number; read_units: number; latency_ms: number }> = [];
    for (const size of tenantSizes) {
      const tenantId = `tenant_${size}`;
      // One endpoint subscribed to the published type; the others to seven other types.
      const others = Array.from({ length: size - 1 }, (_, i) => endpoint(tenantId, `wh_${i}`, [`other.type${i % 7}`]));
      await inParallel(others, 32, (e) => configs.createEndpoint(e));
      await configs.createEndpoint(endpoint(tenantId, 'wh_subscribed', ['order.paid']));
      // The publish's reads: the tenant exists, and the fan-out's subscribed endpoints.
      publish.push({ size, ...(await reads.measure(() => configs.listSubscribed(tenantId, 'order.paid'))) });
    }
    return {
      history: Object.fromEntries(Object.entries(history).map(([k, rows]) => [k, ratios(rows)])) as Scale['history'],
      publish_read: ratios(publish),
    };
  } finally {
    await dynamo.stop();
  }
};

const SCALE_LABELS: Record<keyof Scale['history'], string> = {
  first_page: 'first page (limit 20)',
  failed_page: 'failed-only page (limit 20)',
  starting_after_middle: 'a page from the middle (starting_after)',
  deepest_offset: 'deepest offset (offset=1000, the most allowed)',
  recover_start: 'recover start (POST .../recover)',
};

/** The scale section of bench/results.md. */
export const renderScale = (r: Scale, table: (header: string[], rows: Array<Array<string | number>>) => string): string => `## Scale: what a request reads as the data behind it grows

One endpoint's history seeded through the store at each size (the 25 oldest deliveries failed,
and one in a hundred after them), and tenants of each size with one endpoint subscribed to the
published type. Read units as DynamoDB reports them; latency the median of 11 runs against the
local emulator. Ratios to the smallest size; the goal is at most 1.2. A deeper \`offset\` reads
every delivery before it, so offsets stop at 1,000 (\`400 offset_too_large\` beyond; its figures
stay flat above 1,000 deliveries): deeper pages use \`starting_after\`.

${table(
  ['request', 'deliveries', 'read units', 'latency ms', 'units ratio', 'latency ratio'],
  (Object.keys(SCALE_LABELS) as Array<keyof Scale['history']>).flatMap((k) => r.history[k].map((row) => [SCALE_LABELS[k], row.size, row.read_units, row.latency_ms, row.units_ratio, row.latency_ratio])),
)}

Publish: what the fan-out reads for a fan-out of one (the subscribed endpoints, strongly).

${table(
  ['endpoints in the tenant', 'read units', 'latency ms', 'units ratio', 'latency ratio'],
  r.publish_read.map((row) => [row.size, row.read_units, row.latency_ms, row.units_ratio, row.latency_ratio]),
)}
`;
