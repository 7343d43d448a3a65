import { type IamModel, queueArnOfUrl } from './iam/template-model';
import { aroundCommands, type MiddlewareClient } from './sdk-middleware';

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
  const max = model.queueMaxMessageBytes[queueArnOfUrl(model, String(input.QueueUrl ?? ''))];
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

/** Makes a local SQS client refuse what SQS would refuse, before the request leaves. */
export const limitSqsClient = <C extends MiddlewareClient>(client: C, model: Pick<IamModel, 'region' | 'account' | 'queueMaxMessageBytes'>): C =>
  aroundCommands(client, 'hookpostSqsLimits', async (operation, input, send) => {
    const violation = sqsLimitViolation(model, operation, input);
    if (violation) throw violation;
    return send();
  });
