import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createAdminWebhooksHandler } from '../../lambdas/admin-webhooks/app';
import { changesOf } from '../../lambdas/shared/domain/audit';
import { issueApiKey } from '../../lambdas/shared/domain/tenants';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { logger, metrics } from '../../lambdas/shared/powertools';
import { fakePorts, MemoryAuditLog } from '../support/fakes';

/** The audit trail's rules that need no runtime: what a change records, and a trail that cannot be written. */
const event = (routeKey: string, key: string, body?: unknown): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1]!,
    rawQueryString: '',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'user-agent': 'unit/1' },
    requestContext: { http: { method: routeKey.split(' ')[0]!, path: routeKey.split(' ')[1]!, sourceIp: '198.51.100.4', userAgent: 'unit/1', protocol: 'HTTP/1.1' }, routeKey } as never,
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }) as APIGatewayProxyEventV2;
const context = { getRemainingTimeInMillis: () => 10_000, functionName: 'admin-webhooks', awsRequestId: 'r-1' } as unknown as Context;

describe('audit records', () => {
  it('hold only the fields that changed, as reads show them (no updated_at, no secret)', () => {
    expect(changesOf({ url: 'a', events: ['x'], updated_at: '1', secret: 's' }, { url: 'a', events: ['x', 'y'], updated_at: '2', status: 'active' })).toEqual({
      before: { events: ['x'] },
      after: { events: ['x', 'y'], status: 'active' },
    });
    expect(changesOf(undefined, { url: 'a' })).toEqual({ after: { url: 'a' } });
    expect(changesOf({ url: 'a' }, undefined)).toEqual({ before: { url: 'a' } });
  });

  it('a change whose record cannot be written still answers, logged at ERROR with the record and counted', async () => {
    const f = fakePorts();
    await createTenant(f.ports, { id: 'acme' });
    const { key } = await issueApiKey(f.ports, 'acme');
    const failing = new MemoryAuditLog();
    failing.record = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    f.ports.audit = failing;
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const counted = vi.spyOn(metrics, 'addMetric');
    const handler = createAdminWebhooksHandler(f.ports);
    const answer = (await handler(event('POST /api/v1/admin/webhooks', key, { url: 'https://example.com/h', events: ['price.alert'] }), context)) as { statusCode: number };
    expect(answer.statusCode).toBe(201);
    expect(errors).toHaveBeenCalledWith('could not write an audit record', expect.objectContaining({ action: 'webhook.created', tenantId: 'acme', source: { ip: '198.51.100.4', userAgent: 'unit/1' } }));
    expect(counted).toHaveBeenCalledWith('AuditRecordNotWritten', 'Count', 1);
    errors.mockRestore();
    counted.mockRestore();
  });
});
