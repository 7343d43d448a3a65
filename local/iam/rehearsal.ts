import type { RouteGroup, RouteSpec } from '../../lambdas/shared/http/routes';
import { type Authorizer, type Caller, createAuthorizer } from './authorizer';
import { stackTemplate } from './stack-template';
import { buildIamModel, type IamModel, type LocalNames } from './template-model';

/** The synthesized template read over the local runtime's resources (IAM, keys, queue limits). */
export const loadStackModel = async (
  names: Omit<LocalNames, 'account' | 'queueUrlPrefix'> & { queueUrl: string; template?: { Resources: Record<string, unknown> } },
): Promise<IamModel> => {
  const { queueUrl, template, ...tables } = names;
  const prefix = queueUrl.slice(0, queueUrl.lastIndexOf('/') + 1);
  const account = /\/(\d{12})\/$/.exec(prefix)?.[1] ?? '000000000000';
  return buildIamModel((template ?? (await stackTemplate())) as Parameters<typeof buildIamModel>[0], { ...tables, account, queueUrlPrefix: prefix });
};

/** IAM as the synthesized template defines it, over the local runtime's resources. */
export const loadAuthorizer = async (names: Parameters<typeof loadStackModel>[0]): Promise<Authorizer> => createAuthorizer(await loadStackModel(names));

/**
 * API Gateway invokes a route's function only if the function's resource policy lets it, for
 * that route's source ARN (`<api>/<stage>/<METHOD>/<path>`): a route whose permission the
 * template lacks fails on AWS with 500, and does here.
 */
export const invokeCheck =
  (iam: Authorizer, caller: Caller) =>
  (group: RouteGroup, spec: RouteSpec): Promise<void> => {
    const { model } = iam;
    const functionArn = model.functionArns[group];
    if (!functionArn) return Promise.reject(new Error(`The template has no function for the route group ${group}`));
    const sourceArn = `arn:aws:execute-api:${model.region}:${model.account}:${model.arns.api}/$default/${spec.method}${spec.path}`;
    return iam.check(caller, [{ action: 'lambda:InvokeFunction', resource: functionArn, context: { 'aws:SourceArn': sourceArn } }]);
  };
