import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Duration, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type ISecurityGroup, type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, type FunctionOptions, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeKeyGrants, acknowledgeWildcard } from '../nag';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ESBUILD_COMMON, REQUIRE_BANNER } from '../bundling.mjs';
import { PACKAGE_ROOT, PREBUILT_FUNCTIONS_DIR } from '../package-root';
import { FUNCTION_TAG } from '../tags';

export interface HookpostFunctionProps {
  /** Folder under `lambdas/` holding the function's `handler.ts`. */
  readonly name: string;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(29) (API Gateway's own integration limit) */
  readonly timeout?: Duration;
  /** Settings other than resource names (catalogue, schedule, retention). @default {} */
  readonly settings?: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * For functions invoked asynchronously (by EventBridge): where an invocation that still
   * fails after Lambda's retries goes. @default - none (invoked synchronously or by SQS)
   */
  readonly deadLetterQueue?: IQueue;
  /** Run in these private subnets (static egress addresses). @default - outside any VPC */
  readonly network?: { vpc: IVpc; securityGroup: ISecurityGroup };
}

/**
 * The function's code: in the repository, bundled at synth from `lambdas/<name>/handler.ts`
 * (NodejsFunction, esbuild); in the published package, which carries no sources, the bundle
 * `npm pack` built from the very same construct (bin/build-package.ts), as an asset.
 */
const functionCode = (scope: Construct, id: string, name: string, options: FunctionOptions & { runtime: Runtime }): LambdaFunction => {
  const entry = join(PACKAGE_ROOT, 'lambdas', name, 'handler.ts');
  if (existsSync(entry)) return new NodejsFunction(scope, id, { ...options, ...repositoryBundling(entry) });
  const prebuilt = join(PREBUILT_FUNCTIONS_DIR, name);
  if (!existsSync(join(prebuilt, 'index.mjs'))) throw new Error(`hookpost: neither ${entry} nor the prebuilt bundle ${prebuilt}/index.mjs exists (was the package built with \`npm pack\`?)`);
  return new LambdaFunction(scope, id, { ...options, code: Code.fromAsset(prebuilt), handler: 'index.handler' });
};

const repositoryBundling = (entry: string) => ({
  entry,
  handler: 'handler',
  depsLockFilePath: join(PACKAGE_ROOT, 'package-lock.json'),
  projectRoot: PACKAGE_ROOT,
  bundling: {
    format: OutputFormat.ESM,
    minify: ESBUILD_COMMON.minify,
    sourceMap: true,
    // Stack traces need the mappings, not the sources: a third of the map to read at load.
    sourcesContent: false,
    target: ESBUILD_COMMON.target,
    mainFields: ESBUILD_COMMON.mainFields,
    banner: REQUIRE_BANNER,
    externalModules: [],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      // The Tracer (and the X-Ray SDK) beside index.mjs, imported on the first sampled invocation.
      afterBundling: (_inputDir: string, outputDir: string) => [`"${process.execPath}" "${join(PACKAGE_ROOT, 'lib', 'bundling.mjs')}" "${outputDir}"`],
    },
  },
});

/** The oldest Node runtime the bundles are built for (esbuild's target: node24). */
const MIN_NODE = 24;

/**
 * The newest Node runtime that the aws-cdk-lib in use knows, 24 or later: a platform's
 * aws-cdk-lib may be newer than the one hookpost was built with (2.278 added nodejs26.x), and
 * cdk-nag's latest-runtime rules judge by it. The bundles (Node 24 syntax) run on any newer one.
 */
export const newestNodeRuntime = (): Runtime => {
  const known = Object.entries(Runtime).flatMap(([name, runtime]) => {
    const version = /^NODEJS_(\d+)_X$/.exec(name)?.[1];
    return version && runtime instanceof Runtime && Number(version) >= MIN_NODE ? [{ version: Number(version), runtime }] : [];
  });
  return known.sort((a, b) => b.version - a.version)[0]?.runtime ?? Runtime.NODEJS_24_X;
};

