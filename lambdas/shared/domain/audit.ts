import { newId } from './ids';
import type { JsonValue } from './python-json';

/**
 * The audit trail (issue 28): every change a tenant or the platform makes is written once as a
 * record of who (an API key, a portal session, or the platform's IAM principal), when, what
 * changed (before and after, as the API shows them: credentials never), and from where. One
 * write a change, never one a delivery; kept for the retention.
 */
export { AUDIT_ACTIONS, type AuditAction } from './audit-actions';
import type { AuditAction } from './audit-actions';

/** Who made a change: a tenant's API key, a portal session (its link's), or the platform (its IAM principal's ARN; locally the admin key's). */
export interface Actor {
  type: 'api_key' | 'portal_session' | 'portal_link' | 'platform';
  id: string;
}

/** Where a request came from, as API Gateway saw it. */
export interface RequestSource {
  ip: string | null;
  userAgent: string | null;
}

export interface AuditRecord {
  id: string;
  tenantId: string;
  at: string;
  action: AuditAction;
  actor: Actor;
  source: RequestSource;
  /** The webhook it concerns, when it concerns one. */
  webhookId?: string;
  /** Other ids it names: a delivery, a recovery, a key, an event. */
  target?: Record<string, string>;
  /** The fields that changed, before and after (as a read shows them). */
  before?: Record<string, JsonValue>;
  after?: Record<string, JsonValue>;
}

export interface AuditQuery {
  limit: number;
  /** The id of the last record of the previous page (newest first). */
  startingAfter?: string;
  webhookId?: string;
  action?: AuditAction;
}

/** The trail, in the configs table: newest first per tenant, and by webhook and by action. */
export interface AuditLog {
  record(record: AuditRecord): Promise<void>;
  list(tenantId: string, query: AuditQuery): Promise<{ records: AuditRecord[]; hasMore: boolean }>;
}

/**
 * What changed between two reads of a thing: the top-level fields whose value differs, each
 * with its before and after (absent on one side: it was added or removed). Reads are what the
 * API answers, so credentials are already only `set_at`.
 */
export const changesOf = (before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): Pick<AuditRecord, 'before' | 'after'> => {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const b: Record<string, JsonValue> = {};
  const a: Record<string, JsonValue> = {};
  for (const name of [...names].sort()) {
    if (name === 'updated_at' || name === 'secret') continue;
    const was = before?.[name];
    const is = after?.[name];
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    if (was !== undefined) b[name] = was as JsonValue;
    if (is !== undefined) a[name] = is as JsonValue;
  }
  return { ...(before && Object.keys(b).length > 0 ? { before: b } : {}), ...(after && Object.keys(a).length > 0 ? { after: a } : {}) };
};

export const newAuditRecord = (now: Date, fields: Omit<AuditRecord, 'id' | 'at'>): AuditRecord => ({ id: newId('aud', now.getTime()), at: now.toISOString(), ...fields });
