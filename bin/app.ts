#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { HookpostStack } from '../lib/hookpost-stack';
import { addNagChecks } from '../lib/nag';

const app = new App();
new HookpostStack(app, 'Hookpost', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
addNagChecks(app);
