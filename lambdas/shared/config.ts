import { readCatalogueFile } from './catalogue-source';
import { parseCatalogue } from './domain/catalogue';
import { type CatalogueEntry, namesOnly } from './domain/event-catalogue';
import { parseCidrs } from './domain/target-policy';
import { type PortalSettings, parsePortalSettings } from './portal-settings';

/**
 * The one place that reads the environment. CDK sets resource names; the catalogue, retry
 * schedule and retention are deployment settings. Read once at cold start; a missing name throws.
 */
export interface Config {
  configTableName: string;
  /** Events and deliveries: every function but the account routes. */
  deliveriesTableName?: string;
  /** Only functions that publish, fan out or retry are given the delivery queue. */
  deliveryQueueUrl?: string;
  /** Only functions that seal or open endpoint secrets are given the master key. */
  masterKeySecretArn?: string;
  eventTypes: string[];
  /** The catalogue's entries (their schemas and examples when the stack gave the file); names only otherwise. */
  catalogue: CatalogueEntry[];
  retrySchedule: number[];
  retentionDays: number;
  /** Webhook URLs on loopback or private networks; never on AWS, allowed locally by default. */
  allowPrivateTargets: boolean;
  /** CIDRs an operator allows as webhook targets although they are not public. */
  allowedTargetCidrs: string[];
  /** Requests a tenant may make to the tenant API per window, across all containers. */
  tenantRateLimit: { requests: number; windowSeconds: number };
  /** Deliveries in flight at once per endpoint, across all workers; 0: no cap. */
  maxConcurrentDeliveriesPerEndpoint: number;
  /** Manual re-sends per second per endpoint during a bulk recovery. */
  recoveryRatePerSecond: number;
  /** A tenant's erasure: items a step deletes, items a second, and the wait before its history (`Settings`). */
  erasure: { stepItems: number; ratePerSecond: number; settleSeconds: number };
  /** An endpoint failing every attempt for this long is disabled. */
  disableAfterFailingSeconds: number;
  /** A delivery whose attempt is this late is re-driven by the sweep. */
  overdueMarginSeconds: number;
  /** Every event's payload is stored for the retention (one more write an event), not only keyed or retried ones'. */
  keepEventPayloads: boolean;
  /** The FIFO queue of ordered endpoints: for the worker and the functions that publish. */
  orderedQueueUrl?: string;
  /** The stack's event bus, where the worker puts operational events. */
  operationsBusName?: string;
  /**
   * AWS destinations (issue 26), for the worker and the tenant routes: the stack's destination
   * role (the principal tenants' roles trust), the platform's own account, the accounts
   * destinations may be in (absent: any other), and an EventBridge destination's Source.
   */
  destinations?: { roleArn: string; platformAccount: string; allowedAccounts?: string[]; source: string };
  /** EventBridge Scheduler for retries beyond 15 minutes (the delivery worker's). */
  scheduler?: { groupName: string; queueArn: string; roleArn: string; deadLetterArn: string };
}

export const DEFAULT_RECOVERY_RATE = 5;
export const DEFAULT_DISABLE_AFTER_FAILING_SECONDS = 5 * 86_400;
/**
 * Five minutes: well past how late a healthy retry runs (SQS delays and Scheduler fire within
 * seconds; an attempt takes at most 30 s), so the sweep only re-drives what is really stuck.
 */
export const DEFAULT_OVERDUE_MARGIN_SECONDS = 300;

export const DEFAULT_TENANT_RATE_LIMIT = { requests: 1200, windowSeconds: 60 };

/** `requests/seconds`, e.g. `1200/60`. */
export const parseRateLimit = (raw: string | undefined): { requests: number; windowSeconds: number } => {
  if (raw === undefined || raw.trim() === '') return { ...DEFAULT_TENANT_RATE_LIMIT };
  const match = /^\s*(\d{1,7})\s*\/\s*(\d{1,5})\s*$/.exec(raw);
  const requests = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || requests < 1 || windowSeconds < 1 || windowSeconds > 3600) {
    throw new Error(`Invalid rate limit "${raw}": requests/seconds, like 1200/60 (a window of 1 to 3600 seconds)`);
  }
  return { requests, windowSeconds };
};

