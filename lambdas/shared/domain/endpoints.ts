import { randomBytes } from 'node:crypto';
import { matchesPattern } from './event-filter';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { newId } from './ids';
import type { Endpoint, EndpointChanges } from './model';
import { type AwsDestination, type DestinationInput, parseDestination } from './destinations';
import type { Clock, EndpointStore, SecretBoxProvider, Settings, TenantStore } from './ports';
import type { TargetPolicy } from './target-policy';
import type { AuthInput } from './receiver-auth';
import { type CredentialsInput, type StoredCredentials, storedCredentials } from './webhook-credentials';
import { ed25519PublicKey, generateEd25519SecretKey, type SignatureScheme, type Surface } from './signing';

type Deps = { tenants: TenantStore; endpoints: EndpointStore; secretBox: SecretBoxProvider; clock: Clock; targets: TargetPolicy; settings: Pick<Settings, 'destinations'> };

/** What sealing binds a secret to: the tenant and the endpoint. */
export const secretContext = (tenantId: string, endpointId: string): string => `${tenantId}/${endpointId}`;

/**
 * Seed 000 shows a hex secret; seed 003 a `whsec_` one (base64 body, as Standard Webhooks); an
 * Ed25519 endpoint's is its secret key (`whsk_`), never shown.
 */
export const generateSecret = (surface: Surface, scheme: SignatureScheme = 'hmac-sha256'): string =>
  scheme === 'ed25519' ? generateEd25519SecretKey() : surface === 'account' ? randomBytes(32).toString('hex') : `whsec_${randomBytes(32).toString('base64')}`;

export interface EndpointWithSecret {
  endpoint: Endpoint;
  secret: string;
}

const openSecret = async (deps: Pick<Deps, 'secretBox'>, endpoint: Endpoint): Promise<string> =>
  (await deps.secretBox.get()).open(endpoint.sealedSecret, secretContext(endpoint.tenantId, endpoint.id));

/**
 * The secrets an attempt is signed with at `now`, newest first: the current one, and those it
 * replaced that are still in their grace period.
 */
export const signingSecrets = async (deps: Pick<Deps, 'secretBox'>, endpoint: Endpoint, now: Date): Promise<string[]> => {
  const box = await deps.secretBox.get();
  const context = secretContext(endpoint.tenantId, endpoint.id);
  const inGrace = (endpoint.previousSecrets ?? []).filter((p) => Date.parse(p.expiresAt) > now.getTime());
  return [endpoint.sealedSecret, ...inGrace.map((p) => p.sealedSecret)].map((sealed) => box.open(sealed, context));
};

/** What an endpoint may set beyond its URL and events (issue 16's options). */
export interface EndpointOptions {
  headers?: Record<string, string>;
  retrySchedule?: number[];
  timeoutSeconds?: number;
  filter?: Record<string, unknown>;
  rateLimitPerSecond?: number;
  /** Chosen at creation only. */
  signatureScheme?: SignatureScheme;
  /** Chosen at creation only. */
  ordered?: boolean;
}

/** A destination as asked for, checked against this deployment's rules (its own account refused, the listed accounts only). */
export const destinationOf = (settings: Pick<Settings, 'destinations'>, input: DestinationInput): AwsDestination => {
  const rules = settings.destinations;
  if (!rules) throw new ValidationError('destination: this deployment does not deliver to AWS accounts; give a url', 'destinations_unavailable');
  return parseDestination(input, { platformAccount: rules.platformAccount, ...(rules.allowedAccounts ? { allowedAccounts: rules.allowedAccounts } : {}) });
};

