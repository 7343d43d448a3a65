import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeHttpSender } from '../../lambdas/shared/adapters/http-sender';
import type { HttpResult } from '../../lambdas/shared/domain/ports';

/**
 * Every way a receiver can behave on the socket, from what HTTP/1.1 allows (RFC 9110/9112:
 * informational answers, protocol switches, close-delimited bodies, chunked framing, half
 * closes) and what Node's client does with each (an `upgrade` nobody listens to destroys the
 * socket without an error; `information` events; parser errors; resets at every phase). Each
 * attempt must settle, as the right error, within its timeout plus a small margin, whatever
 * the socket does or does not emit.
 */

const TIMEOUT_MS = 800;
// Settling takes a timer's tick; the margin is for a shared 2-core machine running other files.
const MARGIN_MS = 1_500;

type Behaviour = (socket: Socket) => void;

interface Row {
  name: string;
  /** What the receiver does once the request's first bytes arrived (or at once, `onConnect`). */
  behave: Behaviour;
  onConnect?: boolean;
  https?: boolean;
  expected: Partial<HttpResult>;
  detail?: RegExp;
}

const headers = (status: string, extra = '') => `HTTP/1.1 ${status}\r\n${extra}`;
const silent: Behaviour = () => undefined;
/** Writes `text`, then sends every 100 ms what `drip` gives, until the socket goes. */
const trickle = (text: string, drip: string): Behaviour => (s) => {
  s.write(text);
  const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write(drip)), 100);
  s.on('close', () => clearInterval(timer));
};

