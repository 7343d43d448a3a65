import type { IamModel } from './iam/template-model';

type Input = Record<string, any>;

/** SQS's whole-request limit of SendMessageBatch, whatever each queue allows. */
const SQS_BATCH_MAX_BYTES = 1_048_576;

export class ServiceLimitError extends Error {
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 400 };
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The limits SQS applies that fauxqs does not (it takes 1 MiB whatever the queue says): each
 * message within its queue's `MaximumMessageSize` as the template configures it, a batch within
 * 1 MiB, delays within 15 minutes. Thrown with SQS's own error names.
 */
export const sqsLimitViolation = (model: Pick<IamModel, 'region' | 'account' | 'queueMaxMessageBytes'>, operation: string, input: Input): ServiceLimitError | undefined => {
  if (operation !== 'SendMessage' && operation !== 'SendMessageBatch') return undefined;
  const url = String(input.QueueUrl ?? '');
  const queueArn = `arn:aws:sqs:${model.region}:${model.account}:${url.slice(url.lastIndexOf('/') + 1)}`;
  const max = model.queueMaxMessageBytes[queueArn];
  const entries: Input[] = operation === 'SendMessage' ? [input] : (input.Entries ?? []);
  let total = 0;
  for (const entry of entries) {
    const bytes = Buffer.byteLength(String(entry.MessageBody ?? ''));
    total += bytes;
    if (max !== undefined && bytes > max) {
      return new ServiceLimitError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${max} bytes.`);
    }
    if (Number(entry.DelaySeconds ?? 0) > 900) {
      return new ServiceLimitError('InvalidParameterValue', `Value ${entry.DelaySeconds} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`);
    }
  }
  if (operation === 'SendMessageBatch' && total > SQS_BATCH_MAX_BYTES) {
    return new ServiceLimitError('BatchRequestTooLong', `Batch requests cannot be longer than ${SQS_BATCH_MAX_BYTES} bytes. You have sent ${total} bytes.`);
  }
  return undefined;
};

/** EventBridge Scheduler's rule for schedule names (CreateSchedule's `Name`). */
export const schedulerNameViolation = (name: string): ServiceLimitError | undefined =>
  name.length >= 1 && name.length <= 64 && /^[0-9a-zA-Z-_.]+$/.test(name)
    ? undefined
    : new ServiceLimitError('ValidationException', `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64 and match pattern [0-9a-zA-Z-_.]+`);

interface Client {
  middlewareStack: { add: (middleware: any, options: { step: 'initialize'; name: string }) => void };
}

/** Makes a local SQS client refuse what SQS would refuse, before the request leaves. */
export const limitSqsClient = <C extends Client>(client: C, model: Pick<IamModel, 'region' | 'account' | 'queueMaxMessageBytes'>): C => {
  client.middlewareStack.add(
    (next: (args: { input: Input }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: Input }) => {
      const violation = sqsLimitViolation(model, String(context.commandName ?? '').replace(/Command$/, ''), args.input);
      if (violation) throw violation;
      return next(args);
    },
    { step: 'initialize', name: 'hookpostSqsLimits' },
  );
  return client;
};
