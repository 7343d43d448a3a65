/** What an audit record says was done (./audit). Apart, with no imports, so the dashboard's page can list them. */
export const AUDIT_ACTIONS = [
  'tenant.created',
  'tenant.updated',
  'api_key.created',
  'api_key.revoked',
  'portal_link.created',
  'portal_session.opened',
  'account_webhook.registered',
  'account_webhook.deleted',
  'account_webhook.secret_rotated',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.test_sent',
  'webhook.destination_checked',
  'delivery.retried',
  'recovery.started',
  'event.erased',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
