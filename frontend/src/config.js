'use strict';
/** Reads the app's settings from the environment, with clear errors naming the variable and its value. */
const { version: packageVersion } = require('../package.json');

function integerSetting(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function readConfig(env) {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    port: integerSetting(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    mongodbUri: env.MONGODB_URI || undefined,
    // Credentials come apart from the URI so that a password needs no URL encoding and the URI can be logged.
    mongodbUsername: env.MONGODB_USERNAME || undefined,
    mongodbPassword: env.MONGODB_PASSWORD || undefined,
    version: env.APP_VERSION || packageVersion,
    commit: env.APP_COMMIT || 'dev',
    // Time for load balancers and kube-proxy to stop sending new requests after readiness turns false.
    shutdownDelayMs: integerSetting(env, 'SHUTDOWN_DELAY_MS', 5000, 0, 120000),
    logLevel,
  };
}

module.exports = { readConfig };
