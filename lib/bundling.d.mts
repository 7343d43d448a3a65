import type { BuildOptions } from 'esbuild';
export declare const REQUIRE_BANNER: string;
export declare const ESBUILD_COMMON: BuildOptions & { format: 'esm'; target: string; mainFields: string[]; banner: { js: string } };
export declare const TRACING_CHUNK: string;
export declare const TRACING_CHUNK_ENTRY: string;
export declare const buildTracingChunk: (outdir: string, overrides?: BuildOptions) => Promise<void>;
