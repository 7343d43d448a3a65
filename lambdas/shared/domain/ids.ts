import { pythonJsonDumps, type JsonValue } from './python-json';
import { createHash } from 'node:crypto';
import { decodeTime, encodeTime, ulid } from 'ulid';

/** Readable-prefix ids: `evt_`, `wh_`, `dlv_`, `key_`. Random ids are ULIDs, so they sort by time. */
export type IdPrefix = 'evt' | 'wh' | 'dlv' | 'key' | 'rcv' | 'ses' | 'aud';

export const newId = (prefix: IdPrefix, atMs?: number): string => `${prefix}_${ulid(atMs).toLowerCase()}`;

/**
 * An event's time from its id, for an event id made by `newId('evt', createdAtMs)` (events
 * without an idempotency key, whose id carries the exact millisecond of their `createdAt`);
 * undefined for anything that is not a ULID id.
 */
export const eventTimeOfId = (eventId: string): string | undefined => {
  if (!/^evt_[0-7][0-9a-hjkmnp-tv-z]{25}$/.test(eventId)) return undefined;
  return new Date(decodeTime(eventId.slice(4).toUpperCase())).toISOString();
};

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** A deterministic id: the same parts always give the same id (used for idempotency). */
export const derivedId = (prefix: IdPrefix, ...parts: string[]): string => {
  const digest = createHash('sha256').update(parts.join('\n')).digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length === 26) break;
  }
  return `${prefix}_${out}`;
};

/**
 * The delivery of one event to one endpoint has exactly one id, whoever computes it: the
 * event's time (ULID time, so ids sort by it) and a hash of the event and endpoint ids. The
 * history is a query on the endpoint's deliveries in id order: no secondary index.
 */
export const deliveryIdFor = (eventId: string, endpointId: string, eventCreatedAt: string): string =>
  `dlv_${encodeTime(Date.parse(eventCreatedAt), 10).toLowerCase()}${derivedId('dlv', eventId, endpointId).slice(4, 20)}`;

/** The smallest delivery id of deliveries whose event happened at or after `iso`. */
export const deliveryIdFloor = (iso: string): string => `dlv_${encodeTime(Date.parse(iso), 10).toLowerCase()}`;

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * What tells an idempotent replay from a conflicting reuse of its key: a hash of the event's
 * type and data, in Python-canonical JSON (the same bytes whatever key order the data came in).
 */
export const requestHashOf = (type: string, data: JsonValue): string => sha256Hex(pythonJsonDumps({ type, data }));
