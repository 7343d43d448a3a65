/** hookpost as a library: the construct to put in a platform's own CDK app, and the stack `cdk deploy` makes. */
export { Hookpost, type HookpostProps, HookpostStack, type HookpostStackProps } from './hookpost-stack';
export { CONTEXT_PROPS, propsFromContext } from './context-props';
export { addNagChecks } from './nag';
export { OPERATIONAL_EVENT_TYPES, OPERATIONS_SOURCE, type OperationalEventType } from '../lambdas/shared/domain/operational-event-types';
