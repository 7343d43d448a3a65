import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The docs' samples cannot drift: every shell, Python and JavaScript block of README.md and
 * docs/*.md runs as written, page by page in order, in one shell per page, against the local
 * runtime started as `npm start` starts it (local/main.ts), with the three variables set from the
 * line it prints. A block is left out only behind `<!-- docs-test: skip (why) -->` (starting the
 * service, pasting that line, or needing an AWS account); `<!-- docs-test: file NAME -->` saves a
 * block as the file the page then runs.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const RUNNABLE = new Set(['sh', 'bash', 'shell', 'python', 'js', 'javascript', 'ts', 'typescript']);

interface Block {
  lang: string;
  code: string;
  marker?: { kind: 'skip'; reason: string } | { kind: 'file'; name: string };
  line: number;
}

const blocksOf = (markdown: string): Block[] => {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\w*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const previous = (lines.slice(0, start).reverse().find((l) => l.trim() !== '') ?? '').trim();
    const skip = /^<!-- docs-test: skip \((.+)\) -->$/.exec(previous);
    const file = /^<!-- docs-test: file (\S+) -->$/.exec(previous);
    blocks.push({
      lang: open[1]!.toLowerCase(),
      code: body.join('\n'),
      line: start + 1,
      ...(skip ? { marker: { kind: 'skip' as const, reason: skip[1]! } } : file ? { marker: { kind: 'file' as const, name: file[1]! } } : {}),
    });
  }
  return blocks;
};

/** The page as one shell script: its shell blocks as they are, its other programs run from heredocs. */
const scriptOf = (blocks: Block[], dir: string): string => {
  const parts = ["trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"];
  for (const block of blocks) {
    if (!RUNNABLE.has(block.lang) || block.marker?.kind === 'skip') continue;
    if (block.marker?.kind === 'file') {
      writeFileSync(join(dir, block.marker.name), `${block.code}\n`);
      continue;
    }
    if (block.lang === 'ts' || block.lang === 'typescript') {
      writeFileSync(join(dir, `block-${block.line}.mts`), `${block.code}\n`);
      parts.push(`node --import tsx block-${block.line}.mts`);
    } else if (block.lang === 'python') parts.push(`python3 - <<'HOOKPOST_DOCS_EOF'\n${block.code}\nHOOKPOST_DOCS_EOF`);
    else if (block.lang === 'js' || block.lang === 'javascript') parts.push(`node --input-type=module - <<'HOOKPOST_DOCS_EOF'\n${block.code}\nHOOKPOST_DOCS_EOF`);
    else parts.push(`# line ${block.line}\n${block.code}`);
  }
  return `${parts.join('\n')}\n`;
};

const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort((a, b) => (a === 'quickstart.md' ? -1 : b === 'quickstart.md' ? 1 : a.localeCompare(b))).map((f) => `docs/${f}`)];

let service: ChildProcess;
let env: Record<string, string>;
let work: string;
let printed = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hookpost-docs-'));
  service = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'local', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, HOOKPOST_PORT: '0', HOOKPOST_DATA_DIR: join(work, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no export line:\n${printed}`)), 60_000);
    service.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      const found = /^\s*export (HOOKPOST_URL=\S+ HOOKPOST_ADMIN_KEY=\S+ HOOKPOST_KEY=\S+(?: HOOKPOST_\w+=\S+)*)$/m.exec(printed);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    service.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    service.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${printed}`)));
  });
  env = Object.fromEntries(line.split(' ').map((pair) => pair.split('=') as [string, string]));
}, 90_000);

afterAll(async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((r) => service.once('exit', r));
    service.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

const runPage = (page: string): Promise<{ code: number | null; output: string }> => {
  const dir = join(work, page.replace(/\W+/g, '-'));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  // As a project that installed them: the CLI (npx finds it in node_modules/.bin), the
  // TypeScript SDK and tsx; the Python SDK on PYTHONPATH, as its README says.
  symlinkSync(join(ROOT, 'bin', 'hookpost.mjs'), join(dir, 'node_modules', '.bin', 'hookpost'));
  mkdirSync(join(dir, 'node_modules', '@hookpost'));
  symlinkSync(join(ROOT, 'sdk', 'typescript'), join(dir, 'node_modules', '@hookpost', 'sdk'));
  symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'));
  const script = scriptOf(blocksOf(readFileSync(join(ROOT, page), 'utf8')), dir);
  writeFileSync(join(dir, 'page.sh'), script);
  return new Promise((resolve) => {
    const shell = spawn('bash', ['-euo', 'pipefail', 'page.sh'], { cwd: dir, env: { ...process.env, ...env, PYTHONPATH: join(ROOT, 'sdk', 'python') } });
    let output = '';
    shell.stdout.on('data', (c: Buffer) => (output += c.toString()));
    shell.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => shell.kill('SIGKILL'), 120_000);
    shell.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
};

describe('the samples of the docs', () => {
  it('npm start prints the line the docs tell the reader to paste', () => {
    expect(env.HOOKPOST_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.HOOKPOST_KEY).toMatch(/^hpk_/);
    expect(printed).toContain('Tenant "dev" API key');
  });

  it('leave a block out only with a reason', () => {
    for (const page of PAGES) {
      for (const block of blocksOf(readFileSync(join(ROOT, page), 'utf8'))) {
        if (block.marker?.kind === 'skip') expect(block.marker.reason.length, `${page}:${block.line}`).toBeGreaterThan(10);
      }
    }
  });

  it('the quick start runs from the first publish to a verified delivery in its history', async () => {
    const { code, output } = await runPage('docs/quickstart.md');
    expect(output, output).toMatch(/verified subscription\.created evt_\w+: \{"plan": "pro", "seats": 5\}/);
    expect(output).toMatch(/succeeded/);
    expect(code, output).toBe(0);
  }, 150_000);

  for (const page of PAGES.filter((p) => p !== 'docs/quickstart.md')) {
    it(`${page} runs as written`, async () => {
      const blocks = blocksOf(readFileSync(join(ROOT, page), 'utf8')).filter((b) => RUNNABLE.has(b.lang) && b.marker?.kind !== 'skip');
      if (blocks.length === 0) return;
      const { code, output } = await runPage(page);
      expect(code, output).toBe(0);
    }, 150_000);
  }
});
