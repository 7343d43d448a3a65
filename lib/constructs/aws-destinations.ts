import { Duration, Stack } from 'aws-cdk-lib';
import { ArnPrincipal, CompositePrincipal, Effect, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_DESTINATION_SOURCE, parseAccounts } from '../../lambdas/shared/config';
import { acknowledgeWildcard } from '../nag';
import type { HookpostFunction } from './hookpost-function';

export interface AwsDestinationsProps {
  /** The functions that assume tenants' roles: the worker (writes) and the tenant routes (the check). */
  readonly callers: HookpostFunction[];
  /** The only accounts destinations may be in. @default any account but the platform's own */
  readonly accounts?: string[];
  /** An EventBridge destination's `Source`. @default 'hookpost' */
  readonly source?: string;
}

/** EventBridge's rule for a PutEvents Source: 1-256 characters, and never `aws.` (AWS's own). */
export const checkDestinationSource = (source: string): string => {
  if (!/^[\x21-\x7e]{1,256}$/.test(source) || source.startsWith('aws.')) throw new Error(`destinationSource "${source}" must be 1-256 printable characters, not beginning with "aws."`);
  return source;
};

/**
 * AWS destinations (issue 26): the destination role, the one principal tenants' roles trust.
 * The worker and the tenant routes may assume it and nothing else; it may assume roles in
 * other accounts (the listed ones, with `accounts`), never in the platform's own, where a role
 * trusting the account's root would let it in. A stable principal: a tenant's trust policy
 * does not change when a function's role is replaced.
 */
export class AwsDestinations extends Construct {
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: AwsDestinationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const accounts = props.accounts ? parseAccounts(props.accounts.join(',')) : undefined;
    if (accounts?.includes(stack.account)) throw new Error(`destinationAccounts: ${stack.account} is the platform's own account, where destinations are refused`);
    const source = checkDestinationSource(props.source ?? DEFAULT_DESTINATION_SOURCE);
    this.role = new Role(this, 'Role', {
      assumedBy: new CompositePrincipal(...props.callers.map((c) => new ArnPrincipal(c.role.roleArn))),
      // Role chaining caps a hop at an hour.
      maxSessionDuration: Duration.hours(1),
      description: "hookpost: assumes tenants' destination roles (with their external ids) to write into their buses, queues and topics",
    });
    const roles = (account: string) => `arn:${stack.partition}:iam::${account}:role/*`;
    const allowed = accounts ? accounts.map(roles) : [roles('*')];
    this.role.addToPolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: allowed }));
    this.role.addToPolicy(new PolicyStatement({ effect: Effect.DENY, actions: ['sts:AssumeRole'], resources: [roles(stack.account)] }));
    for (const resource of allowed) {
      acknowledgeWildcard(this.role, resource, "Tenants' destination roles are named at run time, in their own accounts; each AssumeRole needs the tenant's external id, and the platform's own account is denied.");
    }
    for (const caller of props.callers) {
      caller.function.addToRolePolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [this.role.roleArn] }));
      caller.function.addEnvironment('DESTINATION_ROLE_ARN', this.role.roleArn);
      caller.function.addEnvironment('PLATFORM_ACCOUNT', stack.account);
      caller.function.addEnvironment('DESTINATION_SOURCE', source);
      if (accounts) caller.function.addEnvironment('DESTINATION_ACCOUNTS', accounts.join(','));
    }
  }
}
