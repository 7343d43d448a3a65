import { createSecretBox } from '../../lambdas/shared/domain/secret-box';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalIdFor, sessionPolicy, parseDestination, roleSessionName, trustPolicy } from '../../lambdas/shared/domain/destinations';
import type { StsStandIn } from '../../local/sts';
import { startStsServer } from '../support/sts-server';

/**
 * The STS stand-in over its real wire protocol: the SDK's own STSClient assumes a tenant's role
 * (in a second account) as the worker will, and is refused what STS refuses.
 */
const PLATFORM = '111122223333';
const TENANT = '444455556666';
const WORKER = `arn:aws:iam::${PLATFORM}:role/Hookpost-DeliveryWorkerRole`;
const WORKER_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/*' }] };
const key = createSecretBox("k".repeat(32) + "3");
const externalId = externalIdFor(key, 'acme');
const role = (name: string, trust: unknown) => ({ arn: `arn:aws:iam::${TENANT}:role/${name}`, trustPolicy: trust, policies: [] });

let server: Awaited<ReturnType<typeof startStsServer>>;
let sts: StsStandIn;
let client: STSClient;

beforeAll(async () => {
  server = await startStsServer({
    roles: [
      role('hookpost-delivery', trustPolicy(WORKER, externalId)),
      role('trusts-someone-else', trustPolicy(`arn:aws:iam::999988887777:role/other`, externalId)),
      role('trusts-the-account', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PLATFORM}:root` }, Action: 'sts:AssumeRole' }] }),
    ],
    callerOf: (accessKeyId) => (accessKeyId === 'AKIAWORKER' ? { arn: WORKER, policies: [WORKER_POLICY] } : accessKeyId === 'AKIANOPOLICY' ? { arn: WORKER, policies: [] } : undefined),
  });
  sts = server.sts;
  client = stsClient('AKIAWORKER');
});
afterAll(() => server.close());

const stsClient = (accessKeyId: string) => server.client(accessKeyId);

const assume = (input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>, c = client) =>
  c.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${TENANT}:role/hookpost-delivery`, RoleSessionName: roleSessionName('acme', 'wh_1'), ExternalId: externalId, ...input }));

describe('the STS stand-in', () => {
  it("gives the worker a session of the tenant's role with the tenant's external id, keeping its session policy", async () => {
    const destination = parseDestination({ type: 'sqs', target: `https://sqs.eu-west-1.amazonaws.com/${TENANT}/orders`, role_arn: `arn:aws:iam::${TENANT}:role/hookpost-delivery` }, { platformAccount: PLATFORM });
    const out = await assume({ Policy: JSON.stringify(sessionPolicy(destination)), DurationSeconds: 900 });
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${TENANT}:assumed-role/hookpost-delivery/hookpost-acme-wh_1`);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials?.Expiration!.getTime()).toBeGreaterThan(Date.now() + 800_000);
    const session = sts.session(out.Credentials!.AccessKeyId!)!;
    expect(session).toMatchObject({ roleArn: destination.roleArn, sessionName: 'hookpost-acme-wh_1', sessionPolicy: sessionPolicy(destination) });
  });

  it.each([
    ['a wrong external id', { ExternalId: externalIdFor(key, 'globex') }],
    ['no external id', { ExternalId: undefined }],
    ['a role that trusts another account', { RoleArn: `arn:aws:iam::${TENANT}:role/trusts-someone-else` }],
    ['a role that does not exist (answered as a denied one is)', { RoleArn: `arn:aws:iam::${TENANT}:role/nope` }],
  ])('refuses %s with AccessDenied, in STS\'s words', async (_what, input) => {
    await expect(assume(input)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringMatching(new RegExp(`^User: arn:aws:sts::${PLATFORM}:assumed-role/Hookpost-DeliveryWorkerRole/\\S+ is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${TENANT}:role/`)),
    });
  });

  it("refuses a caller whose own policies do not allow sts:AssumeRole, even where the trust allows it (across accounts both sides must)", async () => {
    await expect(assume({}, stsClient('AKIANOPOLICY'))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assume({}, stsClient('AKIAUNKNOWN'))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
  });

  it('lets the worker into a role that trusts the whole platform account without an external id, as AWS would: why a destination must show that its role requires the external id', async () => {
    const out = await assume({ RoleArn: `arn:aws:iam::${TENANT}:role/trusts-the-account`, ExternalId: externalIdFor(key, 'globex') });
    expect(out.AssumedRoleUser?.Arn).toContain(':assumed-role/trusts-the-account/');
  });

  it('validates as STS does: the session name, the duration, the session policy', async () => {
    await expect(assume({ RoleSessionName: 'has space' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(assume({ DurationSeconds: 7200 })).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('MaxSessionDuration') });
    await expect(assume({ DurationSeconds: 600 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(assume({ Policy: '{not json' })).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
    await expect(assume({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'x'.repeat(2100) }] }) })).rejects.toMatchObject({ name: 'PackedPolicyTooLargeException' });
  });
});
