import { readConfig } from '../../frontend/src/config';

describe('readConfig', () => {
  it('runs locally on port 3000 with in-memory notes and the package version when nothing is set', () => {
    const config = readConfig({});
    expect(config).toMatchObject({ port: 3000, host: '0.0.0.0', commit: 'dev', shutdownDelayMs: 5000, logLevel: 'info' });
    expect(config.mongodbUri).toBeUndefined();
    expect(config.version).toBe(require('../../frontend/package.json').version);
  });

  it('takes the image build values and MongoDB settings from the environment', () => {
    const config = readConfig({
      PORT: '8080',
      MONGODB_URI: 'mongodb://mongo:27017/notes',
      MONGODB_USERNAME: 'notes',
      MONGODB_PASSWORD: 'secret-value',
      APP_VERSION: '2.1.0',
      APP_COMMIT: 'abc1234',
      SHUTDOWN_DELAY_MS: '0',
    });
    expect(config).toMatchObject({
      port: 8080,
      mongodbUri: 'mongodb://mongo:27017/notes',
      mongodbUsername: 'notes',
      version: '2.1.0',
      commit: 'abc1234',
      shutdownDelayMs: 0,
    });
  });

  it.each([
    [{ PORT: 'http' }, 'PORT must be an integer from 0 to 65535, got "http"'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535, got "70000"'],
    [{ SHUTDOWN_DELAY_MS: '-5' }, 'SHUTDOWN_DELAY_MS must be an integer from 0 to 120000, got "-5"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ])('refuses %j clearly', (env, message) => {
    expect(() => readConfig(env)).toThrow(message);
  });
});
