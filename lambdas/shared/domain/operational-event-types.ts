/**
 * Events for the platform's operators, not for tenants' webhooks: they go on the stack's event
 * bus with this source, so the platform routes them with ordinary EventBridge rules (the
 * ingest rule leaves them alone). Apart from ./operational-events so that the construct library
 * (lib/) imports names, not the domain.
 */
export const OPERATIONS_SOURCE = 'hookpost.operations';

export const OPERATIONAL_EVENT_TYPES = ['delivery.failed', 'webhook.disabled', 'webhook.failing', 'webhook.recovered', 'webhook.certificate_expiring'] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];
