import { parseCatalogue } from '../lambdas/shared/domain/catalogue';
import { parseRetrySchedule } from '../lambdas/shared/config';
import type { LocalRuntimeOptions } from './runtime';

/** The local runtime's settings, from exactly the HOOKPOST_* variables the README lists. */
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
    eventTypes: parseCatalogue(env.HOOKPOST_EVENT_TYPES),
  };
};
