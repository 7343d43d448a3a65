import type { AccessRequest, Authorizer, Caller } from './authorizer';
import { aroundCommands, type MiddlewareClient } from '../sdk-middleware';
import { type IamModel, queueArnOfUrl } from './template-model';

type Input = Record<string, any>;

/** DynamoDB operations that read or write items: with a customer key, each also needs `kms:Decrypt` through DynamoDB. */
const DYNAMODB_DATA = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems']);
const TRANSACT_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
/** SQS batch calls are authorized as their single-message action. */
const SQS_ACTIONS: Record<string, string> = { SendMessageBatch: 'SendMessage', DeleteMessageBatch: 'DeleteMessage', ChangeMessageVisibilityBatch: 'ChangeMessageVisibility' };

/** The KMS requests a service makes with a customer key on the caller's behalf (`kms:ViaService` names it). */
export const kmsViaService = (model: Pick<IamModel, 'region' | 'account'>, service: string, keyArn: string, actions: string[]): AccessRequest[] =>
  actions.map((action) => ({ action, resource: keyArn, context: { 'kms:ViaService': `${service}.${model.region}.amazonaws.com`, 'kms:CallerAccount': model.account } }));

/**
 * The IAM requests AWS makes of one SDK call: the call's own action on each resource it names
 * (a table, its index, a queue), and the KMS calls the service makes on the caller's behalf
 * when the resource is encrypted with a customer key (AWS documents them per service:
 * DynamoDB and a consumer of SQS `kms:Decrypt`, an SQS producer `kms:GenerateDataKey` and
 * `kms:Decrypt`).
 */
export const requestsOf = (model: IamModel, service: 'dynamodb' | 'sqs', operation: string, input: Input): AccessRequest[] => {
  const arn = (svc: string, resource: string) => `arn:aws:${svc}:${model.region}:${model.account}:${resource}`;
  const viaService = (keyArn: string, actions: string[]) => kmsViaService(model, service, keyArn, actions);
  if (service === 'dynamodb') {
    const table = (name: string) => arn('dynamodb', `table/${name}`);
    const own: AccessRequest[] = [];
    if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
      for (const name of Object.keys(input.RequestItems ?? {})) own.push({ action: `dynamodb:${operation}`, resource: table(name) });
    } else if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      for (const item of input.TransactItems ?? []) {
        const [kind, body] = Object.entries(item as Input)[0]!;
        own.push({ action: `dynamodb:${TRANSACT_ACTIONS[kind]}`, resource: table(body.TableName) });
      }
    } else {
      own.push({ action: `dynamodb:${operation}`, resource: input.IndexName ? `${table(input.TableName)}/index/${input.IndexName}` : table(input.TableName) });
    }
    if (!DYNAMODB_DATA.has(operation)) return own;
    const keys = new Set(own.map((r) => model.keys[r.resource.replace(/\/index\/.*$/, '')]).filter((k): k is string => !!k));
    return [...own, ...[...keys].flatMap((key) => viaService(key, ['kms:Decrypt']))];
  }
  const queueArn = queueArnOfUrl(model, String(input.QueueUrl ?? ''));
  const action = SQS_ACTIONS[operation] ?? operation;
  const own: AccessRequest = { action: `sqs:${action}`, resource: queueArn };
  const key = model.keys[queueArn];
  if (!key) return [own];
  if (action === 'SendMessage') return [own, ...viaService(key, ['kms:GenerateDataKey', 'kms:Decrypt'])];
  if (action === 'ReceiveMessage') return [own, ...viaService(key, ['kms:Decrypt'])];
  return [own];
};

/**
 * Makes an SDK client ask IAM first, as the caller (a function's role): every command is
 * evaluated against the template's policies before it leaves, and a refusal throws what AWS
 * would (`AccessDeniedException`).
 */
export const guardClient = <C extends MiddlewareClient>(client: C, service: 'dynamodb' | 'sqs', caller: Caller, authorizer: Authorizer): C =>
  aroundCommands(
    client,
    'hookpostIamRehearsal',
    async (operation, input, send) => {
      await authorizer.check(caller, requestsOf(authorizer.model, service, operation, input));
      return send();
    },
    'high',
  );
