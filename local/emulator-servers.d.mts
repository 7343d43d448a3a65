export interface EmulatorServer {
  endpoint: string;
  stop(): Promise<void>;
}
export declare const startDynaliteServer: (options?: { path?: string }) => Promise<EmulatorServer>;
export declare const startFauxqsServer: (options?: { dataDir?: string }) => Promise<EmulatorServer>;
