/**
 * What the bench's sections share: prices, figures' arithmetic, a receiver, an API call, payloads.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../lambdas/shared/domain/ids';
import type { JsonValue } from '../lambdas/shared/domain/python-json';

export const ROOT = join(import.meta.dirname, '..');
export const PRICES = JSON.parse(readFileSync(join(import.meta.dirname, 'prices.json'), 'utf8')) as Record<string, number | string>;
export const price = (k: string) => PRICES[k] as number;

export interface BenchOptions {
  /** A short run for CI: fewer events, shorter load phases. Figures are still real. */
  smoke: boolean;
  outDir: string;
}

export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export const median = (values: number[]) => percentile(values, 50);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loopback receiver that records when each webhook-id arrived, and answers after `delayMs`. */
export const startReceiver = async () => {
  const arrivals = new Map<string, number>();
  let respond: (headers: IncomingHttpHeaders, count: number) => { status: number; delayMs?: number } = () => ({ status: 200 });
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const at = performance.now();
      const id = String(req.headers['webhook-id']);
      const { status, delayMs } = respond(req.headers, ++count);
      const answer = () => res.writeHead(status).end(status < 300 ? 'ok' : 'no');
      if (status < 300 && !arrivals.has(id)) arrivals.set(id, at);
      if (delayMs) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    setResponder: (fn: typeof respond) => {
      respond = fn;
      count = 0;
    },
    async waitFor(n: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (arrivals.size < n) {
        if (Date.now() > deadline) throw new Error(`bench receiver: ${arrivals.size} of ${n} deliveries arrived`);
        await sleep(20);
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

export const call = async (base: string, method: string, path: string, key: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
};

/** 1 KB of event data. */
/**
 * An event of about `bytes` of JSON shaped like a real one (an order: ids, an e-mail, line
 * items with names and prices), so that what compression saves is what it saves in production,
 * not on a run of one letter.
 */
const WORDS = ['organic', 'cotton', 't-shirt', 'blue', 'large', 'mug', 'ceramic', 'notebook', 'recycled', 'backpack', 'canvas', 'bottle', 'steel', 'socks', 'wool'];
export const payload = (bytes: number, i = 0) => {
  const id = (n: number) => sha256Hex(`${i}:${n}`).slice(0, 16);
  const items: Array<Record<string, JsonValue>> = [];
  // It matches the seed catalogue's price.alert schema (product_id, price), as a platform's own events match theirs.
  const event = { product_id: `sku-${id(0)}`, price: 18.99, customer: { id: `cus_${id(1)}`, email: `buyer.${id(2).slice(0, 6)}@example.com` }, currency: 'EUR', items, i };
  for (let n = 3; Buffer.byteLength(JSON.stringify(event)) < bytes; n++) {
    items.push({ sku: `SKU-${id(n).slice(0, 8)}`, name: `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]}`, quantity: (n % 4) + 1, unit_price: Math.round(((n * 37) % 9000) + 99) / 100 });
  }
  return event;
};

// ---------------------------------------------------------------- requests and cost

export const machine = () => {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a checkout
  }
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gb: round(totalmem() / 1024 ** 3, 1), os: `${platform()} ${release()}`, node: process.version, commit };
};
