import type { HttpResult, HttpSender } from '../domain/ports';

export const REQUEST_TIMEOUT_MS = 30_000;
export const RESPONSE_EXCERPT_BYTES = 1024;

const TLS_CODES = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i;

/** Maps a fetch failure to the attempt's error class. */
export const classifyFailure = (err: unknown): Exclude<HttpResult['error'], null> => {
  const e = err as { name?: string; cause?: { code?: string; name?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'ConnectTimeoutError' || e?.cause?.code === 'UND_ERR_CONNECT_TIMEOUT' || e?.cause?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.cause?.code === 'UND_ERR_BODY_TIMEOUT') {
    return 'timeout';
  }
  const code = e?.cause?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (TLS_CODES.test(code) || TLS_CODES.test(e?.cause?.message ?? '')) return 'tls';
  return 'connection';
};

/** Reads at most `limit` bytes of a body, then lets the rest go. */
const readExcerpt = async (response: Response, limit: number): Promise<string> => {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // Drop a trailing partial UTF-8 sequence rather than emit a replacement character.
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD$/, '');
};

/** POSTs with a hard deadline covering connect, headers and the body excerpt; never follows redirects. */
export class FetchHttpSender implements HttpSender {
  constructor(private readonly timeoutMs = REQUEST_TIMEOUT_MS) {}

  async post(url: string, headers: Record<string, string>, body: string): Promise<HttpResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal });
      let bodyExcerpt: string | null = null;
      try {
        bodyExcerpt = await readExcerpt(response, RESPONSE_EXCERPT_BYTES);
      } catch {
        bodyExcerpt = null; // the status already arrived; a body that breaks off does not change it
      }
      return { statusCode: response.status, responseTimeMs: elapsed(), error: null, bodyExcerpt };
    } catch (err) {
      return { statusCode: null, responseTimeMs: elapsed(), error: classifyFailure(err), bodyExcerpt: null };
    }
  }
}
