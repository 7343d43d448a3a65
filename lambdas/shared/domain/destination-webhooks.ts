import { destinationMessage, tenantExternalId } from './attempt';
import { TEST_EVENT_TYPE } from './events';
import type { DestinationCheck } from './destination-check';
import { type AwsDestination, type DestinationType, parseTargetOf, roleTemplate, trustPolicy } from './destinations';
import { getWebhook, signingSecrets } from './endpoints';
import { ValidationError } from './errors';
import { newId } from './ids';
import type { Endpoint } from './model';
import type { Ports } from './ports';
import { signDelivery } from './signing';

// What a tenant needs around an AWS destination (issue 26): the trust its role must grant, and
// the "check" action that tries the role and the target and says what is wrong.

type Deps = Pick<Ports, 'clock' | 'endpoints' | 'secretBox' | 'destinations' | 'settings'>;

export interface DestinationTrust {
  /** The role tenants' roles trust: hookpost's principal. */
  principal: string;
  externalId: string;
  trustPolicy: ReturnType<typeof trustPolicy>;
  /** The CloudFormation template that makes the role, for one target (absent: none was named). */
  cloudFormation?: ReturnType<typeof roleTemplate>;
}

const settingsOf = (deps: Pick<Deps, 'settings'>) => {
  const s = deps.settings.destinations;
  if (!s) throw new ValidationError('this deployment does not deliver to AWS accounts', 'destinations_unavailable');
  return s;
};

/** The trust a tenant's role must grant, and (for a target, named or a webhook's) the template that grants it. */
export const destinationTrust = async (
  deps: Pick<Deps, 'secretBox' | 'settings'>,
  tenantId: string,
  target?: { type: DestinationType; target: string } | AwsDestination,
): Promise<DestinationTrust> => {
  const rules = settingsOf(deps);
  const { principalArn } = rules;
  const externalId = await tenantExternalId(deps, tenantId);
  const parsed = target && 'arn' in target ? target : target ? parseTargetOf(target.type, target.target, rules) : undefined;
  return {
    principal: principalArn,
    externalId,
    trustPolicy: trustPolicy(principalArn, externalId),
    ...(parsed ? { cloudFormation: roleTemplate(parsed, principalArn, externalId) } : {}),
  };
};

/**
 * Checks a destination webhook's role and target: assumes the role with a decoy external id
 * (it must refuse), then with the tenant's, then writes a signed `webhook.test` message to
 * the target. Nothing is recorded in the history: it answers what happened.
 */
export const checkWebhookDestination = async (deps: Deps, tenantId: string, endpointId: string): Promise<{ endpoint: Endpoint; result: DestinationCheck }> => {
  const endpoint = await getWebhook(deps, tenantId, endpointId);
  if (!endpoint.destination) throw new ValidationError('This webhook delivers to a URL: send it a test event (POST …/test) instead', 'not_a_destination');
  const now = deps.clock.now();
  const event = { id: newId('evt', now.getTime()), type: TEST_EVENT_TYPE, createdAt: now.toISOString(), data: { webhook_id: endpoint.id, message: 'A check from hookpost: this destination takes its webhooks.' } };
  const request = signDelivery(endpoint.surface, event, await signingSecrets(deps, endpoint, now), Math.floor(now.getTime() / 1000), endpoint.signatureScheme);
  const ctx = { tenantId, endpointId, deliveryId: newId('dlv', now.getTime()), externalId: await tenantExternalId(deps, tenantId) };
  return { endpoint, result: await deps.destinations.check(endpoint.destination, ctx, destinationMessage(request, TEST_EVENT_TYPE)) };
};
