/**
 * SecretStore on SSM Parameter Store (names starting with `/`) and Secrets Manager (`secretsmanager:<id>`).
 * Values are cached per name for the life of the Lambda container, up to a TTL, so a rotated secret is picked up.
 * Errors name the parameter, never its value.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { SecretStore } from '../core/ports';
import { ConfigurationError } from '../core/errors';
import { awsErrorName, translateAwsError } from './retry';

export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;
const SECRETS_MANAGER_PREFIX = 'secretsmanager:';
const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException']);

/** Where a secret name points: an SSM parameter (`/…`) or a Secrets Manager secret (`secretsmanager:<id>`). */
export interface SecretSource {
  what: 'SSM parameter' | 'Secrets Manager secret';
  id: string;
}

/** The source a name points at; a name of neither shape is a configuration error. The in-memory fake applies it too. */
export function secretSource(name: string): SecretSource {
  if (name.startsWith('/')) return { what: 'SSM parameter', id: name };
  if (name.startsWith(SECRETS_MANAGER_PREFIX) && name.length > SECRETS_MANAGER_PREFIX.length) {
    return { what: 'Secrets Manager secret', id: name.slice(SECRETS_MANAGER_PREFIX.length) };
  }
  throw new ConfigurationError(`secret name "${name}" must be an SSM parameter name starting with / or secretsmanager:<id>`);
}

/** A secret that is not there: the stage is not set up (README, Deploying), so retrying will not help. */
export function missingSecret(name: string, source: SecretSource): ConfigurationError {
  return new ConfigurationError(`${source.what} "${name}" does not exist`);
}

export interface SecretStoreOptions {
  ttlMs?: number;
  now?: () => number;
}

/**
 * The clients of the two stores. A bundle may carry only the one its config's secrets are in (functions/handlers/lib/root.ts):
 * a name in the other is then a configuration error, never a silent miss.
 */
export interface SecretClients {
  ssm?: SSMClient;
  secretsManager?: SecretsManagerClient;
}

/** Create one per container (at module scope in the handler) so that the cache outlives an invocation. */
export class AwsSecretStore implements SecretStore {
  private readonly cache = new Map<string, { value: Promise<string>; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly clients: SecretClients,
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
    const source = secretSource(name);
    const { ssm, secretsManager } = this.clients;
    if (source.what === 'SSM parameter' && ssm) {
      return this.read(name, source, async () => {
        const { Parameter } = await ssm.send(new GetParameterCommand({ Name: source.id, WithDecryption: true }));
        return Parameter?.Value;
      });
    }
    if (source.what === 'Secrets Manager secret' && secretsManager) {
      return this.read(name, source, async () => {
        const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: source.id }));
        return SecretString;
      });
    }
    throw new ConfigurationError(`${source.what} "${name}" cannot be read: this bundle was packaged for a config with no secret there`);
  }

  private async read(name: string, source: SecretSource, request: () => Promise<string | undefined>): Promise<string> {
    let value: string | undefined;
    try {
      value = await request();
    } catch (error) {
      if (NOT_FOUND.has(awsErrorName(error))) throw missingSecret(name, source);
      throw translateAwsError(error, `reading ${source.what} "${name}"`);
    }
    // A binary secret or an empty parameter is not a usable token.
    if (!value) throw new ConfigurationError(`${source.what} "${name}" has no string value`);
    return value;
  }
}