export const parseCidrList = (raw: string | undefined): string[] => {
  const cidrs = (raw ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  parseCidrs(cidrs); // throws on a malformed entry
  return cidrs;
};

/** The delivery worker's Lambda timeout: its longest attempt (30 s) and the time to record it, with room. */
export const WORKER_TIMEOUT_SECONDS = 60;

/**
 * A tenant's erasure deletes up to 100 items a step, about 200 a second (a million items in an
 * hour and a half, never a burst that crowds the tables' live traffic), and waits before the
 * history until every function that read the tenant before it was marked has ended: the
 * worker's timeout (the API functions' is 29 s), plus the ten seconds a publish remembers a
 * tenant, with room.
 */
export const DEFAULT_ERASURE = { stepItems: 100, ratePerSecond: 200, settleSeconds: WORKER_TIMEOUT_SECONDS + 30 };

export const DEFAULT_RETRY_SCHEDULE = [60, 300, 1800, 7200, 86400];
export const DEFAULT_RETENTION_DAYS = 30;

/** A resource name the stack must have given: throws at cold start when it did not. */
export const given = (value: string | undefined, envName: string): string => {
  if (!value) throw new Error(`Missing environment variable ${envName}`);
  return value;
};

const required = (env: NodeJS.ProcessEnv, name: string): string => given(env[name], name);

/** The delivery worker schedules retries: it cannot start without its scheduler settings. */
export const requireScheduler = (config: Config): Config & { scheduler: NonNullable<Config['scheduler']> } => {
  if (!config.scheduler) throw new Error('Missing environment variable SCHEDULE_GROUP_NAME');
  return config as Config & { scheduler: NonNullable<Config['scheduler']> };
};

export const parseRetrySchedule = (raw: string | undefined): number[] => {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_RETRY_SCHEDULE];
  const delays = raw.split(',').map((s) => Number(s.trim()));
  if (delays.some((d) => !Number.isInteger(d) || d < 1 || d > 7 * 86_400)) {
    throw new Error(`Invalid retry schedule "${raw}": whole seconds from 1 to 604800, comma-separated`);
  }
  return delays;
};

