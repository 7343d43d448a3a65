import type { Attempt, Delivery, SideResponse } from '../domain/model';
import type { Item } from './dynamo-write';

// How deliveries and their attempts are written as items of the deliveries table.

export const fromAttempt = (a: Attempt): Item => ({
  number: a.number,
  attempted_at: a.attemptedAt,
  status_code: a.statusCode,
  response_time_ms: a.responseTimeMs,
  error: a.error,
  response_body: a.responseBody,
  trigger: a.trigger,
  ...(a.detail === undefined ? {} : { detail: a.detail }),
  ...(a.retryAfterSeconds === undefined ? {} : { retry_after_seconds: a.retryAfterSeconds }),
  ...(a.messageId === undefined ? {} : { message_id: a.messageId }),
  ...(a.awsError === undefined ? {} : { aws_error: { code: a.awsError.code, message: a.awsError.message } }),
  ...(a.tokenEndpoint === undefined ? {} : { token_endpoint: fromSide(a.tokenEndpoint) }),
  ...(a.tokenRefresh === undefined ? {} : { token_refresh: fromSide(a.tokenRefresh) }),
});

const fromSide = (r: SideResponse): Item => ({ status_code: r.statusCode, response_time_ms: r.responseTimeMs, response_body: r.responseBody });
const toSide = (r: Item): SideResponse => ({
  statusCode: (r.status_code as number | null | undefined) ?? null,
  responseTimeMs: r.response_time_ms as number,
  responseBody: (r.response_body as string | null | undefined) ?? null,
});

export const expiresAt = (createdAt: string, retentionDays: number): number =>
  Math.floor(Date.parse(createdAt) / 1000) + retentionDays * 86_400;

export const toAttempt = (a: Item): Attempt => ({
  number: a.number as number,
  attemptedAt: a.attempted_at as string,
  statusCode: (a.status_code as number | null | undefined) ?? null,
  responseTimeMs: a.response_time_ms as number,
  error: (a.error as Attempt['error'] | undefined) ?? null,
  responseBody: (a.response_body as string | null | undefined) ?? null,
  trigger: a.trigger as 'automatic' | 'manual',
  ...(typeof a.detail === 'string' ? { detail: a.detail } : {}),
  ...(typeof a.retry_after_seconds === 'number' ? { retryAfterSeconds: a.retry_after_seconds } : {}),
  ...(typeof a.message_id === 'string' ? { messageId: a.message_id } : {}),
  ...(a.aws_error ? { awsError: { code: (a.aws_error as Item).code as string, message: (a.aws_error as Item).message as string } } : {}),
  ...(a.token_endpoint ? { tokenEndpoint: toSide(a.token_endpoint as Item) } : {}),
  ...(a.token_refresh ? { tokenRefresh: toSide(a.token_refresh as Item) } : {}),
});

/** A delivery as its item holds it: the latest attempts, and how many there have been when that is more. */
export const toDelivery = (i: Item): Delivery => {
  const attempts = ((i.attempts as Item[] | undefined) ?? []).map(toAttempt);
  const count = typeof i.attempt_count === 'number' ? i.attempt_count : attempts.length;
  return {
    id: i.id as string,
    tenantId: i.tenant_id as string,
    endpointId: i.endpoint_id as string,
    eventId: i.event_id as string,
    eventType: i.event_type as string,
    status: i.status as Delivery['status'],
    retryCount: i.retry_count as number,
    nextAttemptAt: (i.next_attempt_at as string | null | undefined) ?? null,
    createdAt: i.created_at as string,
    updatedAt: i.updated_at as string,
    attempts,
    ...(count > attempts.length ? { attemptCount: count } : {}),
    ...(typeof i.event_erased_at === 'string' ? { eventErasedAt: i.event_erased_at } : {}),
  };
};

