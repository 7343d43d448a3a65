import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import type { ITopicSubscription } from 'aws-cdk-lib/aws-sns';
import { addNagChecks } from './nag';
import { Construct } from 'constructs';
import { parseCatalogue } from '../lambdas/shared/domain/catalogue';
import { OPERATIONS_SOURCE, type OperationalEventType } from '../lambdas/shared/domain/operational-event-types';
import { parsePortalSettings, portalEnvironment } from '../lambdas/shared/portal-settings';
import {
  DEFAULT_RETENTION_DAYS,
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_TENANT_RATE_LIMIT,
  parseCidrList,
  parseRateLimit,
  parseRetrySchedule,
} from '../lambdas/shared/config';
import { AwsDestinations } from './constructs/aws-destinations';
import { DataStores } from './constructs/data-stores';
import { DeliveryPipeline } from './constructs/delivery-pipeline';
import { EgressNetwork } from './constructs/egress-network';
import { EventIngest } from './constructs/event-ingest';
import { EventCatalogue } from './constructs/event-catalogue';
import { newestNodeRuntime } from './constructs/hookpost-function';
import { checkCatalogue } from '../lambdas/shared/adapters/event-data-validator';
import { readCatalogueDir } from '../lambdas/shared/catalogue-source';
import { namesOnly } from '../lambdas/shared/domain/event-catalogue';
import { Operations } from './constructs/operations';
import { OrderedDelivery } from './constructs/ordered-delivery';
import { WebhookApi } from './constructs/webhook-api';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root';

