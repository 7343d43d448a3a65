import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter, NodeHttpSender } from '../../lambdas/shared/adapters/http-sender';
import { createEgressRules, createTargetPolicy, type EgressRules, type Resolver } from '../../lambdas/shared/domain/target-policy';

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
      if (req.url === '/binary') return void res.writeHead(500).end(Buffer.alloc(4096, 0xff));
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end(), 2000);
      if (req.url === '/busy') return void res.writeHead(429, { 'retry-after': '120' }).end();
      if (req.url === '/down') return void res.writeHead(503, { 'retry-after': new Date(Date.now() + 600_000).toUTCString() }).end();
      res.writeHead(404).end('nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('NodeHttpSender against a real receiver', () => {
  const sender = new NodeHttpSender({ timeoutMs: 500 });
  afterAll(() => sender.close());

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

  it('keeps at most 1 KB once decoded: bytes that are not UTF-8 do not triple it', async () => {
    const result = await sender.post(`${base}/binary`, {}, '{}');
    expect(result.bodyExcerpt).toMatch(/^\uFFFD+$/);
    expect(Buffer.byteLength(result.bodyExcerpt!)).toBeLessThanOrEqual(1024);
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

describe('Retry-After from a 429 or 503', () => {
  const sender = new NodeHttpSender({ timeoutMs: 2000 });
  afterAll(() => sender.close());

  it('reads seconds and HTTP dates', async () => {
    expect(await sender.post(`${base}/busy`, {}, '{}')).toMatchObject({ statusCode: 429, retryAfterSeconds: 120 });
    const down = await sender.post(`${base}/down`, {}, '{}');
    expect(down.statusCode).toBe(503);
    expect(down.retryAfterSeconds).toBeGreaterThan(590);
    expect(down.retryAfterSeconds).toBeLessThanOrEqual(600);
    expect(await sender.post(`${base}/ok`, {}, '{}')).toMatchObject({ retryAfterSeconds: null });
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:29:00Z'))).toBe(0);
  });
});

describe('egress rules at delivery time: the checked address is the connected address', () => {
  /** A DNS that answers from a table and counts its lookups; `flip` makes a host rebind. */
  const answers: Record<string, string[]> = {
    'receiver.hookpost.test': ['127.0.0.1'],
    'rebind.hookpost.test': ['93.184.215.14'],
    'metadata.hookpost.test': ['169.254.169.254'],
  };
  const lookups: string[] = [];
  const resolver: Resolver = {
    resolve: async (host) => {
      lookups.push(host);
      return answers[host] ?? [];
    },
  };
  // The real address rules; plain http let through only so a loopback test receiver can answer.
  const strictRules = (allowedCidrs: string[] = []): EgressRules => {
    const real = createEgressRules({ allowPrivateTargets: false, allowedCidrs });
    return { ...real, urlRefusal: (url) => real.urlRefusal(new URL(url.href.replace(/^http:/, 'https:'))) };
  };

  it('connects to the address its own lookup checked, which the system DNS could not have given', async () => {
    const sender = new NodeHttpSender({ timeoutMs: 2000, egress: { rules: strictRules(['127.0.0.0/8']), resolver } });
    const before = seen.length;
    const port = new URL(base).port;
    const result = await sender.post(`http://receiver.hookpost.test:${port}/ok`, {}, '{"pinned":true}');
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(seen.slice(before)).toEqual([expect.objectContaining({ body: '{"pinned":true}', headers: expect.objectContaining({ host: `receiver.hookpost.test:${port}` }) })]);
    expect(lookups).toContain('receiver.hookpost.test');
    await sender.close();
  });

  it('refuses a host that rebinds to a private address after passing registration, without connecting', async () => {
    const policy = createTargetPolicy(createEgressRules({ allowPrivateTargets: false }), resolver);
    await expect(policy.check('https://rebind.hookpost.test/h')).resolves.toBeUndefined();
    answers['rebind.hookpost.test'] = ['127.0.0.1']; // the attacker's DNS now points home
    const sender = new NodeHttpSender({ timeoutMs: 2000, egress: { rules: strictRules(), resolver } });
    const before = seen.length;
    const result = await sender.post(`http://rebind.hookpost.test:${new URL(base).port}/ok`, {}, '{}');
    expect(result).toMatchObject({ statusCode: null, error: 'blocked', detail: 'rebind.hookpost.test resolves to 127.0.0.1, which is not a public address' });
    expect(seen.length).toBe(before);
    await sender.close();
  });

  it('refuses the metadata address by name and by literal, and private literals, saying why', async () => {
    const sender = new NodeHttpSender({ timeoutMs: 2000, egress: { rules: createEgressRules({ allowPrivateTargets: false }), resolver } });
    expect(await sender.post('https://metadata.hookpost.test/latest/meta-data', {}, '{}')).toMatchObject({
      error: 'blocked',
      detail: 'metadata.hookpost.test resolves to 169.254.169.254, which is not a public address',
    });
    expect(await sender.post('https://169.254.169.254/latest/meta-data', {}, '{}')).toMatchObject({ error: 'blocked', detail: '169.254.169.254 is not a public address' });
    expect(await sender.post('https://[::ffff:10.0.0.1]/h', {}, '{}')).toMatchObject({ error: 'blocked' });
    expect(await sender.post(`${base}/ok`, {}, '{}')).toMatchObject({ error: 'blocked', detail: 'only https URLs are allowed' });
    expect(await sender.post('https://nowhere.hookpost.test/h', {}, '{}')).toMatchObject({ statusCode: null, error: 'dns' });
    await sender.close();
  });
});

describe('an attempt keeps what happened', () => {
  /** A raw TCP receiver that does exactly what `behave` says with the socket. */
  const rawServer = async (behave: (socket: import('node:net').Socket) => void) => {
    const { createServer: createTcpServer } = await import('node:net');
    const srv = createTcpServer((socket) => {
      socket.once('data', () => behave(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, close: () => new Promise<void>((r) => srv.close(() => r())) };
  };
  const sender = new NodeHttpSender({ timeoutMs: 700 });
  afterAll(() => sender.close());

  it('a 200 whose body breaks off is recorded with its status', async () => {
    const srv = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
      setTimeout(() => s.resetAndDestroy(), 50);
    });
    const result = await sender.post(srv.url, {}, '{}');
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(result.detail).toMatch(/response body broke off/);
    await srv.close();
  });

  it('a 200 whose body trickles past the deadline is recorded with its status', async () => {
    const srv = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\na');
      const drip = setInterval(() => (s.destroyed ? clearInterval(drip) : s.write('b')), 100);
      s.on('close', () => clearInterval(drip));
    });
    const result = await sender.post(srv.url, {}, '{}');
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(result.detail).toMatch(/response body/);
    await srv.close();
  });

  it('says in words what failed: refused, reset, invalid response, timeout phase, TLS reason, DNS', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await sender.post(`http://127.0.0.1:${port}/`, {}, '{}')).toMatchObject({ error: 'connection', detail: `connection refused by 127.0.0.1:${port}` });

    const reset = await rawServer((s) => s.resetAndDestroy());
    expect(await sender.post(reset.url, {}, '{}')).toMatchObject({ error: 'connection', detail: expect.stringMatching(/connection reset by the receiver before it answered/) });
    await reset.close();

    const garbage = await rawServer((s) => s.end('SMTP ready\r\n\r\n'));
    expect(await sender.post(garbage.url, {}, '{}')).toMatchObject({ error: 'connection', detail: expect.stringMatching(/^invalid HTTP response/) });
    await garbage.close();

    const silent = await rawServer(() => undefined);
    expect(await sender.post(silent.url, {}, '{}')).toMatchObject({ error: 'timeout', detail: 'no response within 0.7 s: waiting for the response headers' });
    await silent.close();

    expect(await sender.post(`${base.replace('http:', 'https:')}/ok`, {}, '{}')).toMatchObject({ error: 'tls', detail: expect.stringMatching(/^TLS handshake failed: /) });
    const dnsSender = new NodeHttpSender({ timeoutMs: 700, egress: { rules: createEgressRules({ allowPrivateTargets: false }), resolver: { resolve: async () => [] } } });
    expect(await dnsSender.post('https://nowhere.hookpost.test/h', {}, '{}')).toMatchObject({ error: 'dns', detail: 'nowhere.hookpost.test does not resolve' });
    await dnsSender.close();
  });
});

describe('kept-alive connections across a frozen container', () => {
  it('a pooled connection idle longer than the eviction age is not reused, even when no timer ran (Lambda froze the process)', async () => {
    let now = 0;
    const sender = new NodeHttpSender({ timeoutMs: 2000, clock: () => now });
    const sockets = new Set<unknown>();
    const count = (req: { socket: unknown }) => sockets.add(req.socket);
    server.on('request', count);
    try {
      await sender.post(`${base}/ok`, {}, '{}');
      now += 1_000;
      await sender.post(`${base}/ok`, {}, '{}');
      expect(sockets.size).toBe(1); // idle 1 s: kept alive and reused
      // Frozen for a minute: the receiver has long closed its end (Node servers after 5 s,
      // many proxies sooner), and no idle timer of ours ran meanwhile.
      now += 60_000;
      await sender.post(`${base}/ok`, {}, '{}');
      expect(sockets.size).toBe(2);
    } finally {
      server.off('request', count);
      await sender.close();
    }
  });
});
