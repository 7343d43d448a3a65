import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchHttpSender } from '../../lambdas/shared/adapters/http-sender';

let server: Server;
let base: string;
const seen: Array<{ path: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ path: req.url!, headers: req.headers, body });
      if (req.url === '/ok') return void res.writeHead(200).end('{"ok":true}');
      if (req.url === '/big') return void res.writeHead(500).end('é'.repeat(5000));
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end(), 2000);
      res.writeHead(404).end('nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('FetchHttpSender against a real receiver', () => {
  const sender = new FetchHttpSender(500);

  it('posts the exact body and headers and reads the response', async () => {
    const result = await sender.post(`${base}/ok`, { 'content-type': 'application/json', 'x-test': '1' }, '{"a":1}');
    expect(result).toMatchObject({ statusCode: 200, error: null, bodyExcerpt: '{"ok":true}' });
    expect(seen.at(-1)).toMatchObject({ path: '/ok', body: '{"a":1}', headers: expect.objectContaining({ 'x-test': '1' }) });
  });

  it('keeps at most 1 KB of the response body, on a character boundary', async () => {
    const result = await sender.post(`${base}/big`, {}, '{}');
    expect(result.statusCode).toBe(500);
    expect(Buffer.byteLength(result.bodyExcerpt!)).toBeLessThanOrEqual(1024);
    expect(result.bodyExcerpt).toMatch(/^é+$/);
  });

  it('does not follow redirects', async () => {
    const before = seen.length;
    const result = await sender.post(`${base}/redirect`, {}, '{}');
    expect(result.statusCode).toBe(302);
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/redirect']);
  });

  it('classifies a timeout and a refused connection', async () => {
    expect(await sender.post(`${base}/slow`, {}, '{}')).toMatchObject({ statusCode: null, error: 'timeout' });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await sender.post(`http://127.0.0.1:${port}/`, {}, '{}')).toMatchObject({ statusCode: null, error: 'connection' });
  });

  it('classifies a TLS failure', async () => {
    // A plain-HTTP server spoken to over https fails the TLS handshake.
    expect(await sender.post(`${base.replace('http:', 'https:')}/ok`, {}, '{}')).toMatchObject({ statusCode: null, error: 'tls' });
  });
});
