/**
 * The environment a bundled handler needs to load outside Lambda: resource names only (the
 * handlers build their clients at load, and call nothing until invoked).
 */
export const BUNDLE_LOAD_ENV = {
  CONFIG_TABLE_NAME: 'configs',
  DELIVERIES_TABLE_NAME: 'deliveries',
  DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
  MASTER_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k',
  SCHEDULE_GROUP_NAME: 'g',
  DELIVERY_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:q',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
  SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:d',
  OPERATIONS_BUS_NAME: 'bus',
  ORDERED_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/o.fifo',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** The SDK clients each function really calls. */
export const CLIENTS_USED: Record<string, string[]> = {
  'account-webhooks': ['client-dynamodb', 'lib-dynamodb', 'client-secrets-manager'],
  // AWS destinations' check (issue 26): STS, and a test write to the tenant's bus, queue or topic.
  'admin-webhooks': ['client-dynamodb', 'lib-dynamodb', 'client-sqs', 'client-secrets-manager', 'client-sts', 'client-sns', 'client-eventbridge'],
  platform: ['client-dynamodb', 'lib-dynamodb', 'client-sqs'],
  docs: [],
  'delivery-worker': ['client-dynamodb', 'lib-dynamodb', 'client-sqs', 'client-secrets-manager', 'client-scheduler', 'client-eventbridge', 'client-sts', 'client-sns'],
  'eventbridge-ingest': ['client-dynamodb', 'lib-dynamodb', 'client-sqs'],
};

/** The libraries each function is built on (besides the SDK clients), for the bench's "libraries floor". */
export const LIBRARIES_USED: Record<string, string[]> = {
  'account-webhooks': ['logger', 'metrics', 'middy', 'http-header-normalizer', 'zod', 'parameters'],
  'admin-webhooks': ['logger', 'metrics', 'middy', 'http-header-normalizer', 'zod', 'parameters'],
  platform: ['logger', 'metrics', 'middy', 'http-header-normalizer', 'zod'],
  docs: ['logger', 'metrics', 'middy', 'http-header-normalizer', 'zod'],
  'delivery-worker': ['logger', 'metrics', 'middy', 'batch', 'zod', 'parameters'],
  'eventbridge-ingest': ['logger', 'metrics', 'middy', 'zod'],
};
