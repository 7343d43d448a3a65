import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hookpost-cli-'));
  runtime = await startLocalRuntime({
    dataDir,
    retrySchedule: [1],
    erasure: { settleSeconds: 0 },
  });
});
afterAll(() => runtime.stop());

const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const code = await main(args, { env, out: (l) => out.push(l), err: (l) => err.push(l), progress: (l) => progress.push(l), pollMs: 200 });
  return { code, out: out.join('\n'), err: err.join('\n'), progress };
};
/** The API's answer as the CLI prints it with --json. */
const runJson = (args: string[], env: NodeJS.ProcessEnv = {}) => run([...args, '--json'], env);

describe('operator CLI against the local runtime', () => {
  it('creates a tenant and a key that then works on the tenant API (admin key read from the data dir)', async () => {
    const env = { HOOKPOST_DATA_DIR: dataDir };
    const tenant = await runJson(['tenants', 'create', 'initech', '--name', 'Initech', '--url', runtime.url], env);
    expect(tenant.code, tenant.err).toBe(0);
    expect(JSON.parse(tenant.out)).toMatchObject({ id: 'initech', name: 'Initech' });
    const key = await runJson(['keys', 'create', 'initech', '--url', runtime.url], env);
    const { key: apiKey, id: keyId } = JSON.parse(key.out);
    expect(apiKey).toMatch(/^hpk_/);
    const api = apiClient(runtime.url).call;
    expect((await api('GET', '/api/v1/admin/webhooks', { key: apiKey })).status).toBe(200);
    const published = await runJson(['events', 'publish', 'initech', 'price.alert', '--data', '{"p":1}', '--url', runtime.url], env);
    expect(JSON.parse(published.out).id).toMatch(/^evt_/);
    // The catalogue, as a table (issue 28).
    const types = await run(['event-types', 'list', '--url', runtime.url], env);
    expect(types.out).toMatch(/│ type +│ validation +│ version +│ schema +│ description +│/);
    expect(types.out).toMatch(/│ price\.alert +│ warn +│ 1 +│ yes +│ A tracked product price/);
    expect(types.out.split('\n').at(-1)).toBe('13 shown; end of the list');
    // The audit trail of what this test changed (issue 28): the tenant and its key, made by the platform.
    const trail = await run(['audit-log', 'initech', '--url', runtime.url], env);
    expect(trail.out).toMatch(/│ at +│ action +│ by +│ webhook +│ from +│ changed +│/);
    expect(trail.out).toMatch(/│ api_key\.created +│ platform arn:aws:iam::000000000000:user\/hookpost-local-platform/);
    expect(JSON.parse((await runJson(['audit-log', 'initech', '--action', 'tenant.created', '--url', runtime.url], env)).out).data).toHaveLength(1);
    expect((await run(['keys', 'revoke', 'initech', keyId, '--url', runtime.url], env)).code).toBe(0);
    expect((await api('GET', '/api/v1/admin/webhooks', { key: apiKey })).status).toBe(401);
    // A tenant erased, waiting for it (issue 28); its receipt read after.
    expect((await run(['tenants', 'create', 'leaving', '--url', runtime.url], env)).code).toBe(0);
    expect((await run(['keys', 'create', 'leaving', '--url', runtime.url], env)).code).toBe(0);
    const erased = await run(['tenants', 'erase', 'leaving', '--wait', '--url', runtime.url], env);
    expect(erased.code, erased.err).toBe(0);
    expect(erased.progress.at(-1)).toMatch(/^done: \d+ items erased$/);
    expect(JSON.parse((await runJson(['tenants', 'erasure', 'leaving', '--url', runtime.url], env)).out)).toMatchObject({ status: 'done', counts: { api_keys: 1 } });
  }, 60_000);

  it('says what went wrong, with a non-zero exit', async () => {
    const env = { HOOKPOST_DATA_DIR: dataDir };
    const dup = await run(['tenants', 'create', 'initech', '--url', runtime.url], env);
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('409');
    expect((await run(['tenants', 'create', 'x', '--url', runtime.url, '--admin-key', 'wrong'])).err).toContain('403');
    expect((await run(['frobnicate'])).code).toBe(2);
    const badData = await run(['events', 'publish', 'initech', 'price.alert', '--data', '{nope', '--url', runtime.url], env);
    expect(badData).toMatchObject({ code: 2, err: expect.stringContaining('JSON') });
  });
});

