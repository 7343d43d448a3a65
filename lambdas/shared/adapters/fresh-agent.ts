import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/**
 * How long a pooled connection may sit idle and still be reused: under the 5 s after which
 * Node servers (and many proxies sooner) close an idle connection.
 */
export const MAX_IDLE_MS = 4_000;

const IDLE_SINCE = Symbol('idleSince');
type PooledSocket = Socket & { [IDLE_SINCE]?: number };
type Pool = { freeSockets: NodeJS.ReadOnlyDict<PooledSocket[]>; getName(options: object): string };

/**
 * Keep-alive agents that evict a pooled connection idle longer than `maxIdleMs` at the moment it
 * would be reused, measured on the clock, not by a timer: Lambda freezes a container between
 * invocations, so no idle timer runs, and on thaw the first request would otherwise take a
 * connection its receiver closed minutes ago and fail with ECONNRESET. Node's Agent (and
 * `agentkeepalive`) evict idle sockets only with timers, hence this small subclass; Node calls
 * `keepSocketAlive` when a socket returns to the pool and `addRequest` before it takes one.
 */
const evicting = <A extends typeof http.Agent>(Base: A, maxIdleMs: number, clock: () => number) =>
  class extends (Base as typeof http.Agent) {
    override keepSocketAlive(socket: Socket): void {
      // Node returns whether to keep it (its types say void): passed through as it is.
      (socket as PooledSocket)[IDLE_SINCE] = clock();
      return super.keepSocketAlive(socket);
    }

    addRequest(request: http.ClientRequest, options: object): void {
      const pool = this as unknown as Pool;
      for (const socket of pool.freeSockets[pool.getName(options)] ?? []) {
        // Node skips destroyed sockets when it takes one from the pool.
        if (clock() - (socket[IDLE_SINCE] ?? clock()) > maxIdleMs) socket.destroy();
      }
      (http.Agent.prototype as unknown as { addRequest: (r: http.ClientRequest, o: object) => void }).addRequest.call(this, request, options);
    }
  };

export const freshAgents = (options: { maxIdleMs?: number; clock?: () => number } = {}) => {
  const maxIdleMs = options.maxIdleMs ?? MAX_IDLE_MS;
  const clock = options.clock ?? (() => performance.now());
  const HttpAgent = evicting(http.Agent, maxIdleMs, clock);
  const HttpsAgent = evicting(https.Agent as unknown as typeof http.Agent, maxIdleMs, clock);
  return { http: new HttpAgent({ keepAlive: true, keepAliveMsecs: 4_000 }), https: new HttpsAgent({ keepAlive: true, keepAliveMsecs: 4_000 }) as unknown as https.Agent };
};
