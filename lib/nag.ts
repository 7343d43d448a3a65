import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Registers the cdk-nag packs hookpost is held to, AWS Solutions and Serverless, on a stack or a whole app. */
export const addNagChecks = (scope: IConstruct): void => {
  Validations.of(scope).addPlugins(new AwsSolutionsChecks(scope), new ServerlessChecks(scope));
};

type Resolved = string | { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, Resolved[]] };

/** Spells a (possibly tokenised) resource ARN the way cdk-nag names it in an IAM5 finding. */
const nagSpelling = (value: Resolved): string => {
  if (typeof value === 'string') return value;
  if (value.Ref) return `<${value.Ref}>`;
  if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(nagSpelling).join(value['Fn::Join'][0]);
  throw new Error(`Cannot spell ${JSON.stringify(value)} for cdk-nag`);
};

/**
 * Acknowledges one IAM5 wildcard finding, named exactly (never the whole rule), on `scope`.
 * `resource` is the granted resource, as a string or a token.
 */
export const acknowledgeWildcard = (scope: IConstruct, resource: string, reason: string): void => {
  const spelled = nagSpelling(Stack.of(scope).resolve(resource) as Resolved);
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::${spelled}]`, reason });
};

/**
 * Acknowledges the two action wildcards aws-cdk-lib writes into every KMS grant (a table's,
 * queue's or secret's `grant*` on a customer-managed key). They are granted on the one key's
 * ARN only, never on `*`.
 */
export const acknowledgeKeyGrants = (scope: IConstruct): void => {
  for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
      reason: `${action} is part of aws-cdk-lib's grant on the stack's data key (tables, queues, secret encrypted with it); the statement names that one key, not *.`,
    });
  }
};
