import type { AwsDestination } from '../domain/destinations';
import type { Endpoint } from '../domain/model';
import type { ReceiverAuth, SealedCredential } from '../domain/receiver-auth';
import { credentialsOfItem, fromAuth, fromSensitiveHeaders, itemOfCredentials } from './credential-items';
import type { Item } from './dynamo-write';
import { MAX_RETENTION_DAYS } from '../domain/tenants';
import { keys } from './tables';

// How endpoints are written as items of the configs table.

/**
 * The marker a deleted endpoint leaves while its history may still be kept (a tenant's erasure
 * finds that history by it): it expires after the longest retention a tenant may set.
 */
export const retiredEndpointItem = (tenantId: string, endpointId: string, nowMs = Date.now()): Item => ({
  ...keys.retiredEndpoint(tenantId, endpointId),
  type: 'retired_endpoint',
  id: endpointId,
  expires_at: Math.floor(nowMs / 1000) + (MAX_RETENTION_DAYS + 1) * 86_400,
});

/** An AWS destination as its endpoint's item holds it. */
const fromDestination = (d: AwsDestination): Item => ({
  type: d.type,
  arn: d.arn,
  partition: d.partition,
  region: d.region,
  account: d.account,
  name: d.name,
  fifo: d.fifo,
  role_arn: d.roleArn,
  ...(d.queueUrl ? { queue_url: d.queueUrl } : {}),
});

const toDestination = (i: Item): AwsDestination => ({
  type: i.type as AwsDestination['type'],
  arn: i.arn as string,
  partition: i.partition as string,
  region: i.region as string,
  account: i.account as string,
  name: i.name as string,
  fifo: i.fifo === true,
  roleArn: i.role_arn as string,
  ...(typeof i.queue_url === 'string' ? { queueUrl: i.queue_url } : {}),
});

export const toEndpoint = (i: Item): Endpoint => ({
  id: i.id as string,
  tenantId: i.tenant_id as string,
  surface: i.surface as Endpoint['surface'],
  url: i.url as string,
  events: (i.events as string[] | null | undefined) ?? null,
  status: i.status as Endpoint['status'],
  sealedSecret: i.sealed_secret as string,
  createdAt: i.created_at as string,
  updatedAt: i.updated_at as string,
  ...(i.disabled_reason ? { disabledReason: i.disabled_reason as string } : {}),
  ...(i.failing_since ? { failingSince: i.failing_since as string } : {}),
  ...(i.ordered === true ? { ordered: true } : {}),
  ...(i.signature_scheme === 'ed25519' ? { signatureScheme: 'ed25519' as const, publicKey: i.public_key as string } : {}),
  ...(i.headers && Object.keys(i.headers as object).length > 0 ? { headers: i.headers as Record<string, string> } : {}),
  ...(Array.isArray(i.retry_schedule) ? { retrySchedule: i.retry_schedule as number[] } : {}),
  ...(typeof i.timeout_seconds === 'number' ? { timeoutSeconds: i.timeout_seconds } : {}),
  ...(typeof i.rate_limit_per_second === 'number' ? { rateLimitPerSecond: i.rate_limit_per_second } : {}),
  ...(typeof i.filter_json === 'string' ? { filter: JSON.parse(i.filter_json) as Record<string, unknown> } : {}),
  ...(i.destination ? { destination: toDestination(i.destination as Item) } : {}),
  ...credentialsOfItem(i),
  ...(Array.isArray(i.previous_secrets) && i.previous_secrets.length > 0
    ? { previousSecrets: (i.previous_secrets as Item[]).map((p) => ({ sealedSecret: p.sealed_secret as string, expiresAt: p.expires_at as string })) }
    : i.previous_sealed_secret // written before rotations kept a list
      ? { previousSecrets: [{ sealedSecret: i.previous_sealed_secret as string, expiresAt: i.previous_secret_expires_at as string }] }
      : {}),
});

export const fromEndpoint = (e: Endpoint): Item => ({
  ...keys.endpoint(e.tenantId, e.id),
  id: e.id,
  tenant_id: e.tenantId,
  surface: e.surface,
  url: e.url,
  events: e.events,
  status: e.status,
  sealed_secret: e.sealedSecret,
  ...(e.ordered ? { ordered: true } : {}),
  ...(e.signatureScheme ? { signature_scheme: e.signatureScheme, public_key: e.publicKey } : {}),
  ...(e.headers && Object.keys(e.headers).length > 0 ? { headers: e.headers } : {}),
  ...(e.retrySchedule ? { retry_schedule: e.retrySchedule } : {}),
  ...(e.timeoutSeconds ? { timeout_seconds: e.timeoutSeconds } : {}),
  ...(e.rateLimitPerSecond ? { rate_limit_per_second: e.rateLimitPerSecond } : {}),
  ...(e.filter ? { filter_json: JSON.stringify(e.filter) } : {}),
  ...(e.destination ? { destination: fromDestination(e.destination) } : {}),
  ...itemOfCredentials(e),
  created_at: e.createdAt,
  updated_at: e.updatedAt,
});

/** An endpoint change as its item's attribute holds it. */
export const endpointValue = (field: string, value: unknown): unknown => {
  switch (field) {
    case 'filter':
      return JSON.stringify(value); // kept as JSON text: any field name, any nesting
    case 'destination':
      return fromDestination(value as AwsDestination);
    case 'auth':
      return fromAuth(value as ReceiverAuth);
    case 'sensitiveHeaders':
      return fromSensitiveHeaders(value as Record<string, SealedCredential>);
    default:
      return value;
  }
};
