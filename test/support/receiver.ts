import { createServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import { createServer as createTlsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes, exactly as they arrived. */
  body: Buffer;
  at: number;
  /** Over mutual TLS: the subject of the client certificate presented (verified by the server's CA). */
  clientCertificate?: string;
}

/**
 * A real HTTP receiver on loopback that records every request, raw (over TLS when given a key
 * and certificate; asking for a client certificate when the options say `requestCert`).
 */
export const startReceiver = async (options: { tls?: ServerOptions } = {}) => {
  const received: Received[] = [];
  let respond: (r: Received) => { status: number; body?: string; delayMs?: number } = () => ({ status: 200, body: '{"status":"ok"}' });
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = options.tls?.requestCert ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      const r: Received = { path: req.url!, headers: req.headers, body: Buffer.concat(chunks), at: Date.now(), ...(peer?.subject ? { clientCertificate: `CN=${peer.subject.CN}` } : {}) };
      received.push(r);
      const out = respond(r);
      const answer = () => {
        if (!res.destroyed) res.writeHead(out.status, { 'content-type': 'application/json' }).end(out.body ?? '');
      };
      if (out.delayMs) setTimeout(answer, out.delayMs);
      else answer();
    });
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    respondWith(fn: typeof respond) {
      respond = fn;
    },
    /** Waits until `count` requests matching `filter` have arrived. */
    async waitFor(filter: (r: Received) => boolean, count = 1, timeoutMs = 20_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = received.filter(filter);
        if (hits.length >= count) return hits;
        if (Date.now() > deadline) throw new Error(`receiver: ${hits.length} of ${count} expected requests arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
