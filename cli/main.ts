import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { render } from './format';

const USAGE = `hookpost: operator commands for a local runtime or a deployed stack

Usage:
  hookpost tenants create <tenant_id> [--name NAME]
  hookpost tenants erase <tenant_id> [--wait]      erase the tenant and everything of it, in the background (--wait: until done)
  hookpost tenants erasure <tenant_id>             an erasure's progress, then its receipt
  hookpost keys create <tenant_id>                 prints the new API key once
  hookpost keys revoke <tenant_id> <key_id>
  hookpost events publish <tenant_id> <type> [--data JSON] [--idempotency-key KEY]   (a test event)
  hookpost webhooks list <tenant_id>
  hookpost event-types list                         the catalogue: each type's validation, schema version and description
  hookpost audit-log <tenant_id> [--webhook wh_…] [--action ACTION] [--limit N] [--starting-after aud_…]   who changed what, newest first
  hookpost deliveries list <tenant_id> <webhook_id> [--limit N] [--offset N | --starting-after dlv_…]
  hookpost deliveries show <tenant_id> <webhook_id> <delivery_id>
  hookpost deliveries retry <tenant_id> <webhook_id> <delivery_id>   send it again now (a manual attempt)
  hookpost deliveries failed <tenant_id> [--limit N] [--starting-after dlv_…]   every webhook's, newest first
  hookpost events show <tenant_id> <event_id>      the event (data when kept) and its delivery to each webhook
  hookpost recover <tenant_id> <webhook_id> --since ISO [--until ISO]   re-send failed deliveries, with progress

Output: a table (lists) or the fields of what was answered; --json prints the API's answer as is.
Exit status: 0 done, 1 the request failed (the API's error is printed), 2 a usage error.

Target (default: the local runtime):
  --url URL            API base URL (default $HOOKPOST_URL, else http://127.0.0.1:$HOOKPOST_PORT, port 3000)
  --admin-key KEY      the local admin key (default $HOOKPOST_ADMIN_KEY; else SigV4 with the local
                       credential pair in $HOOKPOST_DATA_DIR/local.json)
  --stack NAME         a deployed stack: its ApiUrl output, requests signed with your AWS credentials (SigV4)
  --region REGION      the stack's region (default: the SDK's)
`;

export interface CliDeps {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Redraws the progress line (a terminal) or prints it (a pipe). @default err */
  progress?: (line: string) => void;
  /** How long to wait between progress polls. @default 1000 */
  pollMs?: number;
  cloudFormation?: CloudFormationClient;
  credentials?: AwsCredentialIdentityProvider;
}

type Target = { baseUrl: string; sign: (req: { method: string; url: URL; headers: Record<string, string>; body?: string }) => Promise<Record<string, string>> };

interface LocalFile {
  adminKey: string;
  platformCredentials?: { accessKeyId: string; secretAccessKey: string };
}

const localFile = (env: NodeJS.ProcessEnv): LocalFile => {
  const file = join(env.HOOKPOST_DATA_DIR ?? '.hookpost', 'local.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalFile;
  } catch {
    throw new Error(`No local credentials: pass --admin-key, set HOOKPOST_ADMIN_KEY, or run where ${file} exists`);
  }
};

/** Requests signed with SigV4 for execute-api, as IAM authorizes the platform routes (on AWS, and locally with the local pair). */
const sigV4Target = (baseUrl: string, region: string, credentials: ConstructorParameters<typeof SignatureV4>[0]['credentials']): Target => {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  return {
    baseUrl: baseUrl.replace(/\/$/, ''),
    async sign({ method, url, headers, body }) {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...headers, host: url.host },
        ...(body === undefined ? {} : { body }),
      });
      return signed.headers as Record<string, string>;
    },
  };
};

