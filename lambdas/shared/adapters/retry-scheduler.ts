import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { AttemptMessage, Clock, DeliveryQueue, RetryScheduler } from '../domain/ports';
import { sqsSafeJson } from './sqs-queue';

/** SQS's longest message delay. */
export const MAX_SQS_DELAY_SECONDS = 900;

export interface SchedulerTarget {
  groupName: string;
  /** The delivery queue's ARN: the schedule's target. */
  queueArn: string;
  /** The role EventBridge Scheduler assumes; it may only send to the delivery queue. */
  roleArn: string;
  /** Where Scheduler puts a message it could not deliver to the queue. */
  deadLetterArn: string;
}

/** One schedule per delivery and attempt: a redelivered message never creates a second one. */
export const scheduleName = (message: Pick<AttemptMessage, 'deliveryId' | 'attempt'>): string => `${message.deliveryId}-a${message.attempt}`;

/** `at()` takes whole seconds, no zone designator; the zone is given apart. */
export const atExpression = (when: Date): string => `at(${when.toISOString().slice(0, 19)})`;

/**
 * Delays up to 15 minutes ride on SQS `DelaySeconds`; longer ones become one-time
 * EventBridge Scheduler schedules in the stack's group, whose target sends the message to the
 * delivery queue and which delete themselves after running.
 */
export class AwsRetryScheduler implements RetryScheduler {
  constructor(
    private readonly queue: DeliveryQueue,
    private readonly scheduler: SchedulerClient,
    private readonly target: SchedulerTarget,
    private readonly clock: Clock,
  ) {}

  async schedule(message: AttemptMessage, delaySeconds: number): Promise<void> {
    if (delaySeconds <= MAX_SQS_DELAY_SECONDS) return this.queue.send(message, delaySeconds);
    const when = new Date(this.clock.now().getTime() + delaySeconds * 1000);
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: scheduleName(message),
          GroupName: this.target.groupName,
          ScheduleExpression: atExpression(when),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.target.queueArn,
            RoleArn: this.target.roleArn,
            // As the queue writes it (exact numbers, SQS's characters): Scheduler sends it as the message body.
            Input: sqsSafeJson(message),
            DeadLetterConfig: { Arn: this.target.deadLetterArn },
            RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
          },
        }),
      );
    } catch (e) {
      if (e instanceof ConflictException || (e as { name?: string }).name === 'ConflictException') return; // already scheduled
      throw e;
    }
  }

  async cancel(attempt: Pick<AttemptMessage, 'deliveryId' | 'attempt'>): Promise<boolean> {
    try {
      await this.scheduler.send(new DeleteScheduleCommand({ Name: scheduleName(attempt), GroupName: this.target.groupName }));
      return true;
    } catch (e) {
      if (e instanceof ResourceNotFoundException || (e as { name?: string }).name === 'ResourceNotFoundException') return false; // none, or it ran
      throw e;
    }
  }
}
