import { parseCatalogue } from '../lambdas/shared/domain/catalogue';
import { DEFAULT_ERASURE, DEFAULT_OVERDUE_MARGIN_SECONDS, parseCidrList, parseRateLimit, parseRetrySchedule, positiveInt, wholeNumber } from '../lambdas/shared/config';
import type { LocalRuntimeOptions } from './runtime';

const concurrencyCap = (raw: string | undefined): number => {
  const cap = Number(raw ?? 0);
  if (!Number.isInteger(cap) || cap < 0) throw new Error('HOOKPOST_MAX_CONCURRENT_DELIVERIES_PER_ENDPOINT must be a whole number (0: no cap)');
  return cap;
};

const awsPort = (raw: string | undefined): number => {
  const port = Number(raw ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`HOOKPOST_AWS_PORT must be a port number (0: a free one), not "${raw}"`);
  return port;
};

/** The local runtime's settings, from exactly the HOOKPOST_* variables docs/local-runtime.md lists. */
export const readLocalSettings = (env: NodeJS.ProcessEnv): LocalRuntimeOptions => {
  const port = Number(env.HOOKPOST_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`HOOKPOST_PORT must be a port number, not "${env.HOOKPOST_PORT}"`);
  const apiKeys = (env.HOOKPOST_API_KEYS ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      if (at < 1 || at === pair.length - 1) throw new Error(`HOOKPOST_API_KEYS entries are tenant:key, not "${pair}"`);
      return { tenantId: pair.slice(0, at), key: pair.slice(at + 1) };
    });
  const allow = (env.HOOKPOST_ALLOW_PRIVATE_TARGETS ?? 'true').toLowerCase();
  if (allow !== 'true' && allow !== 'false') throw new Error('HOOKPOST_ALLOW_PRIVATE_TARGETS must be true or false');
  return {
    port,
    dataDir: env.HOOKPOST_DATA_DIR ?? '.hookpost',
    apiKeys,
    ...(env.HOOKPOST_ADMIN_KEY ? { adminKey: env.HOOKPOST_ADMIN_KEY } : {}),
    retrySchedule: parseRetrySchedule(env.HOOKPOST_RETRY_SCHEDULE),
    allowPrivateTargets: allow === 'true',
    ...(env.HOOKPOST_EVENT_TYPES ? { eventTypes: parseCatalogue(env.HOOKPOST_EVENT_TYPES) } : {}),
    ...(env.HOOKPOST_CATALOGUE_DIR ? { catalogueDir: env.HOOKPOST_CATALOGUE_DIR } : {}),
    allowedTargetCidrs: parseCidrList(env.HOOKPOST_ALLOWED_TARGET_CIDRS),
    tenantRateLimit: parseRateLimit(env.HOOKPOST_TENANT_RATE_LIMIT),
    maxConcurrentDeliveriesPerEndpoint: concurrencyCap(env.HOOKPOST_MAX_CONCURRENT_DELIVERIES_PER_ENDPOINT),
    overdueMarginSeconds: positiveInt(env, 'HOOKPOST_OVERDUE_MARGIN_SECONDS', DEFAULT_OVERDUE_MARGIN_SECONDS),
    sweepIntervalSeconds: positiveInt(env, 'HOOKPOST_SWEEP_INTERVAL_SECONDS', 60),
    keepEventPayloads: env.HOOKPOST_KEEP_EVENT_PAYLOADS === 'true',
    erasure: {
      stepItems: positiveInt(env, 'HOOKPOST_ERASURE_STEP_ITEMS', DEFAULT_ERASURE.stepItems),
      ratePerSecond: positiveInt(env, 'HOOKPOST_ERASURE_RATE_PER_SECOND', DEFAULT_ERASURE.ratePerSecond),
      settleSeconds: wholeNumber(env, 'HOOKPOST_ERASURE_SETTLE_SECONDS', DEFAULT_ERASURE.settleSeconds, 0),
    },
    destinations: { port: awsPort(env.HOOKPOST_AWS_PORT) },
    portal: {
      ...(env.HOOKPOST_PORTAL_FRAME_ANCESTORS ? { frameAncestors: env.HOOKPOST_PORTAL_FRAME_ANCESTORS } : {}),
      ...(env.HOOKPOST_PORTAL_PRODUCT_NAME ? { productName: env.HOOKPOST_PORTAL_PRODUCT_NAME } : {}),
      ...(env.HOOKPOST_PORTAL_LOGO_URL ? { logoUrl: env.HOOKPOST_PORTAL_LOGO_URL } : {}),
      ...(env.HOOKPOST_PORTAL_ACCENT_COLOR ? { accentColor: env.HOOKPOST_PORTAL_ACCENT_COLOR } : {}),
      ...(env.HOOKPOST_PORTAL_COLOR_SCHEME ? { colorScheme: env.HOOKPOST_PORTAL_COLOR_SCHEME } : {}),
      ...(env.HOOKPOST_PORTAL_FONT_FAMILY ? { fontFamily: env.HOOKPOST_PORTAL_FONT_FAMILY } : {}),
      ...(env.HOOKPOST_PORTAL_RADIUS_PX ? { radiusPx: env.HOOKPOST_PORTAL_RADIUS_PX } : {}),
    },
  };
};
