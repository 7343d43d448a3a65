import { lookup } from 'node:dns/promises';
import type { Resolver } from '../domain/target-policy';

export const dnsResolver: Resolver = {
  async resolve(host) {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  },
};
