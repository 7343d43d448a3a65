import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Authorizer } from '../iam/authorizer';
import type { IamModel } from '../iam/template-model';
import { type StandInOptions, startAwsStandIns } from './aws-stand-ins';
import { createHostPool, type HostPool } from './host-pool';
import type { BundledStack } from './synth';

export interface BundleOptions {
  /** Variables added to every function's environment (say, `NODE_EXTRA_CA_CERTS` for a test's receiver). */
  env?: Record<string, string>;
  /** Every line the functions print (their JSON logs and EMF metrics). */
  onOutput?: (functionName: string, line: string) => void;
}

/**
 * Lambda mounts a function's layers at `/opt`; here they stay in their asset directories, so a
 * variable that names a file under `/opt` names it in the layer that holds it.
 */
const onLayers = (env: Record<string, string>, layers: string[]): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => {
      if (!v.startsWith('/opt/')) return [k, v];
      const found = layers.map((dir) => join(dir, v.slice('/opt/'.length))).find((path) => existsSync(path));
      if (!found) throw new Error(`${k}=${v}: no layer of the function holds it`);
      return [k, found];
    }),
  );

/** The access key id each bundled function signs with: how the stand-ins tell who is asking. */
const accessKeyOf = (name: string) => `AKIALOCAL${name.replace(/[^a-z]/g, '').toUpperCase()}`;

/**
 * The functions of a synthesized stack, each run from its bundle in processes of its own with
 * exactly the template's environment, plus what only a local machine needs: the emulators'
 * and stand-ins' endpoints (the SDK reads `AWS_ENDPOINT_URL_<SERVICE>`), the region and a
 * credential pair of its own. Returns one invoke function per function name.
 */
export const startBundledFunctions = async (
  bundles: BundledStack & BundleOptions,
  wiring: {
    model: IamModel;
    iam?: Authorizer;
    endpoints: { dynamodb: string; sqs: string };
    masterKey: string;
    createSchedule: (name: string, dueAtMs: number, input: string) => Promise<boolean>;
    removeSchedule: (name: string) => Promise<boolean>;
    putEvents: StandInOptions['putEvents'];
  },
) => {
  const names = Object.keys(bundles.functions);
  const standIns = await startAwsStandIns({
    model: wiring.model,
    ...(wiring.iam ? { iam: wiring.iam } : {}),
    callers: Object.fromEntries(names.map((name) => [accessKeyOf(name), name])),
    masterKey: wiring.masterKey,
    createSchedule: wiring.createSchedule,
    removeSchedule: wiring.removeSchedule,
    putEvents: wiring.putEvents,
  });
  const pools: Record<string, HostPool> = {};
  for (const name of names) {
    pools[name] = createHostPool(
      bundles.functions[name]!,
      {
        ...onLayers(wiring.model.environments[name] ?? {}, bundles.functions[name]!.layers),
        AWS_REGION: wiring.model.region,
        AWS_DEFAULT_REGION: wiring.model.region,
        AWS_ACCESS_KEY_ID: accessKeyOf(name),
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: wiring.endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: wiring.endpoints.sqs,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: standIns.endpoint,
        AWS_ENDPOINT_URL_SCHEDULER: standIns.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: standIns.endpoint,
        TZ: 'UTC',
        ...bundles.env,
      },
      bundles.onOutput ? { onOutput: (line) => bundles.onOutput!(name, line) } : {},
    );
  }
  return {
    invoke: (name: string) => {
      const pool = pools[name];
      if (!pool) throw new Error(`The synthesized stack has no function ${name}`);
      return (event: unknown) => pool.invoke(event);
    },
    pools,
    async stop() {
      await Promise.all(Object.values(pools).map((p) => p.stop()));
      await standIns.stop();
    },
  };
};
