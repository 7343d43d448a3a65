import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) asks for it
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// A test certificate authority (made with @peculiar/x509, not by hand): a CA, server
// certificates for loopback receivers, and client certificates for mutual TLS.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface TestCa extends Issued {
  name: string;
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

const keyPem = async (key: CryptoKey): Promise<string> => {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
};

const newKeys = () => subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const day = 86_400_000;
let serial = 1;

export const makeCa = async (name: string, now = new Date()): Promise<TestCa> => {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=${name}`,
    notBefore: new Date(now.getTime() - day),
    notAfter: new Date(now.getTime() + 365 * day),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, keys, cert, certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
};

/** A certificate `ca` issues: a server's for loopback, or a client's; valid from `notBefore` to `notAfter`. */
export const issue = async (
  ca: TestCa,
  options: { subject: string; kind: 'server' | 'client'; notBefore?: Date; notAfter?: Date; isCa?: boolean },
): Promise<Issued> => {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: `CN=${options.subject}`,
    issuer: ca.cert.subject,
    notBefore: options.notBefore ?? new Date(now - day),
    notAfter: options.notAfter ?? new Date(now + 90 * day),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(options.isCa ?? false, undefined, true),
      new x509.KeyUsagesExtension(options.isCa ? x509.KeyUsageFlags.keyCertSign : x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([options.kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...(options.kind === 'server' ? [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }])] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
};
