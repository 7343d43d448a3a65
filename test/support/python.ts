import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const HARNESS = join(import.meta.dirname, '..', 'fixtures', 'verify_harness.py');

type Request =
  | { scheme: '000' | '003'; body: string | Buffer; signature: string; secret: string }
  | { scheme: 'dumps'; text: string };

/** Runs requests through the seeds' own Python samples in one python3 process. */
export const runPython = (requests: Request[]): unknown[] => {
  const input = requests
    .map((r) =>
      JSON.stringify(
        r.scheme === 'dumps'
          ? r
          : { scheme: r.scheme, body_b64: Buffer.from(r.body).toString('base64'), signature: r.signature, secret: r.secret },
      ),
    )
    .join('\n');
  const out = execFileSync('python3', [HARNESS], { input, encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
};