const resolveTarget = async (values: Record<string, string | undefined>, deps: CliDeps): Promise<Target> => {
  if (values.stack) {
    const cfn = deps.cloudFormation ?? new CloudFormationClient(values.region ? { region: values.region } : {});
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: values.stack }));
    const apiUrl = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ApiUrl')?.OutputValue;
    if (!apiUrl) throw new Error(`Stack ${values.stack} has no ApiUrl output`);
    const region = values.region ?? (await cfn.config.region());
    return sigV4Target(apiUrl, region, deps.credentials ?? fromNodeProviderChain());
  }
  const baseUrl = (values.url ?? deps.env.HOOKPOST_URL ?? `http://127.0.0.1:${deps.env.HOOKPOST_PORT ?? 3000}`).replace(/\/$/, '');
  const adminKey = values['admin-key'] ?? deps.env.HOOKPOST_ADMIN_KEY;
  if (adminKey) return { baseUrl, sign: async ({ headers }) => ({ ...headers, authorization: `Bearer ${adminKey}` }) };
  // The local runtime's own credential pair: the same signing path as a deployed stack.
  const local = localFile(deps.env);
  if (local.platformCredentials) return sigV4Target(baseUrl, 'us-east-1', local.platformCredentials);
  return { baseUrl, sign: async ({ headers }) => ({ ...headers, authorization: `Bearer ${local.adminKey}` }) };
};

