#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { propsFromContext } from '../lib/context-props';
import { HookpostStack } from '../lib/hookpost-stack';

const app = new App();
// Every stack property from CDK context: `npx cdk deploy -c alarmEmail=ops@example.com -c retrySchedule=60,300` (docs/deploy.md).
new HookpostStack(app, 'Hookpost', {
  ...propsFromContext(app.node),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag's packs run on the stack itself (HookpostStack).