/**
 * The one function construct: arm64, the newest Lambda Node runtime, its own log group with
 * retention, active tracing, a minified ESM bundle with source maps. `bind*` sets the
 * environment variable and the IAM grant in one call.
 */
export class HookpostFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly logGroup: LogGroup;
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: HookpostFunctionProps) {
    super(scope, id);
    if (!/^[a-z][a-z-]*$/.test(props.name)) throw new Error(`HookpostFunction name must be kebab-case, got "${props.name}"`);
    Tags.of(this).add(FUNCTION_TAG, props.name);
    const memorySize = props.memorySize ?? 512;
    if (memorySize < 128 || memorySize > 10_240) throw new Error('memorySize must be 128-10240 MB');

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role: logs only to its own log group (no AWSLambdaBasicExecutionRole).
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = functionCode(this, 'Function', props.name, {
      role: this.role,
      ...(props.deadLetterQueue ? { onFailure: new SqsDestination(props.deadLetterQueue), retryAttempts: 2 } : {}),
      ...(props.network ? { vpc: props.network.vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [props.network.securityGroup] } : {}),
      description: props.description,
      runtime: newestNodeRuntime(),
      architecture: Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'hookpost',
        POWERTOOLS_METRICS_NAMESPACE: 'Hookpost',
        // INFO for failures, successes (one line an invocation) and changes; one invocation in a hundred also logs its DEBUG lines.
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_SAMPLE_RATE: '0.01',
        ...props.settings,
      },
    });
    if (props.network) {
      // Lambda creates the function's network interfaces with its role: what AWSLambdaVPCAccessExecutionRole grants, inline.
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        }),
      );
    }
    acknowledgeKeyGrants(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: props.network
        ? 'xray:PutTraceSegments and xray:PutTelemetryRecords (Tracing.ACTIVE), and the network-interface actions Lambda takes for a function in a VPC (as AWSLambdaVPCAccessExecutionRole grants them), support no resource-level permissions; nothing else is granted on *.'
        : 'xray:PutTraceSegments and xray:PutTelemetryRecords (Tracing.ACTIVE) support no resource-level permissions; nothing else is granted on *.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason: props.deadLetterQueue
        ? 'Asynchronous failures go to an on-failure destination (the same queue, with the error and request context), which supersedes a function DLQ.'
        : 'This function is invoked synchronously (API Gateway) or by an SQS event source, never asynchronously; failed SQS messages go to the queue\'s own dead-letter queue.',
    });
  }

  bindTable(envName: string, table: ITable, access: 'read' | 'readWrite'): this {
    this.function.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this.function);
    else table.grantReadWriteData(this.function);
    // aws-cdk-lib grants a table's indexes with it, as `<table>/index/*` (no finding for a table without one).
    acknowledgeWildcard(
      this.role,
      `${table.tableArn}/index/*`,
      'The grant covers the indexes of this one table (sparse indexes: of waiting and of failed deliveries, and of the tenant\'s items its erasure reads); no other table.',
    );
    return this;
  }

  /** Grants `actions` on the table's items, beside what `bindTable` gave. */
  allowTableActions(table: ITable, actions: string[]): this {
    table.grant(this.function, ...actions);
    return this;
  }

  bindQueue(envName: string, queue: IQueue): this {
    this.function.addEnvironment(envName, queue.queueUrl);
    queue.grantSendMessages(this.function);
    return this;
  }

  /** Lets the function put events on `bus` (`events:PutEvents` on that bus only). */
  bindBus(envName: string, bus: IEventBus): this {
    this.function.addEnvironment(envName, bus.eventBusName);
    bus.grantPutEventsTo(this.function);
    return this;
  }

  bindSecret(envName: string, secret: ISecret): this {
    this.function.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this.function);
    return this;
  }
}
