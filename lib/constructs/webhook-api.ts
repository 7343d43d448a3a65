import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { ApiMapping, DomainName, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ROUTES, type RouteGroup } from '../../lambdas/shared/http/routes';
import { HookpostFunction } from './hookpost-function';

export interface WebhookApiProps {
  readonly configTable: Table;
  readonly deliveriesTable: Table;
  readonly deliveryQueue: Queue;
  readonly masterKey: Secret;
  /** Settings passed to every route function (catalogue, schedule, retention). */
  readonly settings: Record<string, string>;
  /** Steady-state requests per second across the API. @default 1000 */
  readonly throttleRateLimit?: number;
  /** @default 2000 */
  readonly throttleBurstLimit?: number;
  /** A custom domain for the API (and the dashboard it serves), with its ACM certificate in the stack's region. */
  readonly customDomain?: { domainName: string; certificateArn: string };
}

const DESCRIPTIONS: Record<RouteGroup, string> = {
  'account-webhooks': 'hookpost: the account webhook routes (/v1/webhooks)',
  'admin-webhooks': 'hookpost: the admin webhook routes and delivery history (/api/v1/admin/webhooks)',
  platform: 'hookpost: the platform routes: publish events, manage tenants and keys (IAM)',
  docs: 'hookpost: the public documents: OpenAPI description and tenant dashboard (no data access)',
};

/**
 * The HTTP API: one function per route group, routes from the shared route table. Tenant
 * routes authenticate API keys in the function; platform routes require IAM (SigV4).
 */
export class WebhookApi extends Construct {
  public readonly api: HttpApi;
  public readonly functions: Record<RouteGroup, HookpostFunction>;
  public readonly accessLogs: LogGroup;
  /** The custom domain, when one is given: point its DNS at `regionalDomainName`. */
  public readonly domain: DomainName | undefined;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const rate = props.throttleRateLimit ?? 1000;
    const burst = props.throttleBurstLimit ?? 2000;
    if (rate <= 0 || burst <= 0) throw new Error('Throttle limits must be positive');

    const make = (group: RouteGroup, logicalId: string) => {
      const fn = new HookpostFunction(this, logicalId, { name: group, description: DESCRIPTIONS[group], settings: props.settings })
        .bindTable('CONFIG_TABLE_NAME', props.configTable, 'readWrite');
      // The account routes never read events or deliveries, publish or retry: no deliveries
      // table and no queue (nor their code and SQS client in the bundle).
      if (group !== 'account-webhooks') {
        fn.bindTable('DELIVERIES_TABLE_NAME', props.deliveriesTable, 'readWrite').bindQueue('DELIVERY_QUEUE_URL', props.deliveryQueue);
      }
      // Tenant routes seal and open endpoint secrets; the platform's never touch them.
      return group === 'platform' ? fn : fn.bindSecret('MASTER_KEY_SECRET_ARN', props.masterKey);
    };
    this.functions = {
      'account-webhooks': make('account-webhooks', 'AccountWebhooks'),
      'admin-webhooks': make('admin-webhooks', 'AdminWebhooks'),
      platform: make('platform', 'Platform'),
      // Public and unauthenticated: no table, queue or secret, only its logs.
      docs: new HookpostFunction(this, 'Docs', { name: 'docs', description: DESCRIPTIONS.docs, settings: props.settings }),
    };

    this.api = new HttpApi(this, 'Api', { description: 'hookpost webhook API', createDefaultStage: false });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      // AWS's advice for vended logs: the prefix keeps CloudWatch Logs' account-wide resource
      // policy from growing with each stack's log group. Named by the stack: two stacks, two groups.
      logGroupName: `/aws/vendedlogs/apigateway/${Stack.of(this).stackName}-access`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: rate, burstLimit: burst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            caller: '$context.identity.caller',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            error: '$context.error.message',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    if (props.customDomain) {
      this.domain = new DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
      });
      new ApiMapping(this, 'DomainMapping', { api: this.api, domainName: this.domain, stage });
    }

    const integrations = Object.fromEntries(
      Object.entries(this.functions).map(([group, fn]) => [group, new HttpLambdaIntegration(`${group}-integration`, fn.function, { timeout: Duration.seconds(29) })]),
    ) as Record<RouteGroup, HttpLambdaIntegration>;
    const iam = new HttpIamAuthorizer();
    for (const route of ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.group],
        ...(route.auth === 'platform' ? { authorizer: iam } : {}),
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason: 'Tenant routes authenticate the tenant\'s API key (stored only as a SHA-256 hash) in the route function, which also checks X-Org-ID; platform routes use the IAM authorizer.',
    });
  }

  /** The API's base URL. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
