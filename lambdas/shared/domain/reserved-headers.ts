/**
 * Headers an endpoint's deliveries may not carry as its own (any case): hop-by-hop ones, what
 * the request itself sets, every signature or webhook header hookpost sends, and the headers
 * cloud providers and proxies set on requests they front, which receivers behind them trust for
 * authentication and routing (`x-amz-*` SigV4 and `x-amzn-*` on AWS, `x-goog-*`, `x-ms-*` on
 * Azure, Cloudflare's `cf-*`, `x-forwarded-*`, `forwarded`, `x-real-ip`, Envoy's `x-envoy-*`).
 * The dashboard's form and the SDKs are given the same lists.
 */
export const RESERVED_HEADER_NAMES = [
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding',
  'upgrade', 'host', 'content-type', 'content-length', 'expect', 'forwarded', 'x-real-ip', 'via',
] as const;
export const HOOKPOST_HEADER_PREFIXES = ['webhook-', 'svix-', 'x-webhook-', 'x-auggie-'] as const;
export const PLATFORM_HEADER_PREFIXES = ['x-amz-', 'x-amzn-', 'x-goog-', 'x-ms-', 'x-azure-', 'cf-', 'x-forwarded-', 'x-envoy-'] as const;
/** Every refused prefix, as the dashboard's form and the SDKs list them. */
export const RESERVED_HEADER_PREFIXES = [...HOOKPOST_HEADER_PREFIXES, ...PLATFORM_HEADER_PREFIXES];

const NAMES = new Set<string>(RESERVED_HEADER_NAMES);

/** Why `name` may not be an endpoint's own header, or null when it may. */
export const reservedHeaderReason = (name: string): string | null => {
  const lower = name.toLowerCase();
  if (NAMES.has(lower) || HOOKPOST_HEADER_PREFIXES.some((p) => lower.startsWith(p))) return 'is set by hookpost (or by HTTP itself) and cannot be replaced';
  const prefix = PLATFORM_HEADER_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix) return `is a cloud provider's or proxy's own header (${prefix}*), which receivers behind one trust for authentication and routing`;
  return null;
};
