import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts endpoint signing secrets under the deployment's master key (AES-256-GCM, a key
 * derived from the master key with HKDF-SHA256). The ciphertext is bound to its endpoint
 * through the additional authenticated data, so a sealed secret copied onto another
 * endpoint does not open.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
  /**
   * A value only this deployment can make for `data`, stable while the master key is: an
   * HMAC-SHA256 (base64url) under a key derived for `purpose` alone.
   */
  derive(purpose: string, data: string): string;
}

const VERSION = 'v1';

export const createSecretBox = (masterKey: string): SecretBox => {
  if (masterKey.length < 32) throw new Error('The master key must be at least 32 characters');
  const key = Buffer.from(hkdfSync('sha256', masterKey, 'hookpost', 'endpoint-secret:v1', 32));
  const derived = new Map<string, Buffer>();
  const keyFor = (purpose: string): Buffer => {
    let k = derived.get(purpose);
    if (!k) derived.set(purpose, (k = Buffer.from(hkdfSync('sha256', masterKey, 'hookpost', `derive:${purpose}`, 32))));
    return k;
  };
  return {
    derive: (purpose, data) => createHmac('sha256', keyFor(purpose)).update(data, 'utf8').digest('base64url'),
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, ct] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('Unrecognised sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
};
