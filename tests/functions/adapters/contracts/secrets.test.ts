/**
 * The SecretStore contract, run against the in-memory secrets (adapters/memory/secrets.ts) and the SSM and Secrets
 * Manager store (adapters/secrets.ts) on clients mocked with aws-sdk-client-mock, answering as the services document.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { SecretStore } from '../../../../functions/core/ports';
import { ConfigurationError } from '../../../../functions/core/errors';
import { AwsSecretStore } from '../../../../functions/adapters/secrets';
import { MemorySecrets } from '../../../../functions/adapters/memory/secrets';

/** A store holding `values`: names as Turbo's config spells them (`/…` or `secretsmanager:<id>`). */
type SecretsWith = (values: Record<string, string>) => SecretStore;

function memorySecrets(values: Record<string, string>): SecretStore {
  const secrets = new MemorySecrets();
  for (const [name, value] of Object.entries(values)) secrets.values.set(name, value);
  return secrets;
}

function awsSecrets(values: Record<string, string>): SecretStore {
  const ssm = new SSMClient({ region: 'eu-west-1' });
  const secretsManager = new SecretsManagerClient({ region: 'eu-west-1' });
  mockClient(ssm)
    .on(GetParameterCommand)
    .callsFake(({ Name }: { Name: string }) => {
      if (values[Name] === undefined) throw new ParameterNotFound({ message: '', $metadata: { httpStatusCode: 400 } });
      return { Parameter: { Name, Type: 'SecureString', Value: values[Name] } };
    });
  mockClient(secretsManager)
    .on(GetSecretValueCommand)
    .callsFake(({ SecretId }: { SecretId: string }) => {
      const value = values[`secretsmanager:${SecretId}`];
      if (value === undefined) {
        throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
      }
      return { Name: SecretId, SecretString: value };
    });
  return new AwsSecretStore({ ssm, secretsManager });
}

const STORES: [string, SecretsWith][] = [
  ['the in-memory secrets', memorySecrets],
  ['SSM and Secrets Manager (mocked clients)', awsSecrets],
];

describe.each(STORES)('SecretStore contract: %s', (_name, secretsWith) => {
  const secrets = () => secretsWith({ '/turbo/slack/bot-token': 'xoxb-local-token', 'secretsmanager:turbo/jenkins': 'jenkins-token' });

  it('reads an SSM parameter and a Secrets Manager secret by name', async () => {
    await expect(secrets().get('/turbo/slack/bot-token')).resolves.toBe('xoxb-local-token');
    await expect(secrets().get('secretsmanager:turbo/jenkins')).resolves.toBe('jenkins-token');
  });

  it('refuses a name that is missing with a ConfigurationError naming it', async () => {
    await expect(secrets().get('/turbo/missing')).rejects.toThrow(new ConfigurationError('SSM parameter "/turbo/missing" does not exist'));
    await expect(secrets().get('secretsmanager:turbo/missing')).rejects.toThrow(
      new ConfigurationError('Secrets Manager secret "secretsmanager:turbo/missing" does not exist'),
    );
  });

  it('refuses a name of neither shape with a ConfigurationError naming it', async () => {
    for (const name of ['turbo/slack/bot-token', 'secretsmanager:']) {
      await expect(secrets().get(name)).rejects.toThrow(
        new ConfigurationError(`secret name "${name}" must be an SSM parameter name starting with / or secretsmanager:<id>`),
      );
    }
  });
});
