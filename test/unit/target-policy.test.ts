import { describe, expect, it } from 'vitest';
import { createEgressRules, createTargetPolicy, type Resolver } from '../../lambdas/shared/domain/target-policy';
import { createAdminWebhook, registerAccountWebhook, updateWebhook } from '../../lambdas/shared/domain/endpoints';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts } from '../support/fakes';

const dns: Record<string, string[]> = {
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'internal.example.com': ['10.1.2.3'],
  'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
};
const resolver: Resolver = { resolve: async (host) => dns[host] ?? [] };
const strict = createTargetPolicy(createEgressRules({ allowPrivateTargets: false }), resolver);

describe('target policy with private targets refused (always on AWS)', () => {
  const refused = [
    'http://hooks.example.com/h',
    'https://user:pass@hooks.example.com/h',
    'https://127.0.0.1/h',
    'https://2130706433/h', // decimal 127.0.0.1
    'https://0x7f.0.0.1/h', // hex
    'https://0177.0.0.1/h', // octal
    'https://127.1/h', // shortened
    'https://10.0.0.1/h',
    'https://172.16.5.4/h',
    'https://192.168.1.1/h',
    'https://100.64.0.1/h',
    'https://169.254.169.254/latest/meta-data',
    'https://0.0.0.0/h',
    'https://255.255.255.255/h',
    'https://224.0.0.1/h',
    'https://[::1]/h',
    'https://[::]/h',
    'https://[::ffff:127.0.0.1]/h',
    'https://[64:ff9b::a00:1]/h',
    'https://[fd00::1]/h',
    'https://[fe80::1]/h',
    'https://[ff02::1]/h',
    // IPv4-compatible (::/96) and IPv4-translated (::ffff:0:0:0/96) forms of 127.0.0.1
    'https://[::7f00:1]/h',
    'https://[::ffff:0:7f00:1]/h',
    'https://[::127.0.0.1]/h',
    // the rest of the IANA special-purpose registries
    'https://192.31.196.1/h', // AS112-v4
    'https://192.52.193.1/h', // AMT
    'https://192.175.48.1/h', // direct delegation AS112
    'https://[2620:4f:8000::1]/h', // AS112-v6
    'https://[3fff::1]/h', // documentation (RFC 9637)
    'https://[5f00::1]/h', // SRv6 SIDs (RFC 9602)
    'https://[2001:20::1]/h', // ORCHIDv2
    'https://internal.example.com/h',
    'https://mixed.example.com/h',
    'https://metadata.example.com/h',
    'https://nowhere.invalid/h',
  ];
  for (const url of refused) {
    it(`refuses ${url} and says why`, async () => {
      await expect(strict.check(url)).rejects.toMatchObject({ status: 400, code: 'url_not_allowed', message: expect.stringMatching(/^url: .{10,}/) });
    });
  }

  for (const url of ['https://hooks.example.com/h', 'https://93.184.215.14/h', 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/h', 'https://hooks.example.com./h']) {
    it(`allows ${url}`, async () => {
      await expect(strict.check(url)).resolves.toBeUndefined();
    });
  }

  it('is applied when registering, creating and changing a URL, before anything is written', async () => {
    const f = fakePorts({ targets: strict });
    await createTenant(f.ports, { id: 'acme' });
    await expect(registerAccountWebhook(f.ports, 'acme', { url: 'https://127.0.0.1/', events: null })).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(createAdminWebhook(f.ports, 'acme', { url: 'https://10.0.0.1/', events: ['price.alert'] })).rejects.toMatchObject({ code: 'url_not_allowed' });
    expect(f.stores.endpoints.size).toBe(0);
    expect((await f.stores.getTenant('acme'))?.accountWebhookId).toBeUndefined();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://hooks.example.com/', events: ['price.alert'] });
    await expect(updateWebhook(f.ports, 'acme', endpoint.id, { url: 'https://192.168.0.1/' })).rejects.toMatchObject({ code: 'url_not_allowed' });
    expect((await f.stores.getEndpoint('acme', endpoint.id))?.url).toBe('https://hooks.example.com/');
  });
});

describe('target policy with private targets allowed (the local default)', () => {
  it('allows loopback http', async () => {
    await expect(createTargetPolicy(createEgressRules({ allowPrivateTargets: true }), resolver).check('http://127.0.0.1:8080/h')).resolves.toBeUndefined();
  });
});

describe('an operator allowlist of CIDRs', () => {
  const withAllowlist = createTargetPolicy(createEgressRules({ allowPrivateTargets: false, allowedCidrs: ['10.1.0.0/16', 'fd00:1::/64'] }), resolver);

  it('lets receivers inside the listed networks through, and nothing else', async () => {
    await expect(withAllowlist.check('https://internal.example.com/h')).resolves.toBeUndefined(); // 10.1.2.3
    await expect(withAllowlist.check('https://10.1.200.7/h')).resolves.toBeUndefined();
    await expect(withAllowlist.check('https://[fd00:1::5]/h')).resolves.toBeUndefined();
    await expect(withAllowlist.check('https://10.2.0.1/h')).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(withAllowlist.check('https://metadata.example.com/h')).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(withAllowlist.check('http://10.1.2.3/h')).rejects.toMatchObject({ message: 'url: only https URLs are allowed' });
  });

  it('refuses a malformed entry when the configuration is read', () => {
    for (const bad of ['10.1.0.0', '10.1.0.0/33', 'example.com/8', '10.0.0.0/8/1', 'fd00::/129']) {
      expect(() => createTargetPolicy(createEgressRules({ allowPrivateTargets: false, allowedCidrs: [bad] }), resolver), bad).toThrow(/Invalid CIDR/);
    }
  });
});