export const wholeNumber = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number >= ${min}`);
  return value;
};
export const positiveInt = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => wholeNumber(env, name, fallback, 1);

/** Twelve-digit account ids, comma-separated (the stack's `destinationAccounts`). */
export const parseAccounts = (raw: string | undefined): string[] | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const accounts = raw.split(',').map((a) => a.trim());
  const bad = accounts.find((a) => !/^\d{12}$/.test(a));
  if (bad !== undefined) throw new Error(`Invalid destination account "${bad}": twelve digits, comma-separated`);
  return accounts;
};

export const DEFAULT_DESTINATION_SOURCE = 'hookpost';

/**
 * The catalogue: from the file the stack puts beside the functions that need its schemas
 * (`CATALOGUE_FILE`, a layer's), else the names alone (`EVENT_TYPES`), which every function has.
 */
const catalogueOf = (env: NodeJS.ProcessEnv): Pick<Config, 'eventTypes' | 'catalogue'> => {
  if (!env.CATALOGUE_FILE) {
    const eventTypes = parseCatalogue(env.EVENT_TYPES);
    return { eventTypes, catalogue: namesOnly(eventTypes) };
  }
  const catalogue = readCatalogueFile(env.CATALOGUE_FILE);
  return { eventTypes: catalogue.map((e) => e.type), catalogue };
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const retentionDays = positiveInt(env, 'RETENTION_DAYS', DEFAULT_RETENTION_DAYS);
  return {
    configTableName: required(env, 'CONFIG_TABLE_NAME'),
    ...(env.DELIVERIES_TABLE_NAME ? { deliveriesTableName: env.DELIVERIES_TABLE_NAME } : {}),
    ...(env.DELIVERY_QUEUE_URL ? { deliveryQueueUrl: env.DELIVERY_QUEUE_URL } : {}),
    ...(env.MASTER_KEY_SECRET_ARN ? { masterKeySecretArn: env.MASTER_KEY_SECRET_ARN } : {}),
    ...(env.OPERATIONS_BUS_NAME ? { operationsBusName: env.OPERATIONS_BUS_NAME } : {}),
    ...(env.ORDERED_QUEUE_URL ? { orderedQueueUrl: env.ORDERED_QUEUE_URL } : {}),
    ...catalogueOf(env),
    retrySchedule: parseRetrySchedule(env.RETRY_SCHEDULE),
    retentionDays,
    allowPrivateTargets: false,
    allowedTargetCidrs: parseCidrList(env.ALLOWED_TARGET_CIDRS),
    tenantRateLimit: parseRateLimit(env.TENANT_RATE_LIMIT),
    maxConcurrentDeliveriesPerEndpoint: wholeNumber(env, 'MAX_CONCURRENT_DELIVERIES_PER_ENDPOINT', 0, 0),
    recoveryRatePerSecond: DEFAULT_RECOVERY_RATE,
    erasure: { ...DEFAULT_ERASURE },
    disableAfterFailingSeconds: positiveInt(env, 'DISABLE_AFTER_FAILING_SECONDS', DEFAULT_DISABLE_AFTER_FAILING_SECONDS),
    overdueMarginSeconds: positiveInt(env, 'OVERDUE_MARGIN_SECONDS', DEFAULT_OVERDUE_MARGIN_SECONDS),
    keepEventPayloads: env.KEEP_EVENT_PAYLOADS === 'true',
    ...(env.DESTINATION_ROLE_ARN
      ? {
          destinations: {
            roleArn: env.DESTINATION_ROLE_ARN,
            platformAccount: required(env, 'PLATFORM_ACCOUNT'),
            ...(parseAccounts(env.DESTINATION_ACCOUNTS) ? { allowedAccounts: parseAccounts(env.DESTINATION_ACCOUNTS)! } : {}),
            source: env.DESTINATION_SOURCE || DEFAULT_DESTINATION_SOURCE,
          },
        }
      : {}),
    ...(env.SCHEDULE_GROUP_NAME
      ? {
          scheduler: {
            groupName: env.SCHEDULE_GROUP_NAME,
            queueArn: required(env, 'DELIVERY_QUEUE_ARN'),
            roleArn: required(env, 'SCHEDULER_ROLE_ARN'),
            deadLetterArn: required(env, 'SCHEDULER_DLQ_ARN'),
          },
        }
      : {}),
  };
};

/** The documents function reads only the catalogue: it has no table, queue or secret. */
export const loadDocsConfig = (env: NodeJS.ProcessEnv = process.env): Pick<Config, 'eventTypes' | 'catalogue'> & { portal: PortalSettings } => ({
  ...catalogueOf(env),
  portal: parsePortalSettings({
    ...(env.PORTAL_FRAME_ANCESTORS ? { frameAncestors: env.PORTAL_FRAME_ANCESTORS } : {}),
    ...(env.PORTAL_PRODUCT_NAME ? { productName: env.PORTAL_PRODUCT_NAME } : {}),
    ...(env.PORTAL_LOGO_URL ? { logoUrl: env.PORTAL_LOGO_URL } : {}),
    ...(env.PORTAL_ACCENT_COLOR ? { accentColor: env.PORTAL_ACCENT_COLOR } : {}),
    ...(env.PORTAL_COLOR_SCHEME ? { colorScheme: env.PORTAL_COLOR_SCHEME } : {}),
    ...(env.PORTAL_FONT_FAMILY ? { fontFamily: env.PORTAL_FONT_FAMILY } : {}),
    ...(env.PORTAL_RADIUS_PX ? { radiusPx: env.PORTAL_RADIUS_PX } : {}),
  }),
});
