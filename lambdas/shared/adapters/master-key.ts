import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { createSecretBox, type SecretBox } from '../domain/secret-box';
import type { SecretBoxProvider } from '../domain/ports';

/**
 * The master key from Secrets Manager through Powertools Parameters, cached per container for
 * `maxAgeSeconds` (a rotated key reaches every container within that time).
 */
export class SecretsManagerBoxProvider implements SecretBoxProvider {
  private readonly provider: SecretsProvider;
  private box: { key: string; box: SecretBox } | undefined;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly maxAgeSeconds = 900,
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async get(): Promise<SecretBox> {
    const key = await this.provider.get(this.secretId, { maxAge: this.maxAgeSeconds });
    if (typeof key !== 'string' || key === '') throw new Error('The master key secret has no string value');
    if (this.box?.key !== key) this.box = { key, box: createSecretBox(key) };
    return this.box.box;
  }
}

/** A fixed master key (the local runtime keeps one in its data directory). */
export class StaticBoxProvider implements SecretBoxProvider {
  private readonly box: Promise<SecretBox>;
  constructor(masterKey: string) {
    this.box = Promise.resolve(createSecretBox(masterKey));
  }
  get() {
    return this.box;
  }
}
