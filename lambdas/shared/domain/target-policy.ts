import { BlockList, isIP } from 'node:net';
import { ValidationError } from './errors';

/**
 * Which webhook URLs may be registered. With private targets allowed (the local default) any
 * http(s) URL passes. Otherwise (always on AWS) only https URLs whose host is, or resolves
 * only to, public unicast addresses: loopback, RFC 1918, CGNAT, link-local (metadata
 * addresses included), unique-local, multicast, documentation, benchmarking, reserved and
 * unspecified ranges are refused, as are IPv4-mapped, NAT64 and 6to4 forms. The WHATWG URL
 * parser has already normalised decimal, hex, octal and shortened IPv4 spellings.
 */
export interface Resolver {
  /** Every address the host name resolves to; empty or throwing when it does not resolve. */
  resolve(host: string): Promise<string[]>;
}

// Two lists: Node's BlockList matches IPv4 addresses against IPv4-mapped IPv6 subnets too.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blockedV4.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blockedV6.addSubnet(net, prefix, 'ipv6');

export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !blockedV4.check(address, 'ipv4') : !blockedV6.check(address, 'ipv6');
};

export interface TargetPolicy {
  /** Throws a 400 `url_not_allowed` saying why, or returns when the URL may be registered. */
  check(url: string): Promise<void>;
}

const refuse = (why: string) => new ValidationError(`url: ${why}`, 'url_not_allowed');

export const createTargetPolicy = (options: { allowPrivateTargets: boolean; resolver: Resolver }): TargetPolicy => ({
  async check(raw) {
    if (options.allowPrivateTargets) return;
    const url = new URL(raw);
    if (url.protocol !== 'https:') throw refuse('only https URLs are allowed');
    if (url.username || url.password) throw refuse('credentials in the URL are not allowed');
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
    if (isIP(host)) {
      if (!isPublicAddress(host)) throw refuse(`${host} is not a public address`);
      return;
    }
    let addresses: string[];
    try {
      addresses = await options.resolver.resolve(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) throw refuse(`${host} does not resolve`);
    const bad = addresses.find((a) => !isPublicAddress(a));
    if (bad) throw refuse(`${host} resolves to ${bad}, which is not a public address`);
  },
});
