import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { checkDestination, type DestinationCheck } from '../domain/destination-check';
import { type AwsDestination, fifoParameters, MAX_MESSAGE_BYTES, messageBytes, roleSessionName, sessionPolicy } from '../domain/destinations';
import type { DestinationContext, DestinationMessage, DestinationOutcome, DestinationSender, PostOptions } from '../domain/ports';

/**
 * Writes a signed delivery into a tenant's own bus, queue or topic (issue 26) through the
 * tenant's role: AssumeRole with the tenant's external id, a session name naming tenant and
 * webhook, and a session policy allowing only the one write; the credentials are kept per
 * container until five minutes before they expire, and a burst shares one AssumeRole.
 *
 * What the target receives: SQS and SNS get the envelope as the body and the Standard Webhooks
 * id, timestamp and signature as message attributes; EventBridge gets DetailType = the event
 * type, Source = the stack's, and Detail = `{"body": <the envelope, as the exact string
 * signed>, "webhook-id", "webhook-timestamp", "webhook-signature"}` (the body stays a string:
 * EventBridge may re-serialize a JSON Detail, and the signature is over the bytes). A message
 * over the service's limit fails at once, not retried; a partial refusal (FailedEntryCount) is
 * the attempt's failure.
 *
 * `sts` signs as the stack's destination role (the one principal tenants' roles trust; the
 * function's own role may assume only it): each AssumeRole of a tenant's role is a hop of a
 * role chain, which AWS caps at an hour (sessions here are 15 minutes).
 */
export interface ClientFactory {
  sqs(region: string, credentials: AwsCredentialIdentity): SQSClient;
  sns(region: string, credentials: AwsCredentialIdentity): SNSClient;
  eventBridge(region: string, credentials: AwsCredentialIdentity): EventBridgeClient;
}

/** Renewed this long before STS's expiry, so no write is signed with credentials about to lapse. */
const REFRESH_BEFORE_MS = 5 * 60_000;
const SESSION_SECONDS = 900;

/** Clients kept per service, region and session: a session's writes reuse its connections. */
const MAX_CLIENTS = 200;

type TargetClient = SQSClient | SNSClient | EventBridgeClient;
export type TargetService = 'sqs' | 'sns' | 'events';

/**
 * The SDK clients a session writes with, one per service, region and session (the oldest let go
 * past MAX_CLIENTS: a container writes for a bounded number of destinations at once).
 * `endpointOf` gives a service's endpoint (locally: the stand-ins'); `configure` sees each
 * client once it is built (tracing; locally the IAM rehearsal of an SQS write).
 */
export const awsClientFactory = (
  options: { endpointOf?: (service: TargetService) => string | undefined; configure?: <C extends TargetClient>(client: C, service: TargetService, credentials: AwsCredentialIdentity) => C } = {},
): ClientFactory => {
  const configure = options.configure ?? (<C>(c: C) => c);
  const endpoint = (service: TargetService) => {
    const url = options.endpointOf?.(service);
    return url ? { endpoint: url } : {};
  };
  const clients = new Map<string, TargetClient>();
  const kept = <C extends TargetClient>(service: TargetService, region: string, credentials: AwsCredentialIdentity, make: () => C): C => {
    const key = `${service}|${region}|${credentials.accessKeyId}`;
    let client = clients.get(key) as C | undefined;
    if (!client) {
      client = configure(make(), service, credentials);
      clients.set(key, client);
      if (clients.size > MAX_CLIENTS) {
        const [oldest, old] = clients.entries().next().value!;
        clients.delete(oldest);
        old.destroy();
      }
    }
    return client;
  };
  return {
    sqs: (region, credentials) => kept('sqs', region, credentials, () => new SQSClient({ region, credentials, ...endpoint('sqs') })),
    sns: (region, credentials) => kept('sns', region, credentials, () => new SNSClient({ region, credentials, ...endpoint('sns') })),
    eventBridge: (region, credentials) => kept('events', region, credentials, () => new EventBridgeClient({ region, credentials, ...endpoint('events') })),
  };
};

/** A write that has not settled in this long is given up on as a failed attempt (the worker's 30 s request timeout). */
const WRITE_TIMEOUT_MS = 30_000;

export class AwsDestinationSender implements DestinationSender {
  private readonly sessions = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(
    private readonly deps: { sts: STSClient; clients: ClientFactory; source: string; principalArn: string; now?: () => number },
  ) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /** The AssumeRole of a delivery to `d`: the tenant's role, a session naming tenant and webhook, the one write allowed. */
  private assumeRole(d: AwsDestination, ctx: DestinationContext, externalId: string) {
    return this.deps.sts.send(
      new AssumeRoleCommand({ RoleArn: d.roleArn, RoleSessionName: roleSessionName(ctx.tenantId, ctx.endpointId), ExternalId: externalId, Policy: JSON.stringify(sessionPolicy(d)), DurationSeconds: SESSION_SECONDS }),
    );
  }

