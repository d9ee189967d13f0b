/**
 * SecretStore on SSM Parameter Store (names starting with `/`) and Secrets Manager (`secretsmanager:<id>`).
 * Values are cached per name for the life of the Lambda container, up to a TTL, so a rotated secret is picked up.
 * Errors name the parameter, never its value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SecretStore } from '../core/ports';
import { ConfigurationError } from '../core/errors';
import { awsErrorName, translateAwsError } from './retry';

export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;
const SECRETS_MANAGER_PREFIX = 'secretsmanager:';
const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException']);

export interface SecretStoreOptions {
  ttlMs?: number;
  now?: () => number;
}

export function createSecretClients(region?: string): { ssm: SSMClient; secretsManager: SecretsManagerClient } {
  return { ssm: new SSMClient({ region }), secretsManager: new SecretsManagerClient({ region }) };
}

/** Create one per container (at module scope in the handler) so that the cache outlives an invocation. */
export class AwsSecretStore implements SecretStore {
  private readonly cache = new Map<string, { value: Promise<string>; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly clients: { ssm: SSMClient; secretsManager: SecretsManagerClient },
    options: SecretStoreOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  get(name: string): Promise<string> {
    const cached = this.cache.get(name);
    if (cached && cached.expiresAt > this.now()) return cached.value;
    // The promise is cached, so concurrent readers share one request; a failure is forgotten at once.
    const value = this.fetch(name);
    this.cache.set(name, { value, expiresAt: this.now() + this.ttlMs });
    value.catch(() => {
      if (this.cache.get(name)?.value === value) this.cache.delete(name);
    });
    return value;
  }

  private async fetch(name: string): Promise<string> {
    if (name.startsWith('/')) {
      return this.read(name, 'SSM parameter', async () => {
        const { Parameter } = await this.clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        return Parameter?.Value;
      });
    }
    if (name.startsWith(SECRETS_MANAGER_PREFIX) && name.length > SECRETS_MANAGER_PREFIX.length) {
      const secretId = name.slice(SECRETS_MANAGER_PREFIX.length);
      return this.read(name, 'Secrets Manager secret', async () => {
        const { SecretString } = await this.clients.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
        return SecretString;
      });
    }
    throw new ConfigurationError(`secret name "${name}" must be an SSM parameter name starting with / or secretsmanager:<id>`);
  }

  private async read(name: string, kind: string, request: () => Promise<string | undefined>): Promise<string> {
    let value: string | undefined;
    try {
      value = await request();
    } catch (error) {
      if (NOT_FOUND.has(awsErrorName(error))) throw new ConfigurationError(`${kind} "${name}" does not exist`);
      throw translateAwsError(error, `reading ${kind} "${name}"`);
    }
    // A binary secret or an empty parameter is not a usable token.
    if (!value) throw new ConfigurationError(`${kind} "${name}" has no string value`);
    return value;
  }
}
