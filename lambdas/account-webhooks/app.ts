import { checkEventTypes } from '../shared/domain/portal-scope';
import { graceEndsAt } from '../shared/domain/model';
import {
  DEFAULT_ROTATION_GRACE_SECONDS,
  deleteAccountWebhook,
  getAccountWebhook,
  registerAccountWebhook,
  rotateAccountSecret,
} from '../shared/domain/endpoints';
import { NotFoundError } from '../shared/domain/errors';
import type { Ports } from '../shared/domain/ports';
import { changesOf } from '../shared/domain/audit';
import { createApiHandler } from '../shared/http/api-handler';
import { buildSchemas } from '../shared/http/schemas';
import { tenantAuthenticator } from '../shared/http/tenant-auth';
import { accountWebhookView } from '../shared/http/views';

/** Seed 000's account webhook: one URL per tenant, `null` event types = every event. */
export const createAccountWebhooksHandler = (ports: Ports) => {
  const schemas = buildSchemas(ports.settings.eventTypes);
  return createApiHandler(
    'account-webhooks',
    {
      'POST /v1/webhooks/register': async ({ body, tenantId, scope }) => {
        const input = schemas.accountRegister.parse(body);
        checkEventTypes(scope, input.event_types ?? null);
        const { endpoint, secret, before } = await registerAccountWebhook(ports, tenantId, {
          url: input.url,
          events: input.event_types ?? null,
        });
        return {
          status: 200,
          body: accountWebhookView(endpoint, secret),
          audit: { action: 'account_webhook.registered', webhookId: endpoint.id, ...changesOf(before && accountWebhookView(before), accountWebhookView(endpoint)) },
        };
      },
      'GET /v1/webhooks': async ({ tenantId }) => {
        const endpoint = await getAccountWebhook(ports, tenantId);
        if (!endpoint) throw new NotFoundError('Webhook');
        return { status: 200, body: accountWebhookView(endpoint) };
      },
      'DELETE /v1/webhooks': async ({ tenantId }) => {
        const before = await deleteAccountWebhook(ports, tenantId);
        return { status: 204, audit: { action: 'account_webhook.deleted', webhookId: before.id, ...changesOf(accountWebhookView(before), undefined) } };
      },
      'POST /v1/webhooks/rotate-secret': async ({ body, tenantId }) => {
        const input = schemas.rotateAccount.parse(body);
        const { endpoint, secret } = await rotateAccountSecret(ports, tenantId, {
          graceSeconds: input.grace_period_seconds ?? DEFAULT_ROTATION_GRACE_SECONDS,
        });
        return {
          status: 200,
          body: { ...accountWebhookView(endpoint, secret), previous_secret_expires_at: graceEndsAt(endpoint) ?? null },
          audit: { action: 'account_webhook.secret_rotated', webhookId: endpoint.id, after: { previous_secret_expires_at: graceEndsAt(endpoint) ?? null } },
        };
      },
    },
    tenantAuthenticator(ports),
    { log: ports.audit, clock: ports.clock },
  );
};