describe('operator CLI: deliveries and bulk recovery', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it('lists webhooks and deliveries, shows one, and recovers failed ones with a progress bar', async () => {
    const env = { HOOKPOST_DATA_DIR: dataDir };
    const url = ['--url', runtime.url];
    await run(['tenants', 'create', 'umbrella', ...url], env);
    const { key } = JSON.parse((await runJson(['keys', 'create', 'umbrella', ...url], env)).out);
    let healthy = false;
    receiver.respondWith(() => (healthy ? { status: 200, body: 'ok' } : { status: 503, body: 'down' }));
    const api = apiClient(runtime.url).call;
    // Basic credentials the receiver does not check: the table says the webhook has auth, never what.
    const hook = (await api('POST', '/api/v1/admin/webhooks', { key, body: { url: `${receiver.url}/cli`, events: ['price.alert'], auth: { type: 'basic', username: 'ops', password: 'cli-password-value' } } })).body.id;
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 3; i++) await run(['events', 'publish', 'umbrella', 'price.alert', '--data', `{"i":${i}}`, ...url], env);

    const listed = JSON.parse((await runJson(['webhooks', 'list', 'umbrella', ...url], env)).out);
    expect(listed.data.map((w: { id: string }) => w.id)).toEqual([hook]);
    const failed = await waitUntil(async () => {
      const page = JSON.parse((await runJson(['deliveries', 'list', 'umbrella', hook, '--limit', '10', ...url], env)).out);
      return page.total === 3 && page.data.length === 3 && page.data.every((d: { status: string }) => d.status === 'failed') ? page : undefined;
    });
    const shown = JSON.parse((await runJson(['deliveries', 'show', 'umbrella', hook, failed.data[0].id, ...url], env)).out);
    expect(shown).toMatchObject({ id: failed.data[0].id, status: 'failed', retry_count: 1 });
    // Across the tenant's webhooks: its failed deliveries, and an event by id.
    const across = await waitUntil(async () => {
      const page = JSON.parse((await runJson(['deliveries', 'failed', 'umbrella', '--limit', '2', ...url], env)).out);
      return page.has_more ? page : undefined;
    });
    expect(across.data.map((d: { id: string }) => d.id)).toEqual(failed.data.slice(0, 2).map((d: { id: string }) => d.id));
    const rest = JSON.parse((await runJson(['deliveries', 'failed', 'umbrella', '--starting-after', across.next_starting_after, ...url], env)).out);
    expect(rest.data.map((d: { id: string }) => d.id)).toEqual([failed.data[2].id]);
    const event = JSON.parse((await runJson(['events', 'show', 'umbrella', failed.data[0].event_id, ...url], env)).out);
    expect(event).toMatchObject({ object: 'event', id: failed.data[0].event_id, type: 'price.alert', deliveries: [expect.objectContaining({ id: failed.data[0].id })] });

    healthy = true;
    const recovered = await runJson(['recover', 'umbrella', hook, '--since', since, ...url], env);
    expect(recovered.code, recovered.err).toBe(0);
    expect(JSON.parse(recovered.out)).toMatchObject({ object: 'recovery', count: 3, sent: 3, status: 'done' });
    expect(recovered.progress[0]).toMatch(/^\[\.+\] 0\/0 re-sent, finding failed deliveries$/);
    expect(recovered.progress.at(-1)).toBe(`[${'#'.repeat(30)}] 3/3 re-sent`);
    await waitUntil(async () => {
      const page = JSON.parse((await runJson(['deliveries', 'list', 'umbrella', hook, ...url], env)).out);
      return page.data.every((d: { status: string }) => d.status === 'succeeded') ? true : undefined;
    });
    expect((await run(['recover', 'umbrella', hook, ...url], env)).code).toBe(2);

    // By default, tables an operator scans; a manual retry; an API error is exit status 1 with the API's answer.
    const table = await run(['deliveries', 'list', 'umbrella', hook, '--limit', '2', ...url], env);
    expect(table.code, table.err).toBe(0);
    expect(table.out.split('\n')[1]).toMatch(/^│ id +│ event +│ status +│ code +│ retries +│ next attempt +│ webhook +│$/);
    expect(table.out).toMatch(/│ dlv_\w+ +│ price\.alert +│ succeeded +│ 200 +│/);
    expect(table.out.split('\n').at(-1)).toMatch(/^2 shown; more follow: --starting-after dlv_\w+$/);
    const one = failed.data[0].id;
    const retried = await run(['deliveries', 'retry', 'umbrella', hook, one, ...url], env);
    expect(retried.code, retried.err).toBe(1);
    expect(retried.err).toMatch(/409 .*delivery_succeeded/);
    const webhooks = await run(['webhooks', 'list', 'umbrella', ...url], env);
    expect(webhooks.out).toContain(hook);
    expect(webhooks.out.split('\n').at(-1)).toBe('1 shown; end of the list');
    expect(webhooks.out).toMatch(/│ auth +│/);
    expect(webhooks.out).toMatch(/│ basic +│/);
    expect(webhooks.out + JSON.stringify(listed)).not.toContain('cli-password-value');
    const detail = await run(["deliveries", "show", "umbrella", hook, one, ...url], env);
    expect(detail.out).toMatch(/│ status +│ succeeded +│/);
    expect(detail.out).toMatch(/│ # +│ at +│ code +│ error +│ ms +│ trigger +│ message id +│ detail +│/);
  });
});

describe('operator CLI against a deployed stack', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    receiver.respondWith(() => ({ status: 201, body: '{"object":"tenant","id":"acme"}' }));
  });
  afterAll(() => receiver.close());

  it("finds the API from the stack's outputs and signs with SigV4 for execute-api", async () => {
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Hookpost', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'ApiUrl', OutputValue: `${receiver.url}/` }] }],
    });
    const out: string[] = [];
    const code = await main(['tenants', 'create', 'acme', '--stack', 'Hookpost', '--region', 'eu-west-1'], {
      env: {},
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    });
    expect(code, out.join('\n')).toBe(0);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'Hookpost' });
    const [req] = receiver.received;
    expect(req!.path).toBe('/v1/tenants');
    expect(JSON.parse(req!.body.toString())).toEqual({ id: 'acme' });
    expect(req!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(req!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    cfn.restore();
  });
});
