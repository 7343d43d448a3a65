import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A receiver in a process of its own, for tests that judge arrival times: in the test's own
 * process a busy event loop (the runtime runs there) reads requests late and stamps spaced
 * arrivals as bunched. Answers 200 and prints one line a request: its path and arrival time
 * (epoch ms, to the microsecond).
 */
const SCRIPT = `
const server = require('node:http').createServer((req, res) => {
  const at = performance.timeOrigin + performance.now();
  req.resume();
  req.on('end', () => { process.stdout.write(JSON.stringify({ path: req.url, at }) + '\\n'); res.writeHead(200).end('ok'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;

export const startProcessReceiver = async () => {
  const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  const arrivals: Array<{ path: string; at: number }> = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver process exited with ${code}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line);
      if ('port' in parsed) resolve(parsed.port);
      else arrivals.push(parsed);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    async waitFor(path: string, count: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = arrivals.filter((a) => a.path === path);
        if (hits.length >= count) return hits;
        if (Date.now() > deadline) throw new Error(`receiver: ${hits.length} of ${count} expected requests to ${path} arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill();
      }),
  };
};
