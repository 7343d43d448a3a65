import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signDelivery } from '../../lambdas/shared/domain/signing';
import { VERSION } from '../../lambdas/shared/version';

/** One version everywhere: the package, the SDKs, the deliveries' User-Agent (and the OpenAPI document: test/e2e/openapi.test.ts). */
const ROOT = join(import.meta.dirname, '..', '..');
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('the version', () => {
  it('is the package.json version in the SDKs, the CHANGELOG and what a receiver sees', () => {
    const version = json('package.json').version;
    expect(VERSION).toBe(version);
    expect(json('sdk/typescript/package.json').version).toBe(version);
    expect(/^version = "([^"]+)"$/m.exec(readFileSync(join(ROOT, 'sdk/python/pyproject.toml'), 'utf8'))?.[1]).toBe(version);
    expect(/^__version__ = "([^"]+)"$/m.exec(readFileSync(join(ROOT, 'sdk/python/hookpost/__init__.py'), 'utf8'))?.[1]).toBe(version);
    expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## ${version.replace(/\./g, '\\.')} \\(\\d{4}-\\d\\d-\\d\\d, `, 'm'));
    const signed = signDelivery('admin', { id: 'evt_1', type: 'price.alert', createdAt: '2026-12-01T00:00:00.000Z', data: {} }, ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 1_764_547_200);
    expect(signed.headers['user-agent']).toBe(`hookpost/${version}`);
  });
});
