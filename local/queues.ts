import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_ORDERED_QUEUES } from './iam/template-model';

export const LOCAL_QUEUES = { delivery: 'hookpost-delivery', dlq: 'hookpost-delivery-dlq' };

/** A FIFO queue as the template has it: deduplication and throughput per message group. */
const FIFO = { FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' };

/** A queue and its dead-letter queue on fauxqs, with the template's redrive count; their URL and ARN. */
const queueWithDlq = async (sqs: SQSClient, names: { queue: string; dlq: string }, attributes: Record<string, string>, maxReceiveCount: number) => {
  const arnOf = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: names.dlq, ...(attributes.FifoQueue ? { Attributes: FIFO } : {}) }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: names.queue,
      Attributes: { ...attributes, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq.QueueUrl!), maxReceiveCount }) },
    }),
  );
  return { url: queue.QueueUrl!, arn: await arnOf(queue.QueueUrl!) };
};

/** The delivery queue and the ordered endpoints' FIFO queue, each with its dead-letter queue. */
export const createQueues = async (sqs: SQSClient, visibilityTimeout: number) => {
  const delivery = await queueWithDlq(sqs, { queue: LOCAL_QUEUES.delivery, dlq: LOCAL_QUEUES.dlq }, { VisibilityTimeout: String(visibilityTimeout) }, 5);
  const ordered = await queueWithDlq(sqs, LOCAL_ORDERED_QUEUES, { ...FIFO, VisibilityTimeout: String(visibilityTimeout) }, 1000);
  return { queueUrl: delivery.url, queueArn: delivery.arn, orderedQueueUrl: ordered.url, orderedQueueArn: ordered.arn };
};
