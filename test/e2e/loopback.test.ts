import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { startTestRuntime } from '../support/service';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime('loopback', {});
});
afterAll(async () => {
  await runtime?.stop();
});

/**
 * The local address of every listening TCP socket on `port`, read from the kernel's socket
 * tables: what the listener is bound to, seen without sending a byte to any address but
 * loopback (this workplace sends no traffic to the machine's other addresses).
 */
const listenersOn = (port: number): string[] => {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const rows = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => {
    try {
      return readFileSync(f, 'utf8').trim().split('\n').slice(1);
    } catch {
      return [];
    }
  });
  return rows
    .map((row) => row.trim().split(/\s+/))
    .filter(([, local, , state]) => state === '0A' && local!.endsWith(`:${hexPort}`))
    .map(([, local]) => local!.split(':')[0]!);
};

describe('the local runtime exposes nothing beyond loopback', () => {
  it('the API, dynalite and fauxqs listen on 127.0.0.1 only', () => {
    const ports = {
      api: runtime.port,
      dynamodb: Number(new URL(runtime.emulators.dynamodb).port),
      sqs: Number(new URL(runtime.emulators.sqs).port),
    };
    for (const [name, port] of Object.entries(ports)) {
      const bound = listenersOn(port);
      expect(bound.length, `${name} listens`).toBeGreaterThan(0);
      // 127.0.0.1 in the kernel's little-endian hex; 0.0.0.0 or :: would reach every interface.
      expect(bound, `${name} on port ${port}`).toEqual(bound.map(() => '0100007F'));
    }
  });
});
