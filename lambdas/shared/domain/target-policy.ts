import { BlockList, isIP } from 'node:net';
import { ValidationError } from './errors';

/**
 * Where hookpost may send webhooks. With private targets allowed (the local default) any
 * http(s) URL passes. Otherwise (always on AWS) only https URLs whose host is, or resolves
 * only to, public unicast addresses: every special-purpose range IANA lists (below, each with
 * its RFC) is refused, with the IPv4-mapped, -compatible, -translated, NAT64 and 6to4 forms
 * that embed an IPv4 address, unless an operator allowlisted the address's CIDR. The WHATWG
 * URL parser has already normalised decimal, hex, octal and shortened IPv4 spellings.
 *
 * The same rules run twice: at registration (`TargetPolicy.check`, with a DNS lookup), and at
 * every delivery inside the connection's own lookup (`EgressRules`, see the HTTP sender), so
 * the address that was checked is the address that is connected to.
 */
export interface Resolver {
  /** Every address the host name resolves to; empty or throwing when it does not resolve. */
  resolve(host: string): Promise<string[]>;
}

// Every range of the IANA special-purpose address registries (iana.org/assignments/
// iana-ipv4-special-registry and iana-ipv6-special-registry), plus multicast and the
// reserved space around them, is refused, including those the registries mark globally
// reachable (AS112, AMT): no webhook receiver lives there. Two lists: Node's BlockList
// matches IPv4 addresses against IPv4-mapped IPv6 subnets too.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network" (RFC 791)
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback (RFC 1122)
  ['169.254.0.0', 16], // link-local, cloud metadata (RFC 3927)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890), DS-Lite, NAT64 discovery
  ['192.0.2.0', 24], // documentation TEST-NET-1 (RFC 5737)
  ['192.31.196.0', 24], // AS112-v4 (RFC 7535)
  ['192.52.193.0', 24], // AMT (RFC 7450)
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast (RFC 7526)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['192.175.48.0', 24], // direct delegation AS112 service (RFC 7534)
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation TEST-NET-2 (RFC 5737)
  ['203.0.113.0', 24], // documentation TEST-NET-3 (RFC 5737)
  ['224.0.0.0', 4], // multicast (RFC 5771)
  ['240.0.0.0', 4], // reserved (RFC 1112), limited broadcast 255.255.255.255 (RFC 919)
] as const) blockedV4.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback (RFC 4291) and IPv4-compatible ::a.b.c.d (deprecated, RFC 4291 2.5.5.1)
  ['::ffff:0:0', 96], // IPv4-mapped (RFC 4291)
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 2765)
  ['64:ff9b::', 96], // NAT64 well-known prefix (RFC 6052)
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation (RFC 8215)
  ['100::', 64], // discard-only (RFC 6666)
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID(v2), AMT... (RFC 2928)
  ['2001:db8::', 32], // documentation (RFC 3849)
  ['2002::', 16], // 6to4 (RFC 3056)
  ['2620:4f:8000::', 48], // direct delegation AS112 service (RFC 7534)
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // segment routing SIDs (RFC 9602)
  ['fc00::', 7], // unique local (RFC 4193)
  ['fe80::', 10], // link-local (RFC 4291)
  ['fec0::', 10], // site-local, deprecated (RFC 3879)
  ['ff00::', 8], // multicast (RFC 4291)
] as const) blockedV6.addSubnet(net, prefix, 'ipv6');

export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !blockedV4.check(address, 'ipv4') : !blockedV6.check(address, 'ipv6');
};

/** Parses an operator's CIDR list (`10.20.0.0/16`, `fd00:1::/64`); throws on a malformed entry. */
export const parseCidrs = (cidrs: readonly string[]): BlockList => {
  const list = new BlockList();
  for (const raw of cidrs) {
    const cidr = raw.trim();
    const [net, bits, extra] = cidr.split('/');
    const family = isIP(net ?? '');
    const prefix = Number(bits);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits) || prefix > max) {
      throw new Error(`Invalid CIDR "${raw}": expected an address and a prefix length, like 10.20.0.0/16`);
    }
    list.addSubnet(net!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
};

export interface EgressOptions {
  /** Any http(s) URL, loopback and private networks included (local runs only). */
  allowPrivateTargets: boolean;
  /** CIDRs an operator allows although they are not public (receivers inside their own network). */
  allowedCidrs?: readonly string[];
}

/** The rules both checks share: the URL's shape, and each address it leads to. */
export interface EgressRules {
  readonly enforced: boolean;
  /** Why the URL itself (scheme, credentials, literal address) is refused, or null. */
  urlRefusal(url: URL): string | null;
  /** Why a resolved address is refused, or null. */
  addressRefusal(address: string, host: string): string | null;
}

/** The host as the resolver and `isIP` take it: no IPv6 brackets, no trailing dot. */
export const bareHost = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');

export const createEgressRules = (options: EgressOptions): EgressRules => {
  const allowed = parseCidrs(options.allowedCidrs ?? []);
  const isAllowed = (address: string) => {
    const family = isIP(address);
    return isPublicAddress(address) || (family !== 0 && allowed.check(address, family === 4 ? 'ipv4' : 'ipv6'));
  };
  const addressRefusal = (address: string, host: string): string | null => {
    if (options.allowPrivateTargets || isAllowed(address)) return null;
    return address === host ? `${host} is not a public address` : `${host} resolves to ${address}, which is not a public address`;
  };
  return {
    enforced: !options.allowPrivateTargets,
    urlRefusal(url) {
      if (options.allowPrivateTargets) return null;
      if (url.protocol !== 'https:') return 'only https URLs are allowed';
      if (url.username || url.password) return 'credentials in the URL are not allowed';
      const host = bareHost(url);
      return isIP(host) ? addressRefusal(host, host) : null;
    },
    addressRefusal,
  };
};

export interface TargetPolicy {
  /** Throws a 400 `url_not_allowed` saying why, or returns when the URL may be registered. */
  check(url: string): Promise<void>;
}

const refuse = (why: string) => new ValidationError(`url: ${why}`, 'url_not_allowed');

/**
 * Resolves `host` and checks every address it leads to: the addresses, all allowed, or why
 * not. Registration and the connection's own lookup both go through here.
 */
export const resolveChecked = async (
  rules: EgressRules,
  resolver: Resolver,
  host: string,
): Promise<{ addresses: string[] } | { refusal: string; unresolved: boolean }> => {
  let addresses: string[];
  try {
    addresses = await resolver.resolve(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) return { refusal: `${host} does not resolve`, unresolved: true };
  for (const address of addresses) {
    const why = rules.addressRefusal(address, host);
    if (why) return { refusal: why, unresolved: false };
  }
  return { addresses };
};

export const createTargetPolicy = (rules: EgressRules, resolver: Resolver): TargetPolicy => ({
  async check(raw) {
    if (!rules.enforced) return;
    const url = new URL(raw);
    const refusal = rules.urlRefusal(url);
    if (refusal) throw refuse(refusal);
    const host = bareHost(url);
    if (isIP(host)) return;
    const checked = await resolveChecked(rules, resolver, host);
    if ('refusal' in checked) throw refuse(checked.refusal);
  },
});