  /** The session for this destination, assumed once per container and burst, renewed before it lapses. */
  private async credentials(d: AwsDestination, ctx: DestinationContext): Promise<AwsCredentialIdentity> {
    const key = JSON.stringify([d.roleArn, ctx.externalId, ctx.tenantId, ctx.endpointId, d.arn]);
    const cached = this.sessions.get(key);
    if (cached) {
      const credentials = await cached.catch(() => undefined);
      if (credentials && credentials.expiration!.getTime() - REFRESH_BEFORE_MS > this.now()) return credentials;
      if (this.sessions.get(key) === cached) this.sessions.delete(key);
    }
    let pending = this.sessions.get(key);
    if (!pending) {
      pending = this.assumeRole(d, ctx, ctx.externalId).then(({ Credentials: c }) => ({
        accessKeyId: c!.AccessKeyId!,
        secretAccessKey: c!.SecretAccessKey!,
        sessionToken: c!.SessionToken!,
        expiration: c!.Expiration!,
      }));
      // A refusal is not kept: the tenant may fix its role before the next attempt.
      pending.catch(() => this.sessions.delete(key));
      this.sessions.set(key, pending);
    }
    return pending;
  }

  /** One AssumeRole with this external id, nothing cached: the destination check's probe. */
  async tryAssume(d: AwsDestination, ctx: DestinationContext, externalId: string): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    try {
      await this.assumeRole(d, ctx, externalId);
      return { ok: true };
    } catch (e) {
      return { ok: false, code: (e as Error).name, message: (e as Error).message };
    }
  }

  /** The "check" action: the decoy external id refused, the tenant's admitted, the test message taken. */
  check(d: AwsDestination, ctx: DestinationContext, test: DestinationMessage): Promise<DestinationCheck> {
    return checkDestination(
      {
        tryAssume: (externalId) => this.tryAssume(d, ctx, externalId),
        sendTest: async () => {
          const out = await this.send(d, test, ctx);
          return out.ok ? out : { ok: false, code: out.code, message: out.message };
        },
      },
      d,
      { externalId: ctx.externalId, deliveryRoleArn: this.deps.principalArn },
    );
  }

  async send(d: AwsDestination, m: DestinationMessage, ctx: DestinationContext, options: Pick<PostOptions, 'timeoutMs' | 'notAfterMs'> = {}): Promise<DestinationOutcome> {
    const endsAt = Math.min(Date.now() + (options.timeoutMs ?? WRITE_TIMEOUT_MS), options.notAfterMs ?? Infinity);
    const abortSignal = AbortSignal.timeout(Math.max(1, endsAt - Date.now()));
    const attributes = [
      { name: 'webhook-id', value: m.webhookId },
      { name: 'webhook-timestamp', value: m.webhookTimestamp },
      { name: 'webhook-signature', value: m.webhookSignature },
    ];
    const detail = JSON.stringify({ body: m.body, 'webhook-id': m.webhookId, 'webhook-timestamp': m.webhookTimestamp, 'webhook-signature': m.webhookSignature });
    const size = d.type === 'eventbridge' ? messageBytes('eventbridge', { body: detail, source: this.deps.source, detailType: m.eventType, attributes: [] }) : messageBytes(d.type, { body: m.body, attributes });
    if (size > MAX_MESSAGE_BYTES[d.type]) {
      return { ok: false, code: 'too_large', message: `${size} bytes, over the ${MAX_MESSAGE_BYTES[d.type]} a ${d.type} message may hold: it is not sent again`, retryable: false };
    }
    let credentials: AwsCredentialIdentity;
    try {
      credentials = await this.credentials(d, ctx);
      if (abortSignal.aborted) return { ok: false, code: 'TimeoutError', message: 'AssumeRole did not answer in time', retryable: true };
    } catch (e) {
      return { ok: false, code: (e as Error).name, message: `AssumeRole of ${d.roleArn}: ${(e as Error).message}`, retryable: true };
    }
    const fifo = d.fifo ? fifoParameters(ctx.tenantId, ctx.deliveryId) : {};
    const messageAttributes = Object.fromEntries(attributes.map((a) => [a.name, { DataType: 'String', StringValue: a.value }]));
    try {
      if (d.type === 'sqs') {
        const out = await this.deps.clients.sqs(d.region, credentials).send(new SendMessageCommand({ QueueUrl: d.queueUrl!, MessageBody: m.body, MessageAttributes: messageAttributes, ...fifo }), { abortSignal });
        return { ok: true, messageId: out.MessageId! };
      }
      if (d.type === 'sns') {
        const out = await this.deps.clients.sns(d.region, credentials).send(new PublishCommand({ TopicArn: d.arn, Message: m.body, MessageAttributes: messageAttributes, ...fifo }), { abortSignal });
        return { ok: true, messageId: out.MessageId! };
      }
      const out = await this.deps.clients
        .eventBridge(d.region, credentials)
        .send(new PutEventsCommand({ Entries: [{ EventBusName: d.arn, Source: this.deps.source, DetailType: m.eventType, Detail: detail }] }), { abortSignal });
      const entry = out.Entries?.[0];
      if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) return { ok: false, code: entry?.ErrorCode ?? 'FailedEntry', message: entry?.ErrorMessage ?? 'EventBridge refused the entry', retryable: true };
      return { ok: true, messageId: entry.EventId };
    } catch (e) {
      if (abortSignal.aborted) return { ok: false, code: 'TimeoutError', message: `${d.type} did not answer in time`, retryable: true };
      return { ok: false, code: (e as Error).name, message: (e as Error).message, retryable: true };
    }
  }
}