const newEndpoint = async (
  deps: Deps,
  input: { id?: string; tenantId: string; surface: Surface; url: string; destination?: AwsDestination; events: string[] | null; secret: string; at?: Date } & EndpointOptions & Omit<StoredCredentials, 'headers'>,
): Promise<Endpoint> => {
  const id = input.id ?? newId('wh');
  const now = (input.at ?? deps.clock.now()).toISOString();
  const box = await deps.secretBox.get();
  return {
    id,
    tenantId: input.tenantId,
    surface: input.surface,
    url: input.url,
    ...(input.destination ? { destination: input.destination } : {}),
    events: input.events,
    status: 'active',
    sealedSecret: box.seal(input.secret, secretContext(input.tenantId, id)),
    ...(input.signatureScheme === 'ed25519' ? { signatureScheme: 'ed25519' as const, publicKey: ed25519PublicKey(input.secret) } : {}),
    ...(input.headers && Object.keys(input.headers).length > 0 ? { headers: input.headers } : {}),
    ...(input.sensitiveHeaders && Object.keys(input.sensitiveHeaders).length > 0 ? { sensitiveHeaders: input.sensitiveHeaders } : {}),
    ...(input.auth ? { auth: input.auth } : {}),
    ...(input.retrySchedule ? { retrySchedule: input.retrySchedule } : {}),
    ...(input.timeoutSeconds ? { timeoutSeconds: input.timeoutSeconds } : {}),
    ...(input.filter ? { filter: input.filter } : {}),
    ...(input.rateLimitPerSecond ? { rateLimitPerSecond: input.rateLimitPerSecond } : {}),
    ...(input.ordered ? { ordered: true } : {}),
    createdAt: now,
    updatedAt: now,
  };
};

// ---- seed 000: the one account webhook of a tenant ----

export const getAccountWebhook = async (deps: Deps, tenantId: string): Promise<Endpoint | undefined> => {
  const tenant = await deps.tenants.getTenant(tenantId);
  if (!tenant?.accountWebhookId) return undefined;
  return deps.endpoints.getEndpoint(tenantId, tenant.accountWebhookId);
};

/**
 * Registers or updates the account webhook. Registering again changes url and event types
 * and keeps the secret. The tenant's pointer is written before the endpoint, so a crash in
 * between leaves a dangling pointer (read as "none"), never a hidden live endpoint.
 */
export const registerAccountWebhook = async (
  deps: Deps,
  tenantId: string,
  input: { url: string; events: string[] | null },
): Promise<EndpointWithSecret & { before?: Endpoint }> => {
  await deps.targets.check(input.url);
  for (let attempt = 0; attempt < 5; attempt++) {
    const tenant = await deps.tenants.getTenant(tenantId);
    if (!tenant) throw new NotFoundError(`Tenant "${tenantId}"`, 'tenant_not_found');
    const current = tenant.accountWebhookId ? await deps.endpoints.getEndpoint(tenantId, tenant.accountWebhookId) : undefined;
    if (current) {
      const updated = await deps.endpoints.updateEndpoint(tenantId, current.id, {
        url: input.url,
        events: input.events,
        status: 'active',
        updatedAt: deps.clock.now().toISOString(),
      });
      if (updated) return { endpoint: updated, secret: await openSecret(deps, updated), before: current };
      continue; // deleted under us: start over
    }
    const secret = generateSecret('account');
    const endpoint = await newEndpoint(deps, { tenantId, surface: 'account', url: input.url, events: input.events, secret });
    if (!(await deps.tenants.swapAccountWebhook(tenantId, tenant.accountWebhookId, endpoint.id))) continue; // raced
    await deps.endpoints.createEndpoint(endpoint);
    return { endpoint, secret };
  }
  throw new Error('registerAccountWebhook: too much contention on the account webhook');
};

/** Deletes the account webhook; answers it as it was. */
export const deleteAccountWebhook = async (deps: Deps, tenantId: string): Promise<Endpoint> => {
  const tenant = await deps.tenants.getTenant(tenantId);
  const id = tenant?.accountWebhookId;
  const deleted = id ? await deps.endpoints.deleteEndpoint(tenantId, id) : undefined;
  if (!id || !deleted) throw new NotFoundError('Webhook');
  await deps.tenants.swapAccountWebhook(tenantId, id, undefined);
  return deleted;
};

// ---- seed 003: any number of admin webhooks ----

/**
 * A seed 003 webhook: a URL, or an AWS destination (a bus, queue or topic of the tenant's,
 * written through its role; `url` then holds the target's ARN).
 */