const request = async (target: Target, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
  const url = new URL(`${target.baseUrl}${path}`);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = await target.sign({
    method,
    url,
    headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
    ...(text === undefined ? {} : { body: text }),
  });
  delete headers.host;
  const res = await fetch(url, { method, headers, ...(text === undefined ? {} : { body: text }) });
  const answer = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${answer}`);
  return answer ? JSON.parse(answer) : undefined;
};

/** `[##########..........]  12/24 re-sent` */
/** A recovery's progress: re-sent of found; while it runs, the worker may still be finding failed deliveries. */
export const progressBar = (done: number, total: number, running = false, width = 30): string => {
  const filled = total === 0 ? (running ? 0 : width) : Math.round((Math.min(done, total) / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.min(done, total)}/${total} re-sent${running ? ', finding failed deliveries' : ''}`;
};

export const main = async (argv: string[], deps: CliDeps): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'admin-key': { type: 'string' },
        stack: { type: 'string' },
        region: { type: 'string' },
        name: { type: 'string' },
        data: { type: 'string' },
        'idempotency-key': { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' },
        'starting-after': { type: 'string' },
        webhook: { type: 'string' },
        action: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        json: { type: 'boolean' },
        wait: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    deps.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [noun, verb, ...rest] = positionals;
  if (values.help || !noun) {
    deps.out(USAGE);
    return values.help ? 0 : 2;
  }
  const command = `${noun} ${verb ?? ''}`.trim();
  let action: ((target: Target) => Promise<unknown>) | undefined;
  if (command === 'tenants create' && rest.length === 1) {
    action = (t) => request(t, 'POST', '/v1/tenants', { id: rest[0], ...(values.name ? { name: values.name } : {}) });
  } else if (command === 'tenants erase' && rest.length === 1) {
    const path = `/v1/tenants/${encodeURIComponent(rest[0]!)}`;
    action = async (t) => {
      let erasure = (await request(t, 'DELETE', path)) as { status: string; counts: Record<string, number> };
      if (!values.wait) return erasure;
      const show = deps.progress ?? deps.err;
      for (;;) {
        show(`${erasure.status}: ${Object.values(erasure.counts).reduce((a, b) => a + b, 0)} items erased`);
        if (erasure.status === 'done') return erasure;
        await new Promise((r) => setTimeout(r, deps.pollMs ?? 1000));
        erasure = await request(t, 'GET', `${path}/erasure`);
      }
    };
  } else if (command === 'tenants erasure' && rest.length === 1) {
    action = (t) => request(t, 'GET', `/v1/tenants/${encodeURIComponent(rest[0]!)}/erasure`);
  } else if (command === 'keys create' && rest.length === 1) {
    action = (t) => request(t, 'POST', `/v1/tenants/${encodeURIComponent(rest[0]!)}/keys`);
  } else if (command === 'keys revoke' && rest.length === 2) {
    action = async (t) => {
      await request(t, 'DELETE', `/v1/tenants/${encodeURIComponent(rest[0]!)}/keys/${encodeURIComponent(rest[1]!)}`);
      return { revoked: rest[1] };
    };
  } else if (command === 'events publish' && rest.length === 2) {
    let data: unknown = {};
    if (values.data !== undefined) {
      try {
        data = JSON.parse(values.data);
      } catch {
        deps.err('hookpost: --data must be JSON');
        return 2;
      }
    }
    const headers: Record<string, string> = values['idempotency-key'] ? { 'idempotency-key': values['idempotency-key'] } : {};
    action = (t) => request(t, 'POST', '/v1/events', { tenant_id: rest[0], type: rest[1], data }, headers);
  }
  const t = (id: string) => `/v1/tenants/${encodeURIComponent(id)}`;
  const w = (tenant: string, webhook: string) => `${t(tenant)}/webhooks/${encodeURIComponent(webhook)}`;
  if (noun === 'audit-log' && positionals.length === 2) {
    const query = new URLSearchParams({
      limit: values.limit ?? '20',
      ...(values['starting-after'] ? { starting_after: values['starting-after'] } : {}),
      ...(values.webhook ? { webhook_id: values.webhook } : {}),
      ...(values.action ? { action: values.action } : {}),
    });
    action = (target) => request(target, 'GET', `${t(positionals[1]!)}/audit-log?${query}`);
  } else if (command === 'event-types list' && rest.length === 0) {
    action = (target) => request(target, 'GET', '/v1/event-types');
  } else if (command === 'webhooks list' && rest.length === 1) {
    action = (target) => request(target, 'GET', `${t(rest[0]!)}/webhooks`);
  } else if (command === 'deliveries list' && rest.length === 2) {
    const query = new URLSearchParams({ limit: values.limit ?? '20', ...(values['starting-after'] ? { starting_after: values['starting-after'] } : { offset: values.offset ?? '0' }) });
    action = (target) => request(target, 'GET', `${w(rest[0]!, rest[1]!)}/deliveries?${query}`);
  } else if (command === 'deliveries show' && rest.length === 3) {
    action = (target) => request(target, 'GET', `${w(rest[0]!, rest[1]!)}/deliveries/${encodeURIComponent(rest[2]!)}`);
  } else if (command === 'deliveries retry' && rest.length === 3) {
    action = (target) => request(target, 'POST', `${w(rest[0]!, rest[1]!)}/deliveries/${encodeURIComponent(rest[2]!)}/retry`);
  } else if (command === 'deliveries failed' && rest.length === 1) {
    const query = new URLSearchParams({ limit: values.limit ?? '20', ...(values['starting-after'] ? { starting_after: values['starting-after'] } : {}) });
    action = (target) => request(target, 'GET', `${t(rest[0]!)}/failed-deliveries?${query}`);
  } else if (command === 'events show' && rest.length === 2) {
    action = (target) => request(target, 'GET', `${t(rest[0]!)}/events/${encodeURIComponent(rest[1]!)}`);
  } else if (noun === 'recover' && positionals.length === 3) {
    const [, tenant, webhook] = positionals as [string, string, string];
    if (!values.since) {
      deps.err('hookpost: recover needs --since (an ISO-8601 time)');
      return 2;
    }
    action = async (target) => {
      const started = await request(target, 'POST', `${w(tenant, webhook)}/recover`, {
        since: values.since,
        ...(values.until ? { until: values.until } : {}),
      });
      const show = deps.progress ?? deps.err;
      let job = started as { id: string; count: number; sent: number; status: string };
      for (;;) {
        show(progressBar(job.sent, job.count, job.status !== 'done'));
        if (job.status === 'done') return job;
        await new Promise((r) => setTimeout(r, deps.pollMs ?? 1000));
        job = await request(target, 'GET', `${w(tenant, webhook)}/recoveries/${job.id}`);
      }
    };
  }
  if (!action) {
    deps.err(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  try {
    const result = await action(await resolveTarget(values as Record<string, string | undefined>, deps));
    deps.out(values.json ? JSON.stringify(result ?? null, null, 2) : render(result));
    return 0;
  } catch (e) {
    deps.err(`hookpost: ${(e as Error).message}`);
    return 1;
  }
};
