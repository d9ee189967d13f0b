// Run once by the official image's entrypoint (mongosh, as the root user) when the data volume is empty.
// Creates the app's own user, with readWrite on the app database only, from the mounted Secret's files,
// and the index the notes list sorts on. Required from node (tests), it only exports its functions.
'use strict';

const DEFAULTS = {
  APP_DB_NAME: 'notes',
  APP_DB_USERNAME_FILE: '/run/secrets/mongo/username',
  APP_DB_PASSWORD_FILE: '/run/secrets/mongo/password',
};

function setting(env, name) {
  return env[name] || DEFAULTS[name];
}

function readSecretFile(fs, path, what) {
  let value;
  try {
    value = fs.readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(
      `cannot read the app's ${what} from ${path} (is the mongo-credentials Secret mounted?): ${error.code || error.message}`,
    );
  }
  if (value === '') throw new Error(`the app's ${what} file ${path} is empty`);
  return value;
}

/** The createUser document: the app may read and write its own database, nothing else. */
function appUserSpec({ username, password, database }) {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(username)) {
    throw new Error(`app username "${username}" must be 1 to 64 letters, digits, dots, dashes or underscores`);
  }
  if (password.length < 16) throw new Error(`the app password must have at least 16 characters, it has ${password.length}`);
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(database)) throw new Error(`APP_DB_NAME "${database}" is not a valid database name`);
  return { user: username, pwd: password, roles: [{ role: 'readWrite', db: database }] };
}

/** Creates the user, or brings an existing one's password and roles up to date: running twice is harmless. */
function createAppUser({ db, fs, env }) {
  const database = setting(env, 'APP_DB_NAME');
  const spec = appUserSpec({
    username: readSecretFile(fs, setting(env, 'APP_DB_USERNAME_FILE'), 'username'),
    password: readSecretFile(fs, setting(env, 'APP_DB_PASSWORD_FILE'), 'password'),
    database,
  });
  const appDb = db.getSiblingDB(database);
  const existed = Boolean(appDb.getUser(spec.user));
  if (existed) appDb.updateUser(spec.user, { pwd: spec.pwd, roles: spec.roles });
  else appDb.createUser(spec);
  appDb.getCollection('notes').createIndex({ createdAt: -1, _id: -1 }, { name: 'newest_first' });
  return { database, user: spec.user, created: !existed };
}

if (typeof db !== 'undefined' && typeof db.getSiblingDB === 'function') {
  const result = createAppUser({ db, fs: require('node:fs'), env: process.env });
  print(`turbo-notes: ${result.created ? 'created' : 'updated'} user ${result.user} on database ${result.database}`);
} else {
  module.exports = { createAppUser, appUserSpec, readSecretFile };
}
