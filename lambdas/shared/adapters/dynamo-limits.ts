import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock, DeliverySlots, EndpointPacing, PaceTurn, RateLimiter } from '../domain/ports';
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
 * The frame of an endpoint's rate limit: N slots spaced PACE_FRAME_MS / N apart, a little over a
 * second, so that N + 1 attempts in a row span more than a second even when one begins up to
 * 25 ms late (a timer, the event loop, the network) and the next on time. The limit holds at N
 * per 1.025 s, 2.5% under what was asked.
 */
export const PACE_FRAME_MS = 1_025;

/**
 * An endpoint's rate limit in any one-second window, not only per calendar second: one
 * unconditional ADD per attempt on the counter of the frame after the one it is counted in
 * (any number of workers share it). The count it returns is the attempt's place: within the
 * limit it begins on its own slot of that frame (spaced slots, each used once, none before it
 * was counted, so no two attempts bunch at a frame's edge); past it, it waits as many whole
 * seconds as the attempts ahead of it need, so a burst spreads over the frames to come in one
 * write per attempt instead of all asking again together. Counting in the frame ahead costs an
 * idle endpoint's attempt up to one frame of waiting; a GCRA cell would not, but needs a
 * conditional write that fails under contention (a second write, and a herd of them).
 * Counters expire by TTL a minute later.
 */
export class DynamoEndpointPacing implements EndpointPacing {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(tenantId: string, endpointId: string, perSecond: number, at: Date): Promise<PaceTurn> {
    const frame = Math.floor(at.getTime() / PACE_FRAME_MS) + 1;
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.paceFrame(tenantId, endpointId, frame),
        UpdateExpression: 'ADD n :one SET expires_at = :expires',
        ExpressionAttributeValues: { ':one': 1, ':expires': Math.ceil((frame * PACE_FRAME_MS) / 1000) + 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const place = Number(Attributes?.n ?? 1);
    if (place <= perSecond) return { beginsAt: new Date(frame * PACE_FRAME_MS + Math.ceil(((place - 1) * PACE_FRAME_MS) / perSecond)) };
    return { waitSeconds: Math.ceil(((place - perSecond) / perSecond) * (PACE_FRAME_MS / 1000)) };
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