const rows: Row[] = [
  // Protocol switches: a POST the receiver answers by switching protocols is not delivered.
  { name: '101 Switching Protocols, then silence', behave: (s) => s.write(headers('101 Switching Protocols', 'connection: upgrade\r\nupgrade: websocket\r\n\r\n')), expected: { statusCode: 101, error: null }, detail: /switch/ },
  { name: '101 Switching Protocols, then closed', behave: (s) => s.end(headers('101 Switching Protocols', 'connection: upgrade\r\nupgrade: h2c\r\n\r\n')), expected: { statusCode: 101, error: null }, detail: /switch/ },
  { name: '101 Switching Protocols with bytes of the new protocol', behave: (s) => s.write(headers('101 Switching Protocols', 'connection: upgrade\r\nupgrade: websocket\r\n\r\n') + '\x81\x05hello'), expected: { statusCode: 101, error: null }, detail: /switch/ },
  { name: '200 offering an upgrade, then silence', behave: (s) => s.write(headers('200 OK', 'connection: upgrade\r\nupgrade: h2c\r\ncontent-length: 2\r\n\r\nok')), expected: { statusCode: 200, error: null } },
  // Informational answers never end an exchange (RFC 9110 15.2): the final answer must follow.
  { name: '100 Continue, then silence', behave: (s) => s.write(headers('100 Continue', '\r\n')), expected: { statusCode: null, error: 'timeout' }, detail: /waiting for the response headers/ },
  { name: '103 Early Hints, then silence', behave: (s) => s.write(headers('103 Early Hints', 'link: </a.css>; rel=preload\r\n\r\n')), expected: { statusCode: null, error: 'timeout' } },
  { name: '102 Processing every 100 ms, forever', behave: trickle(headers('102 Processing', '\r\n'), headers('102 Processing', '\r\n')), expected: { statusCode: null, error: 'timeout' } },
  { name: '100 Continue, then a 200', behave: (s) => s.end(headers('100 Continue', '\r\n') + headers('200 OK', 'content-length: 2\r\n\r\nok')), expected: { statusCode: 200, error: null, bodyExcerpt: 'ok' } },
  // Nothing, or part of an answer.
  { name: 'accepts and never answers', behave: silent, expected: { statusCode: null, error: 'timeout' }, detail: /waiting for the response headers/ },
  { name: 'accepts and never reads (connected, request unread)', behave: (s) => s.pause(), onConnect: true, expected: { statusCode: null, error: 'timeout' } },
  { name: 'half a status line, then silence', behave: (s) => s.write('HTTP/1.1 20'), expected: { statusCode: null, error: 'timeout' } },
  { name: 'headers that never end', behave: trickle(headers('200 OK'), 'x-slow: 1\r\n'), expected: { statusCode: null, error: 'timeout' } },
  { name: 'body shorter than its content-length, then silence', behave: (s) => s.write(headers('200 OK', 'content-length: 100\r\n\r\npart')), expected: { statusCode: 200, error: null }, detail: /did not finish/ },
  { name: 'chunked body that never ends', behave: trickle(headers('200 OK', 'transfer-encoding: chunked\r\n\r\n'), '1\r\na\r\n'), expected: { statusCode: 200, error: null }, detail: /did not finish/ },
  { name: 'close-delimited body that never closes', behave: trickle(headers('200 OK', 'connection: close\r\n\r\n'), 'a'), expected: { statusCode: 200, error: null }, detail: /did not finish/ },
  // Closes and resets at every phase.
  { name: 'closes before the request arrives', behave: (s) => s.end(), onConnect: true, expected: { statusCode: null, error: 'connection' } },
  { name: 'resets before the request arrives', behave: (s) => s.resetAndDestroy(), onConnect: true, expected: { statusCode: null, error: 'connection' } },
  { name: 'half-closes (FIN) after the request, keeps the socket open', behave: (s) => s.end(), expected: { statusCode: null, error: 'connection' } },
  { name: 'resets after half a status line', behave: (s) => (s.write('HTTP/1.1 2'), setTimeout(() => s.resetAndDestroy(), 20)), expected: { statusCode: null, error: 'connection' } },
  { name: 'resets inside the headers', behave: (s) => (s.write(headers('200 OK', 'x-a: 1\r\n')), setTimeout(() => s.resetAndDestroy(), 20)), expected: { statusCode: null, error: 'connection' } },
  { name: 'closes inside the headers', behave: (s) => s.end(headers('200 OK', 'x-a: 1\r\n')), expected: { statusCode: null, error: 'connection' } },
  { name: 'resets inside the body', behave: (s) => (s.write(headers('500 Internal Server Error', 'content-length: 100\r\n\r\npart')), setTimeout(() => s.resetAndDestroy(), 20)), expected: { statusCode: 500, error: null }, detail: /broke off/ },
  { name: 'closes inside a chunked body', behave: (s) => s.end(headers('200 OK', 'transfer-encoding: chunked\r\n\r\n5\r\nab')), expected: { statusCode: 200, error: null }, detail: /broke off/ },
  { name: 'a close-delimited body, closed', behave: (s) => s.end(headers('200 OK', 'connection: close\r\n\r\nall of it')), expected: { statusCode: 200, error: null, bodyExcerpt: 'all of it' } },
  // Answers that are not HTTP.
  { name: 'not HTTP at all', behave: (s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'), expected: { statusCode: null, error: 'connection' }, detail: /invalid HTTP response/ },
  { name: 'conflicting framing (content-length and chunked)', behave: (s) => s.end(headers('200 OK', 'content-length: 3\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')), expected: { statusCode: null, error: 'connection' } },
  { name: 'a header section over 16 KB', behave: (s) => s.end(headers('200 OK', `x-big: ${'a'.repeat(20_000)}\r\n\r\n`)), expected: { statusCode: null, error: 'connection' }, detail: /invalid HTTP response/ },
  // TLS: a port that takes the connection and never answers the ClientHello.
  { name: 'https: the handshake never answered', behave: silent, https: true, expected: { statusCode: null, error: 'timeout' }, detail: /TLS handshake/ },
  { name: 'https: reset during the handshake', behave: (s) => s.resetAndDestroy(), https: true, expected: { statusCode: null } },
];

const servers: Server[] = [];
const listen = async (row: Row): Promise<string> => {
  const server = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    if (row.onConnect) row.behave(socket);
    else socket.once('data', () => row.behave(socket));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `${row.https ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
};

describe('every attempt settles within its timeout, whatever the receiver does on the socket', () => {
  const sender = new NodeHttpSender({ timeoutMs: TIMEOUT_MS });
  afterAll(async () => {
    await sender.close();
    for (const s of servers) s.close();
  });

  it.concurrent.each(rows)('$name', async (row) => {
    const url = await listen(row);
    const started = performance.now();
    // A 64 KB body: a receiver that never reads must not hold the request's writes past the deadline.
    const settled = await Promise.race([
      sender.post(url, { 'content-type': 'application/json' }, JSON.stringify({ pad: 'x'.repeat(64 * 1024) })),
      new Promise<'never settled'>((r) => setTimeout(() => r('never settled'), TIMEOUT_MS + MARGIN_MS * 3).unref()),
    ]);
    const took = performance.now() - started;
    expect(settled).not.toBe('never settled');
    const result = settled as HttpResult;
    expect(result).toMatchObject(row.expected);
    if (row.detail) expect(result.detail).toMatch(row.detail);
    expect(took).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(result.responseTimeMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  });
});

describe('the deadline covers what happens before the socket', () => {
  it('a DNS lookup that never answers settles as a timeout while connecting', async () => {
    const { createEgressRules } = await import('../../lambdas/shared/domain/target-policy');
    const hanging = new NodeHttpSender({
      timeoutMs: TIMEOUT_MS,
      egress: { rules: createEgressRules({ allowPrivateTargets: false }), resolver: { resolve: () => new Promise<string[]>(() => undefined) } },
    });
    const started = performance.now();
    const result = await hanging.post('https://hangs.hookpost.test/hook', {}, '{}');
    expect(result).toMatchObject({ statusCode: null, error: 'timeout', detail: expect.stringMatching(/connecting/) });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    await hanging.close();
  });
});

describe('an attempt bounded by the invocation it runs in', () => {
  it('settles by the bound it is given, whatever its own timeout, and says it was cut short', async () => {
    const [url] = await Promise.all([listen({ name: 'silent', behave: silent, expected: {} })]);
    const sender = new NodeHttpSender({ timeoutMs: 30_000 });
    const started = performance.now();
    const result = await sender.post(url!, {}, '{}', { timeoutMs: 20_000, notAfterMs: Date.now() + TIMEOUT_MS });
    expect(result).toMatchObject({ statusCode: null, error: 'timeout', detail: expect.stringMatching(/^no response within 0\.[5-8] s: waiting for the response headers \(cut short: the worker's invocation was ending\)$/) });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    await sender.close();
  });
});
