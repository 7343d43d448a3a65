import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { XmlNode } from '@aws-sdk/xml-builder';
import { AwsServiceError, leaf, sendQueryError, sendXml } from './query-protocol';

/**
 * STS's AssumeRole for AWS destinations (issue 26), over its real wire protocol (the Query
 * protocol: a form-encoded POST, an XML answer), so the worker's own `@aws-sdk/client-sts`
 * calls it. No emulator exists; this one refuses what STS refuses:
 * - the role's trust policy is evaluated with the caller's identity policies by AWS's policy
 *   logic (`@cloud-copilot/iam-simulate`, the evaluator the local IAM checks use), the external
 *   id as `sts:ExternalId`, across accounts as AWS does (both sides must allow);
 * - a role that does not exist answers as a denied one does (STS never says which);
 * - RoleSessionName (2-64 of [\w+=,.@-]), ExternalId (2-1224 of [\w+=,.@:/-]), DurationSeconds
 *   (900 up to the role's MaxSessionDuration) and the session policy (at most 2,048 characters
 *   packed, here its JSON without spaces) as STS validates them.
 * The sessions it issues are kept with their role and session policy, for the destination
 * stand-ins to evaluate each write against both.
 */
export interface LocalRole {
  arn: string;
  /** Its trust policy (AssumeRolePolicyDocument). */
  trustPolicy: unknown;
  /** Its permission policies. */
  policies: unknown[];
  /** @default 3600 */
  maxSessionDurationSeconds?: number;
}

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  sessionName: string;
  /** The inline session policy; the session may do what both it and the role allow. */
  sessionPolicy?: unknown;
  expiresAt: number;
}

export interface StsCaller {
  /** The caller's role ARN (a function's role in the platform's account, or a role it assumed). */
  arn: string;
  /** Its identity policies, as the template grants them. */
  policies: unknown[];
  /** A role session assuming another role: a role chain, whose sessions STS caps at an hour. */
  chained?: boolean;
}

const accountOf = (arn: string) => arn.split(':')[4] ?? '';
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export const createStsStandIn = (options: { roles: readonly LocalRole[]; callerOf: (accessKeyId: string) => StsCaller | undefined; now?: () => number }) => {
  const roles = new Map(options.roles.map((r) => [r.arn, r]));
  const sessions = new Map<string, Session>();
  const now = options.now ?? Date.now;

  const denied = (caller: StsCaller, roleArn: string) =>
    new AwsServiceError(403, 'AccessDenied', `User: ${caller.arn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/hookpost is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);

  /** AssumeRole calls answered, allowed or not (the bench amortises them over deliveries). */
  let calls = 0;
  const assumeRole = async (caller: StsCaller, params: URLSearchParams): Promise<Session> => {
    calls++;
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const externalId = params.get('ExternalId');
    const policy = params.get('Policy');
    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(roleArn)) throw new AwsServiceError(400, 'ValidationError', `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must be a valid ARN`);
    if (!SESSION_NAME.test(sessionName)) {
      throw new AwsServiceError(400, 'ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    if (externalId !== null && !EXTERNAL_ID.test(externalId)) {
      throw new AwsServiceError(400, 'ValidationError', `1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`);
    }
    let sessionPolicy: unknown;
    if (policy !== null) {
      try {
        sessionPolicy = JSON.parse(policy);
      } catch {
        throw new AwsServiceError(400, 'MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
      }
      if (JSON.stringify(sessionPolicy).length > 2048) throw new AwsServiceError(400, 'PackedPolicyTooLarge', 'Packed size of the session policy exceeds the limit.');
    }
    const role = roles.get(roleArn);
    if (!role) throw denied(caller, roleArn);
    const max = role.maxSessionDurationSeconds ?? 3600;
    if (caller.chained && duration > 3600) {
      throw new AwsServiceError(400, 'ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > max) {
      throw new AwsServiceError(400, 'ValidationError', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);
    }
    const result = await runSimulation(
      {
        request: {
          principal: caller.arn,
          action: 'sts:AssumeRole',
          resource: { resource: roleArn, accountId: accountOf(roleArn) },
          contextVariables: { 'aws:SecureTransport': 'true', ...(externalId === null ? {} : { 'sts:ExternalId': externalId }), 'sts:RoleSessionName': sessionName },
        },
        identityPolicies: caller.policies.map((p, i) => ({ name: `caller-${i}`, policy: p as never })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: role.trustPolicy as never,
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(`STS rehearsal: cannot evaluate the trust of ${roleArn}: ${JSON.stringify(result.errors)}`);
    if (result.overallResult !== 'Allowed') throw denied(caller, roleArn);
    const session: Session = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(64).toString('base64'),
      roleArn,
      sessionName,
      ...(sessionPolicy === undefined ? {} : { sessionPolicy }),
      expiresAt: now() + duration * 1000,
    };
    sessions.set(session.accessKeyId, session);
    return session;
  };

  /** Serves one Query-protocol request; false when it is not STS's. */
  const handle = async (res: ServerResponse, body: string, accessKeyId: string): Promise<boolean> => {
    const params = new URLSearchParams(body);
    if (params.get('Version') !== '2011-06-15') return false;
    const requestId = randomUUID();
    try {
      const caller = options.callerOf(accessKeyId);
      if (!caller) throw new AwsServiceError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (params.get('Action') !== 'AssumeRole') throw new AwsServiceError(400, 'InvalidAction', `Could not find operation ${params.get('Action')} for version 2011-06-15`);
      const s = await assumeRole(caller, params);
      const [account, name] = [accountOf(s.roleArn), s.roleArn.split('/').at(-1)!];
      sendXml(
        res,
        200,
        new XmlNode('AssumeRoleResponse')
          .addAttribute('xmlns', 'https://sts.amazonaws.com/doc/2011-06-15/')
          .addChildNode(
            new XmlNode('AssumeRoleResult')
              .addChildNode(
                new XmlNode('Credentials')
                  .addChildNode(leaf('AccessKeyId', s.accessKeyId))
                  .addChildNode(leaf('SecretAccessKey', s.secretAccessKey))
                  .addChildNode(leaf('SessionToken', s.sessionToken))
                  .addChildNode(leaf('Expiration', new Date(s.expiresAt).toISOString())),
              )
              .addChildNode(
                new XmlNode('AssumedRoleUser')
                  .addChildNode(leaf('AssumedRoleId', `AROA${account}:${s.sessionName}`))
                  .addChildNode(leaf('Arn', `arn:aws:sts::${account}:assumed-role/${name}/${s.sessionName}`)),
              ),
          )
          .addChildNode(new XmlNode('ResponseMetadata').addChildNode(leaf('RequestId', requestId))),
      );
    } catch (e) {
      if (!(e instanceof AwsServiceError)) throw e;
      sendQueryError(res, 'https://sts.amazonaws.com/doc/2011-06-15/', e, requestId);
    }
    return true;
  };

  return {
    handle,
    assumeRoleCalls: () => calls,
    /** Adds (or replaces) a role: one a tenant "deployed" in a simulated account. */
    putRole: (role: LocalRole) => void roles.set(role.arn, role),
    role: (arn: string): LocalRole | undefined => roles.get(arn),
    /** A session by its access key id, while it lasts. */
    session: (accessKeyId: string): Session | undefined => {
      const s = sessions.get(accessKeyId);
      return s && s.expiresAt > now() ? s : undefined;
    },
  };
};

export type StsStandIn = ReturnType<typeof createStsStandIn>;