export const createAdminWebhook = async (
  deps: Deps,
  tenantId: string,
  input: { url?: string; destination?: DestinationInput; events: string[]; secret?: string } & Omit<EndpointOptions, 'headers'> & Omit<CredentialsInput, 'auth'> & { auth?: AuthInput },
): Promise<EndpointWithSecret & { generated: boolean }> => {
  if ((input.url === undefined) === (input.destination === undefined)) throw new ValidationError('url: give either url or destination, not both');
  const destination = input.destination ? destinationOf(deps.settings, input.destination) : undefined;
  if (!destination) await deps.targets.check(input.url!);
  const secret = input.secret ?? generateSecret('admin', input.signatureScheme);
  const { url, destination: _asked, events, secret: _given, headers: _h, sensitiveHeaders: _s, auth: _a, ...options } = input;
  const id = newId('wh');
  const at = deps.clock.now();
  const credentials = await storedCredentials(
    { box: await deps.secretBox.get(), targets: deps.targets },
    { tenantId, endpointId: id, url: destination ? undefined : url, now: at },
    { ...(input.headers ? { headers: input.headers } : {}), ...(input.sensitiveHeaders ? { sensitiveHeaders: input.sensitiveHeaders } : {}), ...(input.auth ? { auth: input.auth } : {}) },
  );
  const endpoint = await newEndpoint(deps, {
    id,
    at,
    tenantId,
    surface: 'admin',
    url: destination?.arn ?? url!,
    ...(destination ? { destination } : {}),
    events,
    secret,
    ...options,
    ...(credentials.headers ? { headers: credentials.headers } : {}),
    ...(credentials.sensitiveHeaders ? { sensitiveHeaders: credentials.sensitiveHeaders } : {}),
    ...(credentials.auth ? { auth: credentials.auth } : {}),
  });
  // Counted before it exists: publishes put the tenant's events in order from then on. A create
  // that fails takes its count back (one left by a crash would cost publishes a FIFO message
  // each, and lose nothing).
  if (endpoint.ordered) await deps.tenants.countOrderedEndpoints(tenantId, 1);
  try {
    await deps.endpoints.createEndpoint(endpoint);
  } catch (err) {
    if (endpoint.ordered) await deps.tenants.countOrderedEndpoints(tenantId, -1);
    throw err;
  }
  return { endpoint, secret, generated: input.secret === undefined };
};

export const getWebhook = async (deps: Pick<Deps, 'endpoints'>, tenantId: string, endpointId: string): Promise<Endpoint> => {
  const endpoint = await deps.endpoints.getEndpoint(tenantId, endpointId);
  if (!endpoint) throw new NotFoundError(`Webhook "${endpointId}"`);
  return endpoint;
};

type WebhookChanges = Omit<EndpointChanges, 'sealedSecret' | 'destination' | 'headers' | 'sensitiveHeaders' | 'auth' | 'certificateNoticeFor'> & { destination?: DestinationInput } & CredentialsInput;

export const updateWebhook = async (deps: Deps, tenantId: string, endpointId: string, changes: WebhookChanges): Promise<Endpoint> =>
  (await changeWebhook(deps, tenantId, endpointId, changes)).after;

/**
 * Changes a webhook and answers it before and after (the audit trail's two reads, from the one
 * read the change makes anyway). Read first: a webhook stays what it was made (a URL's, or a
 * destination's), its credentials are checked against what it will be, and a credential header
 * stored in the clear by an earlier version is sealed on the way.
 */
export const changeWebhook = async (deps: Deps, tenantId: string, endpointId: string, changes: WebhookChanges): Promise<{ before: Endpoint; after: Endpoint }> => {
  const { destination: asked, headers, sensitiveHeaders, auth, ...rest } = changes;
  let target: Pick<EndpointChanges, 'url' | 'destination'> = {};
  const current = await getWebhook(deps, tenantId, endpointId);
  const now = deps.clock.now();
  if (current.destination && rest.url !== undefined) throw new ValidationError('url: this webhook delivers to an AWS destination; change its destination instead');
  if (!current.destination && asked !== undefined) throw new ValidationError('destination: this webhook delivers to a URL; create a new webhook for an AWS destination');
  if (asked !== undefined) {
    const destination = destinationOf(deps.settings, asked);
    target = { destination, url: destination.arn };
  } else if (rest.url !== undefined) {
    await deps.targets.check(rest.url);
  }
  const credentials = await storedCredentials(
    { box: await deps.secretBox.get(), targets: deps.targets },
    { tenantId, endpointId, url: current.destination ? undefined : (rest.url ?? current.url), now },
    { ...(headers !== undefined ? { headers } : {}), ...(sensitiveHeaders !== undefined ? { sensitiveHeaders } : {}), ...(auth !== undefined ? { auth } : {}) },
    current,
  );
  const updated = await deps.endpoints.updateEndpoint(tenantId, endpointId, {
    ...rest,
    ...target,
    ...credentials,
    updatedAt: now.toISOString(),
  });
  if (!updated) throw new NotFoundError(`Webhook "${endpointId}"`);
  return { before: current, after: updated };
};

