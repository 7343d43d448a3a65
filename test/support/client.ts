import { checkAnswer } from './openapi-check';

/**
 * A thin HTTP client for tests: JSON in, status + JSON out. Every answer is checked against the
 * runtime's own OpenAPI document (./openapi-check) before the test sees it.
 */
export const apiClient = (base: string) => {
  const call = async (method: string, path: string, options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined || options.raw !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('json');
    const answer = { status: res.status, headers: res.headers, body: text ? (json ? JSON.parse(text) : text) : undefined };
    await checkAnswer(base, method, path, answer);
    return answer;
  };
  return { call };
};

export const waitUntil = async <T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
