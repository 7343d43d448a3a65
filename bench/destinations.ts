/**
 * AWS destinations' cost per delivery (issue 26): each destination type, first-attempt
 * successes, counted in a local run as ./requests counts URL deliveries, plus the STS calls
 * (AssumeRole, amortised as measured: a session is kept per container until shortly before it
 * lapses) and the writes into the tenant's bus, queue or topic. Those writes are the tenant's
 * role's requests, billed to the tenant's account; AssumeRole has no charge.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../lambdas/shared/domain/ids';
import { LOCAL_TENANT_ACCOUNT } from '../local/aws-accounts';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime';
import { RequestCounter } from './counting';
import { costOf, logs, type RequestScenario } from './requests';
import { type BenchOptions, call, payload, price, round, sleep } from './support';

export interface DestinationScenario extends RequestScenario {
  /** AssumeRole calls per delivery (the worker's hop to the destination role, and to the tenant's). */
  sts_calls_per_delivery: number;
  /** Writes per delivery into the tenant's target: requests of the tenant's role, on the tenant's bill. */
  tenant_writes_per_delivery: number;
}

const TARGETS = {
  sqs: `https://sqs.us-east-1.amazonaws.com/${LOCAL_TENANT_ACCOUNT}/orders`,
  sns: `arn:aws:sns:us-east-1:${LOCAL_TENANT_ACCOUNT}:orders`,
  eventbridge: `arn:aws:events:us-east-1:${LOCAL_TENANT_ACCOUNT}:event-bus/orders`,
} as const;
const NAMES = { sqs: 'an SQS queue', sns: 'an SNS topic', eventbridge: 'an EventBridge bus' } as const;

export const destinationCosts = async (opts: BenchOptions): Promise<DestinationScenario[]> => {
  const counter = new RequestCounter();
  const invocations = new Map<string, { count: number; ms: number }>();
  const admin = `hpadmin_${newId('key')}`;
  const key = (type: string) => `hpk_bench_dest_${type}_0123456789abcdef`;
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({
      dataDir: mkdtempSync(join(tmpdir(), 'hookpost-bench-destinations-')),
      apiKeys: Object.keys(TARGETS).map((type) => ({ tenantId: `dest-${type}`, key: key(type) })),
      adminKey: admin,
      observe: {
        client: counter.attach,
        invocation: (fn, ms) => {
          const i = invocations.get(fn) ?? { count: 0, ms: 0 };
          invocations.set(fn, { count: i.count + 1, ms: i.ms + ms });
        },
      },
    });
    const aws = runtime.aws!;
    const events = opts.smoke ? 20 : 200;
    const results: DestinationScenario[] = [];
    for (const [type, target] of Object.entries(TARGETS) as Array<[keyof typeof TARGETS, string]>) {
      // The tenant's role, made from the template hookpost answers, as a tenant would.
      const trust = (await call(runtime.url, 'GET', `/api/v1/admin/destinations/trust?type=${type}&target=${encodeURIComponent(target)}`, key(type))) as { cloudformation: any };
      trust.cloudformation.Resources.HookpostDeliveryRole.Properties.RoleName = `bench-${type}`;
      const made = await fetch(`${aws.endpoint}/_local/accounts/${LOCAL_TENANT_ACCOUNT}/stacks`, { method: 'POST', body: JSON.stringify(trust.cloudformation) });
      const role = ((await made.json()) as { outputs: { RoleArn: string } }).outputs.RoleArn;
      await call(runtime.url, 'POST', '/api/v1/admin/webhooks', key(type), { destination: { type, target, role_arn: role }, events: ['price.alert'] });

      await sleep(500);
      counter.reset();
      invocations.clear();
      logs.bytes = 0;
      const writesBefore = aws.received.length;
      const stsBefore = aws.sts.assumeRoleCalls();
      await Promise.all(Array.from({ length: events }, (_, i) => call(runtime!.url, 'POST', '/v1/events', admin, { tenant_id: `dest-${type}`, type: 'price.alert', data: payload(1024, i) })));
      const deadline = Date.now() + 120_000;
      while (aws.received.length - writesBefore < events) {
        if (Date.now() > deadline) throw new Error(`to ${NAMES[type]}: ${aws.received.length - writesBefore} of ${events} writes`);
        await sleep(50);
      }
      await sleep(1500); // the last records and deletes
      const inv = [...invocations.values()];
      const lambdaCount = inv.reduce((n, i) => n + i.count, 0);
      const gbSeconds = inv.reduce((n, i) => n + (i.ms / 1000) * (price('lambda_memory_mb') / 1024), 0);
      const per = (n: number) => round(n / events, 4);
      const perDelivery = {
        dynamodb_read_units: per(counter.readUnits),
        dynamodb_write_units: per(counter.writeUnits),
        dynamodb_requests: per(counter.total('dynamodb')),
        // The pipeline's own queue; a write into the tenant's queue is the tenant's request.
        sqs_requests: per(counter.total('sqs') + counter.total('sqs-event-source') - counter.emptyReceives),
        scheduler_calls: 0,
        secrets_manager_calls: 0,
        lambda_invocations: per(lambdaCount),
        lambda_gb_seconds: round(gbSeconds / events, 6),
        api_requests: per(invocations.get('platform')?.count ?? 0),
        log_bytes: per(logs.bytes + lambdaCount * price('lambda_platform_log_bytes_per_invocation')),
      };
      results.push({
        name: `first-attempt success, fan-out 1, POST /v1/events, to ${NAMES[type]}`,
        deliveries: events,
        per_delivery: perDelivery,
        usd_per_million_deliveries: costOf(perDelivery),
        sts_calls_per_delivery: per(aws.sts.assumeRoleCalls() - stsBefore),
        tenant_writes_per_delivery: per(aws.received.length - writesBefore),
      });
    }
    return results;
  } finally {
    await runtime?.stop();
  }
};
