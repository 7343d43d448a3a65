import type * as z from 'zod/mini';
import type * as R from './responses';

/**
 * One example answer of each response shape, for the OpenAPI document (each operation shows
 * the example of what it answers). Typed as the shapes, and checked against the served
 * document's schemas by test/e2e/openapi.test.ts, so they cannot drift from what is answered.
 */
const at = '2026-12-01T09:30:00.000Z';
const later = '2026-12-01T09:31:00.000Z';

const attempt: z.infer<typeof R.Attempt> = {
  number: 1,
  attempted_at: at,
  status_code: 503,
  response_time_ms: 412,
  error: 'http_status',
  response_body: 'upstream unavailable',
  trigger: 'automatic',
  error_detail: null,
  retry_after_seconds: 120,
  message_id: null,
  aws_error: null,
  token_endpoint: null,
  token_refresh: null,
};

const delivery: z.infer<typeof R.Delivery> = {
  id: 'dlv_01jdz8k3m0a1b2c3d4e5f6g7h8',
  object: 'delivery',
  webhook_id: 'wh_01JDZ8H5Q2W3E4R5T6Y7U8I9O0',
  event_id: 'evt_01jdz8k3m0x9y8z7w6v5u4t3s2',
  event_type: 'order.created',
  status: 'retrying',
  status_code: 503,
  response_time_ms: 412,
  retry_count: 1,
  next_attempt_at: later,
  created_at: at,
  updated_at: at,
  attempts: [attempt],
};

const adminWebhook: z.infer<typeof R.AdminWebhook> = {
  id: 'wh_01JDZ8H5Q2W3E4R5T6Y7U8I9O0',
  url: 'https://example.com/webhooks/orders',
  events: ['order.created', 'order.updated'],
  status: 'active',
  created_at: at,
  updated_at: at,
  surface: 'admin',
};

const principal = 'arn:aws:iam::111122223333:role/Hookpost-DestinationRole-1A2B3C4D5E6F';
const externalId = 'hpx_Q2x9T0n7Lk3vB8mP4rS1wE6yU5iO0aZcXdFgHjKlMnB';
const trustPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
};
const queueArn = 'arn:aws:sqs:eu-west-1:444455556666:orders';
const roleTemplate = {
  AWSTemplateFormatVersion: '2010-09-09',
  Description: `Lets hookpost deliver webhooks to ${queueArn}`,
  Resources: {
    HookpostDeliveryRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: trustPolicy,
        MaxSessionDuration: 3600,
        Policies: [{ PolicyName: 'hookpost-delivery', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn }] } }],
      },
    },
  },
  Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['HookpostDeliveryRole', 'Arn'] } } },
};