/** What a hookpost deployment is configured with (every key can also come from CDK context: `./context-props`). */
export interface HookpostProps {
  /**
   * The event types tenants may subscribe to, by name alone (no schemas: publishes are not
   * checked). Give this or `catalogueDir`, not both. @default the types of `catalogueDir`
   */
  readonly eventTypes?: string[];
  /**
   * A folder of the catalogue: one `<type>.json` per event type, `{type, description, version,
   * validation: "enforce" | "warn" | "off", schema (JSON Schema draft 2020-12), example}`.
   * Read and checked at synth (every schema compiles, every example matches). Published data
   * is checked against it; tenants read it at `GET /api/v1/admin/event-types`.
   * @default the seed types' folder shipped with hookpost (`catalogue/`, validation `warn`)
   */
  readonly catalogueDir?: string;
  /** Seconds before each retry. @default [60, 300, 1800, 7200, 86400] */
  readonly retrySchedule?: number[];
  /** Days events and deliveries are kept (DynamoDB TTL). @default 30 */
  readonly retentionDays?: number;
  /**
   * Store every event's payload for `retentionDays`, so that tenants see it when they look an
   * event up. Off, hookpost stores an event only when it carries an idempotency key or one of
   * its deliveries needs a retry: one write an event less (about $0.63 a million events).
   * @default false
   */
  readonly keepEventPayloads?: boolean;
  /** Disable an endpoint whose every attempt has failed for this long. @default Duration.days(5) */
  readonly disableAfterFailingFor?: Duration;
  /** Where alarms are emailed. @default - none; subscribe to the AlarmTopic output yourself */
  readonly alarmEmail?: string;
  /**
   * Networks an operator allows as webhook targets although they are not public (receivers
   * inside their own VPC or on-premises), as CIDRs. Everything else private stays refused.
   * @default [] */
  readonly allowedTargetCidrs?: string[];
  /**
   * Deliveries leave from fixed addresses: the delivery worker runs in a VPC of two zones whose
   * NAT gateways have Elastic IPs (output `EgressIps`, the list to give receivers). About $73 a
   * month in us-east-1 (two NAT gateways and two public IPv4 addresses) plus $0.045 per GB
   * sent. Required by `allowedTargetCidrs`: outside a VPC a function reaches only public
   * addresses. @default false
   */
  readonly staticEgressIps?: boolean;
  /** The egress VPC's range, clear of every network in `allowedTargetCidrs`. @default '10.213.0.0/16' */
  readonly egressVpcCidr?: string;
  /** A custom domain for the API and the dashboard (with `certificateArn`, an ACM certificate in the stack's region). @default - the execute-api domain */
  readonly domainName?: string;
  /** The ACM certificate of `domainName`. */
  readonly certificateArn?: string;
  /** The API stage's steady requests per second (all routes). @default 1000 */
  readonly throttleRateLimit?: number;
  /** The API stage's burst. @default 2000 */
  readonly throttleBurstLimit?: number;
  /** Requests one tenant may make to the tenant API per window. @default 1200 per minute */
  readonly tenantRateLimit?: { requests: number; per: Duration };
  /**
   * Deliveries in flight at once to one endpoint, across all workers; further deliveries wait
   * their turn. Costs two DynamoDB writes per attempt. @default 0 (no cap beyond the worker's concurrency)
   */
  readonly maxConcurrentDeliveriesPerEndpoint?: number;
  /**
   * How long the worker's event source may wait to fill a batch before invoking it. Zero: a
   * message is handed over as soon as SQS has it (publish-to-receipt in tens of milliseconds).
   * Raising it trades latency for fewer, fuller invocations, which only saves money at low
   * volume (at high volume batches fill anyway); see docs/scale.md. @default Duration.seconds(0)
   */
  readonly deliveryBatchingWindow?: Duration;
  /** Tables, master key and KMS keys on `cdk destroy`: RETAIN or DESTROY (CloudFormation snapshots none of them). @default RemovalPolicy.RETAIN */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Origins that may frame the dashboard (the portal in the platform's own pages), each
   * `https://host[:port]`: its CSP `frame-ancestors`. @default none: it cannot be framed
   */
  readonly portalFrameAncestors?: string[];
  /** The portal's product name, in its title and header. @default 'hookpost' */
  readonly portalProductName?: string;
  /** The portal's logo, an https URL. @default none */
  readonly portalLogoUrl?: string;
  /** The portal's accent colour, `#rrggbb`. @default '#0969da' */
  readonly portalAccentColor?: string;
  /** The portal's colours: `light`, `dark`, or `auto` (the reader's system setting); a portal link's theme may choose its own. @default 'light' */
  readonly portalColorScheme?: 'light' | 'dark' | 'auto';
  /** The portal's fonts, a CSS font-family list of fonts readers have (the page loads none). @default the system UI font */
  readonly portalFontFamily?: string;
  /** The corner radius of the portal's controls, pixels (0-24). @default 6 */
  readonly portalRadiusPx?: number;
  /**
   * Tenants may have webhooks delivered into their own EventBridge bus, SQS queue or SNS topic,
   * through a role of theirs that trusts the stack's destination role (output
   * `DestinationRoleArn`) with their external id. false: webhooks are URLs only, and no
   * function may assume a role. @default true
   */
  readonly awsDestinations?: boolean;
  /** The only AWS accounts destinations may be in (twelve-digit ids). @default any account but the platform's own */
  readonly destinationAccounts?: string[];
  /** The `Source` of the events hookpost puts on tenants' EventBridge buses. @default 'hookpost' */
  readonly destinationSource?: string;
}

const rateLimit = (limit: HookpostProps['tenantRateLimit']): string => {
  const { requests, windowSeconds } = limit
    ? { requests: limit.requests, windowSeconds: limit.per.toSeconds() }
    : DEFAULT_TENANT_RATE_LIMIT;
  return `${parseRateLimit(`${requests}/${windowSeconds}`).requests}/${windowSeconds}`;
};

const concurrencyCap = (cap = 0): number => {
  if (!Number.isInteger(cap) || cap < 0) throw new Error('maxConcurrentDeliveriesPerEndpoint must be a whole number >= 0');
  return cap;
};

/**
 * hookpost inside any stack: the tables and master key, the delivery queue and worker, the API,
 * the EventBridge ingest and the operations (dashboard, alarms). `grantPublish` lets a role of
 * the platform publish events, through the API or the event bus.
 */
export class Hookpost extends Construct {
  public readonly data: DataStores;
  public readonly pipeline: DeliveryPipeline;
  public readonly webhookApi: WebhookApi;
  public readonly ingest: EventIngest;
  /** The event catalogue's layer (its schemas and examples). */
  public readonly catalogue: EventCatalogue;
  public readonly operations: Operations;
  /** The FIFO queue of `ordered: true` endpoints' deliveries. */
  public readonly ordered: OrderedDelivery;
  /** The worker's VPC and its fixed egress addresses, with `staticEgressIps`. */
  public readonly network: EgressNetwork | undefined;
  /** The destination role tenants' roles trust (absent with `awsDestinations: false`). */
  public readonly destinations: AwsDestinations | undefined;

