type Input = Record<string, any>;
type Result = { output: Record<string, any> };

export interface MiddlewareClient {
  middlewareStack: { add: (middleware: any, options: { step: 'initialize'; name: string; priority?: 'high' }) => void };
}

/**
 * Wraps every command an SDK client sends (an `initialize` middleware): `around` sees the
 * operation's name (`PutItem`, `SendMessageBatch`) and input, and sends it, or refuses, or
 * changes the result. The local runtime's rehearsals of IAM, service limits and consistency
 * are each one of these.
 */
export const aroundCommands = <C extends MiddlewareClient>(
  client: C,
  name: string,
  around: (operation: string, input: Input, send: () => Promise<Result>) => Promise<Result>,
  priority?: 'high',
): C => {
  client.middlewareStack.add(
    (next: (args: { input: Input }) => Promise<Result>, context: { commandName?: string }) => (args: { input: Input }) =>
      around(String(context.commandName ?? '').replace(/Command$/, ''), args.input, () => next(args)),
    { step: 'initialize', name, ...(priority ? { priority } : {}) },
  );
  return client;
};
