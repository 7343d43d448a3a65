import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock, DeliverySlots, EndpointPacing, RateLimiter } from '../domain/ports';
import { isConditionFailure } from './dynamo-write';
import { keys } from './tables';

export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

/**
 * A fixed-window counter per key in DynamoDB: one conditional write per request. Once a
 * container has seen a key over its limit, it answers from memory until the window ends, so a
 * client hammering through a 429 costs no writes.
 */
export class DynamoRateLimiter implements RateLimiter {
  private readonly exhausted = new Map<string, number>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {}

  async take(key: string): Promise<number> {
    const nowMs = this.clock.now().getTime();
    const windowMs = this.limit.windowSeconds * 1000;
    const windowStart = Math.floor(nowMs / windowMs) * windowMs;
    const wait = Math.max(1, Math.ceil((windowStart + windowMs - nowMs) / 1000));
    if (this.exhausted.get(key) === windowStart) return wait;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.rateWindow(key, windowStart),
          UpdateExpression: 'ADD hits :one SET expires_at = :expires',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': this.limit.requests, ':expires': Math.floor((windowStart + 2 * windowMs) / 1000) },
        }),
      );
      return 0;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (this.exhausted.size > 10_000) this.exhausted.clear();
      this.exhausted.set(key, windowStart);
      return wait;
    }
  }
}

/**
 * An endpoint's rate limit: a counter per endpoint and UTC second, one unconditional ADD per
 * attempt (any number of workers share it). The count it returns is the attempt's place in that
 * second: within the limit it goes now; past it, it waits as many whole seconds as the attempts
 * ahead of it need, so a burst spreads over the seconds to come in one write per attempt instead
 * of all retrying together each second. Counters expire by TTL a minute later.
 */
export class DynamoEndpointPacing implements EndpointPacing {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(tenantId: string, endpointId: string, perSecond: number, at: Date): Promise<number> {
    const second = Math.floor(at.getTime() / 1000);
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.paceWindow(tenantId, endpointId, second),
        UpdateExpression: 'ADD n :one SET expires_at = :expires',
        ExpressionAttributeValues: { ':one': 1, ':expires': second + 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const place = Number(Attributes?.n ?? 1);
    return place <= perSecond ? 0 : Math.ceil((place - perSecond) / perSecond);
  }
}

/** No cap: nothing to count. */
export const unlimitedSlots: DeliverySlots = {
  acquire: async () => 'unlimited',
  release: async () => undefined,
};

/**
 * Leases on an endpoint's delivery slots, kept as a map token -> lease end in one item: taking a
 * slot is one conditional write, giving it back another. When the item is full, leases that
 * lapsed (their container died mid-request) are swept and the write is tried once more.
 */
export class DynamoDeliverySlots implements DeliverySlots {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cap: number,
    private readonly leaseSeconds: number,
    private readonly clock: Clock,
  ) {}

  async acquire(tenantId: string, endpointId: string): Promise<string | null> {
    const token = randomUUID().replaceAll('-', '');
    for (let round = 0; round < 3; round++) {
      if (await this.tryLease(tenantId, endpointId, token)) return token;
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.deliverySlots(tenantId, endpointId), ConsistentRead: true }),
      );
      if (!Item) await this.createItem(tenantId, endpointId);
      else if (!(await this.sweep(tenantId, endpointId, (Item.leases as Record<string, number> | undefined) ?? {}))) return null;
    }
    return null;
  }

  async release(tenantId: string, endpointId: string, lease: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.deliverySlots(tenantId, endpointId),
        UpdateExpression: 'REMOVE leases.#token',
        ExpressionAttributeNames: { '#token': lease },
      }),
    );
  }

  /** One conditional write: false when the item is missing or every slot is leased. */
  private async tryLease(tenantId: string, endpointId: string, token: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.deliverySlots(tenantId, endpointId),
          UpdateExpression: 'SET leases.#token = :until, expires_at = :expires',
          ConditionExpression: 'attribute_exists(leases) AND size(leases) < :cap',
          ExpressionAttributeNames: { '#token': token },
          ExpressionAttributeValues: {
            ':until': now + this.leaseSeconds * 1000,
            ':cap': this.cap,
            ':expires': Math.floor(now / 1000) + 86_400,
          },
        }),
      );
      return true;
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return false;
    }
  }

  private async createItem(tenantId: string, endpointId: string): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.deliverySlots(tenantId, endpointId), leases: {} },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e; // created by a concurrent delivery
    }
  }

  /** Removes lapsed leases; false when there were none (the endpoint is truly busy). */
  private async sweep(tenantId: string, endpointId: string, leases: Record<string, number>): Promise<boolean> {
    const now = this.clock.now().getTime();
    const lapsed = Object.entries(leases).filter(([, until]) => until < now);
    if (lapsed.length === 0) return false;
    const names = Object.fromEntries(lapsed.map(([token], i) => [`#l${i}`, token]));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.deliverySlots(tenantId, endpointId),
          UpdateExpression: `REMOVE ${Object.keys(names).map((n) => `leases.${n}`).join(', ')}`,
          ConditionExpression: lapsed.map((_, i) => `leases.#l${i} = :u${i}`).join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.fromEntries(lapsed.map(([, until], i) => [`:u${i}`, until])),
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e; // another container swept them first
    }
    return true;
  }
}
