'use strict';
/** Entry point: `node src/server.js`. MongoDB when MONGODB_URI is set, in-memory notes otherwise. */
const { readConfig } = require('./config');
const { buildApp } = require('./app');
const { createGracefulShutdown } = require('./lifecycle');
const { createMemoryRepository } = require('./repositories/memory');
const { createMongoRepository } = require('./repositories/mongo');

async function main() {
  const config = readConfig(process.env);
  const repository = config.mongodbUri
    ? createMongoRepository({ uri: config.mongodbUri, username: config.mongodbUsername, password: config.mongodbPassword })
    : createMemoryRepository();
  const { app, readiness } = buildApp({ repository, version: config.version, commit: config.commit, logLevel: config.logLevel });
  const shutdown = createGracefulShutdown({
    app,
    repository,
    readiness,
    delayMs: config.shutdownDelayMs,
    log: app.log,
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ version: config.version, commit: config.commit, storage: repository.kind }, 'turbo-notes started');
}

main().catch((error) => {
  process.stderr.write(`${JSON.stringify({ level: 60, time: Date.now(), msg: `turbo-notes failed to start: ${error.message}` })}\n`);
  process.exit(1);
});
