/**
 * `npm start`: the whole of hookpost on this machine, no AWS account, no network.
 * Settings are the HOOKPOST_* variables listed in docs/local-runtime.md.
 */
process.env.POWERTOOLS_SERVICE_NAME ??= 'hookpost';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const { readLocalSettings } = await import('./settings');
const { startLocalRuntime } = await import('./runtime');

const settings = readLocalSettings(process.env);
// Operational events go to the platform's EventBridge rules on AWS; locally they are printed.
const runtime = await startLocalRuntime({
  ...settings,
  onOperationalEvent: (e) => console.log(`operational event ${e['detail-type']}: ${JSON.stringify(e.detail)}`),
});

console.log(`hookpost is running at ${runtime.url}  (data in ${runtime.dataDir})

  Platform credentials (SigV4, service execute-api, region us-east-1, as IAM on AWS):
    AWS_ACCESS_KEY_ID=${runtime.platformCredentials.accessKeyId}
    AWS_SECRET_ACCESS_KEY=${runtime.platformCredentials.secretAccessKey}
  Admin key (the platform routes also take it locally, for curl):  ${runtime.adminKey}
${runtime.tenants.map((t) => `  Tenant "${t.tenantId}" API key:  ${t.key}`).join('\n')}

  Dashboard:  ${runtime.url}/dashboard   API description:  ${runtime.url}/openapi.json

${runtime.aws ? `  Simulated AWS accounts (AWS destinations; docs/aws-destinations.md):  ${runtime.aws.endpoint}   their queues, on the SQS emulator:  ${runtime.emulators.sqs}
` : ''}
  For the samples of docs/ (quickstart.md first), in the terminal you will use:
    export HOOKPOST_URL=${runtime.url} HOOKPOST_ADMIN_KEY=${runtime.adminKey} HOOKPOST_KEY=${runtime.tenants[0]!.key}${runtime.aws ? ` HOOKPOST_AWS_URL=${runtime.aws.endpoint}` : ''}
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
export {};
