import { inspect } from 'node:util';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { AuthenticationError, ConfigurationError, TransientError } from '../../../functions/core/errors';
import { AwsSecretStore, DEFAULT_SECRET_TTL_MS } from '../../../functions/adapters/secrets';
import { awsSdkError } from './aws-json-server';

const botToken = 'xoxb-000000000000-1111111111111-abcdefghijklmnopqrstuvwx';

describe('AwsSecretStore', () => {
  const ssmClient = new SSMClient({ region: 'eu-west-1' });
  const secretsManagerClient = new SecretsManagerClient({ region: 'eu-west-1' });
  const ssm = mockClient(ssmClient);
  const secretsManager = mockClient(secretsManagerClient);
  let clock = 0;
  const newStore = () => new AwsSecretStore({ ssm: ssmClient, secretsManager: secretsManagerClient }, { now: () => clock });

  beforeEach(() => {
    ssm.reset();
    secretsManager.reset();
    clock = 1_000_000;
  });

  it('reads an SSM parameter with decryption', async () => {
    ssm.on(GetParameterCommand, { Name: '/turbo/slack/bot-token', WithDecryption: true }).resolves({ Parameter: { Value: botToken } });

    await expect(newStore().get('/turbo/slack/bot-token')).resolves.toBe(botToken);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/turbo/slack/bot-token', WithDecryption: true });
  });

  it('reads a Secrets Manager secret by the id after the prefix', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'turbo/jenkins-token' }).resolves({ SecretString: 'jenkins-api-token' });

    await expect(newStore().get('secretsmanager:turbo/jenkins-token')).resolves.toBe('jenkins-api-token');
    expect(ssm).not.toHaveReceivedCommand(GetParameterCommand);
  });

  it('refuses, naming the secret, a store that its bundle carries no client for', async () => {
    const ssmOnly = new AwsSecretStore({ ssm: ssmClient });

    await expect(ssmOnly.get('secretsmanager:turbo/jenkins-token')).rejects.toThrow(
      new ConfigurationError(
        'Secrets Manager secret "secretsmanager:turbo/jenkins-token" cannot be read: this bundle was packaged for a config with no secret there',
      ),
    );
    expect(secretsManager).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('caches a value for the TTL, then reads it again (a rotated secret is picked up)', async () => {
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'old' } })
      .resolves({ Parameter: { Value: 'rotated' } });
    const store = newStore();

    await expect(store.get('/turbo/slack/bot-token')).resolves.toBe('old');
    clock += DEFAULT_SECRET_TTL_MS - 1;
    await expect(store.get('/turbo/slack/bot-token')).resolves.toBe('old');
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);

    clock += 1;
    await expect(store.get('/turbo/slack/bot-token')).resolves.toBe('rotated');
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('caches per name', async () => {
    ssm.on(GetParameterCommand, { Name: '/a' }).resolves({ Parameter: { Value: 'value-a' } });
    ssm.on(GetParameterCommand, { Name: '/b' }).resolves({ Parameter: { Value: 'value-b' } });
    const store = newStore();

    const values = await Promise.all([store.get('/a'), store.get('/b'), store.get('/a')]);

    expect(values).toEqual(['value-a', 'value-b', 'value-a']);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('names a missing parameter without caching the failure', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new ParameterNotFound({ message: '', $metadata: { httpStatusCode: 400 } }))
      .resolves({ Parameter: { Value: botToken } });
    const store = newStore();

    const failure = store.get('/turbo/slack/bot-token');
    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow('SSM parameter "/turbo/slack/bot-token" does not exist');
    await expect(store.get('/turbo/slack/bot-token')).resolves.toBe(botToken);
  });

  it('names a missing Secrets Manager secret', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));

    await expect(newStore().get('secretsmanager:turbo/gone')).rejects.toThrow(
      new ConfigurationError('Secrets Manager secret "secretsmanager:turbo/gone" does not exist'),
    );
  });

  it('refuses a binary secret or an empty parameter', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '' } });

    await expect(newStore().get('secretsmanager:turbo/binary')).rejects.toThrow(
      'Secrets Manager secret "secretsmanager:turbo/binary" has no string value',
    );
    await expect(newStore().get('/turbo/empty')).rejects.toThrow('SSM parameter "/turbo/empty" has no string value');
  });

  it.each(['turbo/slack', 'secretsmanager:', ''])('refuses the name "%s", naming it', async (name) => {
    await expect(newStore().get(name)).rejects.toThrow(
      new ConfigurationError(`secret name "${name}" must be an SSM parameter name starting with / or secretsmanager:<id>`),
    );
  });

  it('surfaces throttling as TransientError and AccessDenied as AuthenticationError', async () => {
    ssm.on(GetParameterCommand, { Name: '/busy' }).rejects(awsSdkError('ThrottlingException', 400));
    ssm.on(GetParameterCommand, { Name: '/forbidden' }).rejects(awsSdkError('AccessDeniedException', 400));

    await expect(newStore().get('/busy')).rejects.toBeInstanceOf(TransientError);
    await expect(newStore().get('/forbidden')).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('never puts a value in an error', async () => {
    ssm.on(GetParameterCommand, { Name: '/token' }).resolves({ Parameter: { Value: botToken } });
    ssm.on(GetParameterCommand, { Name: '/other' }).rejects(awsSdkError('InternalServerError', 500));
    const store = newStore();
    await store.get('/token');

    const error = await store.get('/other').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransientError);
    expect(`${String(error)} ${inspect(error, { depth: 5 })}`).not.toContain(botToken);
  });
});