export const EXAMPLES = {
  AuditPage: {
    object: 'list',
    data: [
      {
        object: 'audit_record',
        id: 'aud_01jdz8k3m0a1b2c3d4e5f6g7h8',
        at,
        action: 'webhook.updated',
        actor: { type: 'api_key', id: 'key_01jdz8h5q2w3e4r5t6y7u8i9o0' },
        source: { ip: '203.0.113.7', user_agent: 'curl/8.5.0' },
        webhook_id: 'wh_01JDZ8H5Q2W3E4R5T6Y7U8I9O0',
        target: null,
        before: { status: 'active', sensitive_headers: { 'X-Api-Key': { set_at: '2026-11-30T09:00:00.000Z' } } },
        after: { status: 'disabled', sensitive_headers: { 'X-Api-Key': { set_at: at } } },
      },
    ],
    limit: 20,
    has_more: false,
    next_starting_after: null,
  } satisfies z.infer<typeof R.AuditPage>,
  TenantErasure: {
    object: 'tenant_erasure',
    tenant_id: 'acme',
    status: 'erasing',
    requested_at: at,
    requested_by: { type: 'platform', id: 'arn:aws:iam::123456789012:role/platform-backend' },
    source: { ip: '203.0.113.7', user_agent: 'aws-sdk-js/3.700.0' },
    updated_at: at,
    finished_at: null,
    counts: { api_keys: 2, portal_sessions: 1, portal_links: 1, webhooks: 3, deliveries: 1200, attempts: 40, events: 310, recoveries: 1, audit_records: 0, retry_schedules: 4, other: 12 },
  } satisfies z.infer<typeof R.TenantErasure>,
  EventTypeList: {
    object: 'list',
    data: [
      {
        object: 'event_type',
        type: 'price.alert',
        description: 'A tracked product price dropped below the alert threshold.',
        version: 1,
        validation: 'enforce',
        schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { product_id: { type: 'string' }, price: { type: 'number', minimum: 0 } }, required: ['product_id', 'price'] },
        example: { product_id: 'sku-42', price: 18.99 },
        system: false,
      },
    ],
    has_more: false,
    next_starting_after: null,
  } satisfies z.infer<typeof R.EventTypeList>,
  JwkSet: {
    keys: [
      { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k', use: 'sig', alg: 'EdDSA', status: 'current', expires_at: null },
      { kty: 'OKP', crv: 'Ed25519', x: 'uQZ3u4uT7ChVCazB3dyEVzbMoW8CKbjq9OG2vIl8Gys', kid: '1xGQ8yjeFf8-ISMf9Y2QzKmTmwoTsN7mHzgV7sfmqfA', use: 'sig', alg: 'EdDSA', status: 'previous', expires_at: later },
    ],
  } satisfies z.infer<typeof R.JwkSet>,
  DestinationTrust: { object: 'destination_trust', principal, external_id: externalId, trust_policy: trustPolicy, cloudformation: roleTemplate } satisfies z.infer<typeof R.DestinationTrust>,
  DestinationCheck: {
    object: 'destination_check',
    webhook_id: 'wh_01JDZ8H5Q2W3E4R5T6Y7U8I9O1',
    ok: false,
    problem: 'target_refused',
    message: `${queueArn} refused sqs:SendMessage from arn:aws:iam::444455556666:role/hookpost-delivery: allow it in the role's policy and, if the sqs has a resource policy, there too.`,
    message_id: null,
    aws_error: { code: 'AccessDenied', message: 'User: arn:aws:sts::444455556666:assumed-role/hookpost-delivery/hookpost-acme-wh_01JDZ8H5Q2W3E4R5T6Y7U8I9O1 is not authorized to perform: sqs:SendMessage' },
  } satisfies z.infer<typeof R.DestinationCheck>,
  ErrorResponse: { error: { code: 'validation_error', message: 'url: must be an https URL' } } satisfies z.infer<typeof R.ErrorResponse>,
  AccountWebhook: {
    object: 'webhook',
    url: 'https://example.com/hooks/hookpost',
    secret: '3f1c9e0b7a6d5c4b3a29180716f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d',
    active: true,
    event_types: ['task.completed', 'task.failed'],
  } satisfies z.infer<typeof R.AccountWebhook>,
  AdminWebhook: { ...adminWebhook, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } satisfies z.infer<typeof R.AdminWebhook>,
  WebhookList: { object: 'list', data: [adminWebhook], has_more: false, next_starting_after: null } satisfies z.infer<typeof R.WebhookList>,
  Delivery: delivery,
  DeliveryPage: { object: 'list', data: [delivery], offset: 0, limit: 20, total: null, has_more: true, next_starting_after: delivery.id } satisfies z.infer<typeof R.DeliveryPage>,
  FailedDeliveryPage: {
    object: 'list',
    data: [{ ...delivery, status: 'failed', retry_count: 5, next_attempt_at: null }],
    limit: 20,
    has_more: false,
    next_starting_after: null,
  } satisfies z.infer<typeof R.FailedDeliveryPage>,
  FoundEvent: { object: 'event', id: delivery.event_id, type: 'order.created', created_at: at, data: { order_id: 'ord_1042', total: 4200 }, erased_at: null, deliveries: [delivery] } satisfies z.infer<
    typeof R.FoundEvent
  >,
  WebhookHealth: {
    object: 'webhook_health',
    webhook_id: adminWebhook.id,
    since: '2026-11-30T09:30:00.000Z',
    deliveries: 100,
    complete: false,
    succeeded: 97,
    failed: 2,
    waiting: 1,
    success_rate: 0.9798,
    last_attempt: { ...attempt, status_code: 200, error: null, response_body: '{"ok":true}', retry_after_seconds: null },
  } satisfies z.infer<typeof R.WebhookHealth>,
  RetryAccepted: { object: 'retry', delivery_id: delivery.id, attempt: 2, status: 'pending' } satisfies z.infer<typeof R.RetryAccepted>,
  Recovery: {
    object: 'recovery',
    id: 'rcv_01JDZ9A1B2C3D4E5F6G7H8J9K0',
    webhook_id: adminWebhook.id,
    since: '2026-11-30T00:00:00.000Z',
    until: at,
    count: 12,
    sent: 4,
    status: 'running',
    created_at: at,
  } satisfies z.infer<typeof R.Recovery>,
  EventAccepted: { id: delivery.event_id, object: 'event' } satisfies z.infer<typeof R.EventAccepted>,
  EventsAccepted: { object: 'list', data: [{ id: delivery.event_id, object: 'event' }] } satisfies z.infer<typeof R.EventsAccepted>,
  TestEventSent: { object: 'test_event', event_id: delivery.event_id, webhook_id: adminWebhook.id, type: 'webhook.test' } satisfies z.infer<typeof R.TestEventSent>,
  Tenant: { object: 'tenant', id: 'acme', name: 'Acme Inc.', created_at: at } satisfies z.infer<typeof R.Tenant>,
  PortalLink: {
    object: 'portal_session',
    tenant_id: 'acme',
    url: 'https://api.example.com/dashboard#portal=hpl_2a9VbN6xq1sYtZ0cR4mW8eLkJ3hG7fD5pS9uI2oQwEr',
    read_only: false,
    capabilities: ['manage_webhooks', 'retry'],
    webhook_ids: null,
    event_types: null,
    theme: { color_scheme: 'auto', radius_px: 4 },
    expires_at: later,
  } satisfies z.infer<typeof R.PortalLink>,
  PortalSession: { object: 'portal_session', tenant_id: 'acme', session_token: 'hps_c8Xw1Qe4rT7yU0iO3pA6sD9fG2hJ5kL8zX1cV4bN7mQ', read_only: false, capabilities: ['manage_webhooks', 'retry'], webhook_ids: null, event_types: null, theme: null, expires_at: later } satisfies z.infer<
    typeof R.PortalSession
  >,
  ApiKey: { object: 'api_key', id: 'key_01JDZ9C3D4E5F6G7H8J9K0L1M2', tenant_id: 'acme', key: 'hpk_4fJ9sK2mN7qP1rT5vX8zB3cD6gH0jL4', created_at: at } satisfies z.infer<typeof R.ApiKey>,
} as const;

export type ExampleName = keyof typeof EXAMPLES;