/** Deletes a webhook; answers it as it was. */
export const deleteWebhook = async (deps: Deps, tenantId: string, endpointId: string): Promise<Endpoint> => {
  const deleted = await deps.endpoints.deleteEndpoint(tenantId, endpointId);
  if (!deleted) throw new NotFoundError(`Webhook "${endpointId}"`);
  if (deleted.ordered) await deps.tenants.countOrderedEndpoints(tenantId, -1);
  // If it was the account webhook, clear the pointer (a no-op for any other endpoint).
  await deps.tenants.swapAccountWebhook(tenantId, endpointId, undefined);
  return deleted;
};

/** Is this endpoint due to receive an event of `type`? */
export const isSubscribed = (endpoint: Endpoint, type: string): boolean =>
  endpoint.status === 'active' && (endpoint.events === null || endpoint.events.includes(type));

/** Whether an event of a subscribed type passes the endpoint's content filter (none: every event does). */
export const passesFilter = (endpoint: Endpoint, data: unknown): boolean => !endpoint.filter || matchesPattern(endpoint.filter, data);

/** How long a rotated-out secret keeps signing alongside the new one, unless the request says otherwise. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 86_400;

/** Secrets that sign at once: the current one and up to nine rotated out, still in grace. */
export const MAX_SIGNING_SECRETS = 10;
const ROTATION_TRIES = 10;

/**
 * Rotates an endpoint's signing secret and returns the new one (the only time it is shown; an
 * Ed25519 endpoint gets a new key pair, and only its public key is ever shown).
 * The old secret keeps signing alongside the new in `webhook-signature` for `graceSeconds`
 * (0: retired at once), and so does every earlier one still in its own grace period, up to
 * MAX_SIGNING_SECRETS in all (the oldest beyond that retires). The write is conditional on
 * the secret it replaces, and a rotation that lost a race reads again and keeps the winner's
 * secret in grace: however many rotations race, every secret answered with 200 signs until its
 * grace ends. One that loses ROTATION_TRIES races is refused (409 `rotation_conflict`).
 */
export const rotateSecret = async (
  deps: Deps,
  tenantId: string,
  endpointId: string,
  input: { graceSeconds: number; secret?: string },
): Promise<EndpointWithSecret> => {
  const box = await deps.secretBox.get();
  const context = secretContext(tenantId, endpointId);
  for (let attempt = 0; attempt < ROTATION_TRIES; attempt++) {
    const endpoint = await getWebhook(deps, tenantId, endpointId);
    const ed25519 = endpoint.signatureScheme === 'ed25519';
    if (ed25519 && input.secret !== undefined) {
      throw new ValidationError('secret: an ed25519 webhook\'s key pair is made by hookpost; rotate without a secret');
    }
    const plain = input.secret ?? generateSecret(endpoint.surface, endpoint.signatureScheme);
    const now = deps.clock.now();
    const replaced = input.graceSeconds > 0 ? [{ sealedSecret: endpoint.sealedSecret, expiresAt: new Date(now.getTime() + input.graceSeconds * 1000).toISOString() }] : [];
    const stillInGrace = (endpoint.previousSecrets ?? []).filter((p) => Date.parse(p.expiresAt) > now.getTime());
    const rotated = await deps.endpoints.rotateSecret(tenantId, endpointId, endpoint.sealedSecret, {
      sealedSecret: box.seal(plain, context),
      previous: [...replaced, ...stillInGrace].slice(0, MAX_SIGNING_SECRETS - 1),
      updatedAt: now.toISOString(),
      ...(ed25519 ? { publicKey: ed25519PublicKey(plain) } : {}),
    });
    if (rotated) return { endpoint: rotated, secret: plain };
  }
  throw new ConflictError('rotation_conflict', 'The secret is being rotated by another request; try again.');
};

/** Seed 000's surface has one webhook per tenant: rotating needs no id. */
export const rotateAccountSecret = async (deps: Deps, tenantId: string, input: { graceSeconds: number }): Promise<EndpointWithSecret> => {
  const endpoint = await getAccountWebhook(deps, tenantId);
  if (!endpoint) throw new NotFoundError('Webhook');
  return rotateSecret(deps, tenantId, endpoint.id, input);
};
