import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { IamModel } from './template-model';

/** One request as IAM sees it: what is done, to what, and the context AWS adds. */
export interface AccessRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/** Who asks: a role of the model (a function's name, or `scheduler`), or a service principal (`events.amazonaws.com`). */
export type Caller = string;

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** What AWS throws when IAM refuses: the SDK surfaces it under this name and message shape. */
export class AccessDeniedException extends Error {
  override readonly name: string;
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400 };
  constructor(message: string, name = 'AccessDeniedException') {
    super(message);
    this.name = name;
  }
}

const isService = (caller: Caller) => caller.endsWith('.amazonaws.com');

/**
 * Evaluates requests against the template's policies with a real IAM policy evaluator
 * (`@cloud-copilot/iam-simulate`: identity and resource policies, KMS key policies' own trust
 * rule, every condition operator). Decisions are cached: the same caller, action, resource
 * and context always decide the same, and a request path asks the same few questions.
 */
export const createAuthorizer = (model: IamModel) => {
  const decisions = new Map<string, Promise<Decision>>();

  const principalOf = (caller: Caller): string => {
    if (isService(caller)) return caller;
    const role = model.roles[caller];
    if (!role) throw new Error(`The template has no role for "${caller}"`);
    return role.arn;
  };

  const evaluate = async (caller: Caller, request: AccessRequest): Promise<Decision> => {
    const context = { 'aws:SecureTransport': 'true', ...request.context };
    const result = await runSimulation(
      {
        request: {
          principal: principalOf(caller),
          action: request.action,
          resource: { resource: request.resource, accountId: model.account },
          contextVariables: context,
        },
        identityPolicies: isService(caller) ? [] : model.roles[caller]!.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: model.resourcePolicies[request.resource],
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new Error(`IAM rehearsal: ${request.action} on ${request.resource} cannot be evaluated: ${JSON.stringify(result.errors)}`);
    }
    return result.overallResult as Decision;
  };

  const decide = (caller: Caller, request: AccessRequest): Promise<Decision> => {
    const key = JSON.stringify([caller, request.action, request.resource, request.context ?? {}]);
    let decision = decisions.get(key);
    if (!decision) {
      decision = evaluate(caller, request);
      decisions.set(key, decision);
    }
    return decision;
  };

  /** AWS's own words for a refusal, naming the role's session as Lambda or Scheduler would. */
  const refusal = (caller: Caller, request: AccessRequest, decision: Decision): string => {
    const who = isService(caller) ? caller : `${principalOf(caller).replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${caller}`;
    const why =
      decision === 'ExplicitlyDenied'
        ? 'with an explicit deny in a policy'
        : model.resourcePolicies[request.resource] && (request.action.startsWith('kms:') || isService(caller))
          ? `because no resource-based policy allows the ${request.action} action`
          : `because no identity-based policy allows the ${request.action} action`;
    return `User: ${who} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
  };

  return {
    model,
    decide,
    /** Throws `AccessDeniedException` (or `errorName`) unless every request is allowed. */
    async check(caller: Caller, requests: AccessRequest[], errorName?: string): Promise<void> {
      for (const request of requests) {
        const decision = await decide(caller, request);
        if (decision !== 'Allowed') throw new AccessDeniedException(refusal(caller, request, decision), errorName);
      }
    },
  };
};

export type Authorizer = ReturnType<typeof createAuthorizer>;
