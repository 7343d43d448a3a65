declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}

declare module 'cfn-resolver-lib' {
  interface ResolverParameters {
    RefResolvers?: Record<string, unknown>;
    'Fn::GetAttResolvers'?: Record<string, Record<string, unknown>>;
  }
  export default class NodeEvaluator {
    constructor(template: unknown, parameters?: ResolverParameters);
    evaluateNodes(parameters?: ResolverParameters): unknown;
  }
}