  constructor(scope: Construct, id: string, props: HookpostProps = {}) {
    super(scope, id);
    if (props.eventTypes && props.catalogueDir) throw new Error('eventTypes and catalogueDir: give one (names alone, or the folder with their schemas)');
    const catalogue = props.eventTypes ? namesOnly(parseCatalogue(props.eventTypes.join(','))) : readCatalogueDir(props.catalogueDir ?? join(PACKAGE_ROOT, 'catalogue'));
    checkCatalogue(catalogue);
    const eventTypes = catalogue.map((e) => e.type);
    const retrySchedule = parseRetrySchedule((props.retrySchedule ?? DEFAULT_RETRY_SCHEDULE).join(','));
    const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error('retentionDays must be a whole number >= 1');
    const settings = {
      EVENT_TYPES: eventTypes.join(','),
      RETRY_SCHEDULE: retrySchedule.join(','),
      RETENTION_DAYS: String(retentionDays),
      DISABLE_AFTER_FAILING_SECONDS: String((props.disableAfterFailingFor ?? Duration.days(5)).toSeconds()),
      ALLOWED_TARGET_CIDRS: parseCidrList((props.allowedTargetCidrs ?? []).join(',')).join(','),
      TENANT_RATE_LIMIT: rateLimit(props.tenantRateLimit),
      MAX_CONCURRENT_DELIVERIES_PER_ENDPOINT: String(concurrencyCap(props.maxConcurrentDeliveriesPerEndpoint)),
      KEEP_EVENT_PAYLOADS: String(props.keepEventPayloads ?? false),
    };

    if (Boolean(props.domainName) !== Boolean(props.certificateArn)) throw new Error('domainName and certificateArn go together: the domain needs its ACM certificate');
    for (const [name, value] of [['throttleRateLimit', props.throttleRateLimit], ['throttleBurstLimit', props.throttleBurstLimit]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new Error(`${name} must be a whole number of at least 1`);
    }
    if (settings.ALLOWED_TARGET_CIDRS && !props.staticEgressIps) {
      throw new Error('allowedTargetCidrs needs staticEgressIps: true: outside a VPC the delivery worker can reach only public addresses (route the private networks into the egress VPC)');
    }
    this.network = props.staticEgressIps ? new EgressNetwork(this, 'Egress', props.egressVpcCidr ? { cidr: props.egressVpcCidr } : {}) : undefined;

    if (props.dataRemovalPolicy === RemovalPolicy.SNAPSHOT) throw new Error('dataRemovalPolicy must be RETAIN or DESTROY: CloudFormation cannot snapshot DynamoDB tables, secrets or KMS keys (the tables keep 35 days of point-in-time recovery)');
    const dataRemovalPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN;
    this.data = new DataStores(this, 'Data', { removalPolicy: dataRemovalPolicy });
    this.pipeline = new DeliveryPipeline(this, 'Delivery', {
      configTable: this.data.configTable,
      deliveriesTable: this.data.deliveriesTable,
      masterKey: this.data.masterKey,
      dataKey: this.data.dataKey,
      settings,
      ...(props.deliveryBatchingWindow ? { maxBatchingWindow: props.deliveryBatchingWindow } : {}),
      ...(this.network ? { network: { vpc: this.network.vpc, securityGroup: this.network.securityGroup } } : {}),
    });
    this.webhookApi = new WebhookApi(this, 'Webhooks', {
      configTable: this.data.configTable,
      deliveriesTable: this.data.deliveriesTable,
      deliveryQueue: this.pipeline.queue,
      masterKey: this.data.masterKey,
      settings,
      ...(props.throttleRateLimit !== undefined ? { throttleRateLimit: props.throttleRateLimit } : {}),
      ...(props.throttleBurstLimit !== undefined ? { throttleBurstLimit: props.throttleBurstLimit } : {}),
      ...(props.domainName && props.certificateArn ? { customDomain: { domainName: props.domainName, certificateArn: props.certificateArn } } : {}),
    });

    this.ingest = new EventIngest(this, 'Ingest', {
      configTable: this.data.configTable,
      deliveriesTable: this.data.deliveriesTable,
      deliveryQueue: this.pipeline.queue,
      dataKey: this.data.dataKey,
      settings,
    });
    // The catalogue's schemas and examples, for what publishes, lists or describes them.
    this.catalogue = new EventCatalogue(this, 'Catalogue', { entries: catalogue, runtime: newestNodeRuntime() });
    for (const fn of [this.webhookApi.functions.platform, this.webhookApi.functions['admin-webhooks'], this.webhookApi.functions.docs, this.ingest.function]) this.catalogue.grant(fn);
    // The portal's branding and who may frame it: the dashboard's, and only its.
    const portal = parsePortalSettings({
      ...(props.portalFrameAncestors ? { frameAncestors: props.portalFrameAncestors.join(',') } : {}),
      ...(props.portalProductName ? { productName: props.portalProductName } : {}),
      ...(props.portalLogoUrl ? { logoUrl: props.portalLogoUrl } : {}),
      ...(props.portalAccentColor ? { accentColor: props.portalAccentColor } : {}),
      ...(props.portalColorScheme ? { colorScheme: props.portalColorScheme } : {}),
      ...(props.portalFontFamily ? { fontFamily: props.portalFontFamily } : {}),
      ...(props.portalRadiusPx !== undefined ? { radiusPx: props.portalRadiusPx } : {}),
    });
    for (const [name, value] of Object.entries(portalEnvironment(portal))) this.webhookApi.functions.docs.function.addEnvironment(name, value);
    // The worker puts operational events (delivery.failed, webhook.failing …) on the same bus.
    this.pipeline.worker.bindBus('OPERATIONS_BUS_NAME', this.ingest.bus);
    this.ordered = new OrderedDelivery(this, 'Ordered', {
      worker: this.pipeline.worker,
      publishers: [this.webhookApi.functions.platform, this.ingest.function],
      visibilityTimeout: this.pipeline.visibilityTimeout,
      ...(this.data.dataKey ? { dataKey: this.data.dataKey } : {}),
    });
    if (props.awsDestinations === false && (props.destinationAccounts || props.destinationSource)) throw new Error('destinationAccounts and destinationSource need awsDestinations');
    this.destinations =
      props.awsDestinations === false
        ? undefined
        : new AwsDestinations(this, 'Destinations', {
            callers: [this.pipeline.worker, this.webhookApi.functions['admin-webhooks']],
            ...(props.destinationAccounts ? { accounts: props.destinationAccounts } : {}),
            ...(props.destinationSource ? { source: props.destinationSource } : {}),
          });
    this.operations = new Operations(this, 'Operations', {
      api: this.webhookApi.api,
      keyRemovalPolicy: dataRemovalPolicy,
      functions: {
        ...this.webhookApi.functions,
        'delivery-worker': this.pipeline.worker,
        'eventbridge-ingest': this.ingest.function,
      },
      deliveryQueue: this.pipeline.queue,
      deadLetterQueues: {
        'delivery-dlq': this.pipeline.deadLetterQueue,
        'scheduler-dlq': this.pipeline.schedulerDeadLetterQueue,
        'ingest-dlq': this.ingest.deadLetterQueue,
        'ordered-dlq': this.ordered.deadLetterQueue,
      },
      scheduleGroupName: this.pipeline.scheduleGroup.ref,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.webhookApi.url, description: 'Base URL of the hookpost API' });
    new CfnOutput(this, 'ConfigTableName', { value: this.data.configTable.tableName });
    new CfnOutput(this, 'DeliveriesTableName', { value: this.data.deliveriesTable.tableName });
    new CfnOutput(this, 'DeliveryQueueUrl', { value: this.pipeline.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.pipeline.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'EventBusName', { value: this.ingest.bus.eventBusName, description: 'Put events here to publish them' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName });
    if (this.destinations) {
      new CfnOutput(this, 'DestinationRoleArn', { value: this.destinations.role.roleArn, description: "The principal tenants' destination roles trust (with their external id)" });
    }
    if (this.webhookApi.domain) {
      new CfnOutput(this, 'CustomDomainUrl', { value: `https://${props.domainName}`, description: 'The API and the dashboard at the custom domain' });
      new CfnOutput(this, 'CustomDomainTarget', { value: this.webhookApi.domain.regionalDomainName, description: 'Point the custom domain (CNAME or alias) here' });
    }
    if (this.network) {
      new CfnOutput(this, 'EgressIps', { value: this.network.egressIpList, description: 'Deliveries come from these addresses: the list to give receivers' });
      new CfnOutput(this, 'EgressVpcId', { value: this.network.vpc.vpcId, description: 'Route private receivers\' networks into this VPC (allowedTargetCidrs)' });
    }
  }

  /** Subscribes an operator's endpoint (e-mail, SMS, a chat webhook through HTTPS, a queue) to every alarm. */
  addOperationsSubscriber(subscription: ITopicSubscription): void {
    this.operations.topic.addSubscription(subscription);
  }

  /**
   * Routes hookpost's operational events (`delivery.failed`, `webhook.disabled`,
   * `webhook.failing`, `webhook.recovered`, `webhook.certificate_expiring`; all of them unless
   * `types` narrows it) to `target`:
   * an EventBridge rule on the stack's bus matching source `hookpost.operations`.
   */
  onOperationalEvent(id: string, target: IRuleTarget, types?: readonly OperationalEventType[]): Rule {
    return new Rule(this, id, {
      eventBus: this.ingest.bus,
      description: `hookpost operational events${types ? ` (${types.join(', ')})` : ''}`,
      eventPattern: { source: [OPERATIONS_SOURCE], ...(types ? { detailType: [...types] } : {}) },
      targets: [target],
    });
  }

  /**
   * Lets `grantee` publish events: `POST /v1/events` and `/v1/events/batch` on the API (SigV4,
   * `execute-api:Invoke` on those routes only) and `events:PutEvents` on the hookpost bus.
   */
  grantPublish(grantee: IGrantable): Grant {
    const api = Stack.of(this).formatArn({ service: 'execute-api', resource: this.webhookApi.api.apiId, resourceName: '*/POST/v1/events' });
    const batch = Stack.of(this).formatArn({ service: 'execute-api', resource: this.webhookApi.api.apiId, resourceName: '*/POST/v1/events/batch' });
    const invoke = Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [api, batch] });
    return invoke.combine(this.ingest.bus.grantPutEventsTo(grantee));
  }
}

export interface HookpostStackProps extends StackProps, HookpostProps {}

/**
 * The stack `cdk deploy` makes: the `Hookpost` construct, its parts' logical IDs as they were (a
 * child named `Default` adds nothing to them), held to cdk-nag's AWS Solutions and Serverless packs.
 */
export class HookpostStack extends Stack {
  public readonly hookpost: Hookpost;

  constructor(scope: Construct, id: string, props: HookpostStackProps = {}) {
    super(scope, id, props);
    this.hookpost = new Hookpost(this, 'Default', props);
    addNagChecks(this);
  }

  get data() {
    return this.hookpost.data;
  }
  get pipeline() {
    return this.hookpost.pipeline;
  }
  get webhookApi() {
    return this.hookpost.webhookApi;
  }
  get ingest() {
    return this.hookpost.ingest;
  }
  get operations() {
    return this.hookpost.operations;
  }
  get network() {
    return this.hookpost.network;
  }
}
