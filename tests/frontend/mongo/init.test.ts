import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { appUserSpec, createAppUser, type MongoshDb, type UserSpec } from '../../../frontend/mongo/init/10-create-app-user';

const SCRIPT = path.join(__dirname, '../../../frontend/mongo/init/10-create-app-user.js');
const PASSWORD = 'k3y-0f-at-least-16-chars';

/** A stand-in for mongosh's `db` that records what the script asks of MongoDB. */
function recordingDb(existingUsers: string[] = []) {
  const calls: unknown[][] = [];
  const db: MongoshDb = {
    getSiblingDB: (name) => ({
      getUser: (user) => (existingUsers.includes(user) ? { user } : null),
      createUser: (spec: UserSpec) => calls.push(['createUser', name, spec]),
      updateUser: (user, update) => calls.push(['updateUser', name, user, update]),
      getCollection: (collection) => ({
        createIndex: (keys, options) => calls.push(['createIndex', name, collection, keys, options]),
      }),
    }),
  };
  return { db, calls };
}

function secretsDir(username = 'notes-app', password = PASSWORD) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mongo-secret-'));
  // Kubernetes Secret files carry exactly the value; a hand-made file often ends with a newline.
  writeFileSync(path.join(dir, 'username'), username);
  writeFileSync(path.join(dir, 'password'), `${password}\n`);
  return { APP_DB_USERNAME_FILE: path.join(dir, 'username'), APP_DB_PASSWORD_FILE: path.join(dir, 'password') };
}

describe('mongo init script: the app user', () => {
  it('creates a readWrite user on the app database only, from the mounted secret files, and the list index', () => {
    const { db, calls } = recordingDb();
    const result = createAppUser({ db, fs, env: { ...secretsDir(), APP_DB_NAME: 'notes' } });
    expect(result).toEqual({ database: 'notes', user: 'notes-app', created: true });
    expect(calls).toEqual([
      ['createUser', 'notes', { user: 'notes-app', pwd: PASSWORD, roles: [{ role: 'readWrite', db: 'notes' }] }],
      ['createIndex', 'notes', 'notes', { createdAt: -1, _id: -1 }, { name: 'newest_first' }],
    ]);
  });

  it('updates an existing user instead of failing, so a second run is harmless', () => {
    const { db, calls } = recordingDb(['notes-app']);
    expect(createAppUser({ db, fs, env: secretsDir() }).created).toBe(false);
    expect(calls[0]).toEqual(['updateUser', 'notes', 'notes-app', { pwd: PASSWORD, roles: [{ role: 'readWrite', db: 'notes' }] }]);
  });

  it('says which secret file is missing', () => {
    const { db, calls } = recordingDb();
    expect(() => createAppUser({ db, fs, env: { APP_DB_USERNAME_FILE: '/nonexistent/username' } })).toThrow(
      "cannot read the app's username from /nonexistent/username (is the mongo-credentials Secret mounted?): ENOENT",
    );
    expect(calls).toEqual([]);
  });

  it.each([
    [{ username: 'bad name', password: PASSWORD, database: 'notes' }, 'app username "bad name" must be 1 to 64 letters'],
    [{ username: 'app', password: 'short', database: 'notes' }, 'the app password must have at least 16 characters, it has 5'],
    [{ username: 'app', password: PASSWORD, database: 'no$tes' }, 'APP_DB_NAME "no$tes" is not a valid database name'],
  ])('refuses %j', (input, message) => {
    expect(() => appUserSpec(input)).toThrow(message);
  });

  it('runs as mongosh runs it: with a global db, it creates the user and prints what it did, exporting nothing', () => {
    const { db, calls } = recordingDb();
    const printed: string[] = [];
    const module = { exports: {} };
    vm.runInNewContext(readFileSync(SCRIPT, 'utf8'), {
      db,
      require,
      module,
      process: { env: secretsDir('app-user') },
      print: (line: string) => printed.push(line),
    });
    expect(calls[0]).toEqual(['createUser', 'notes', { user: 'app-user', pwd: PASSWORD, roles: [{ role: 'readWrite', db: 'notes' }] }]);
    expect(printed).toEqual(['turbo-notes: created user app-user on database notes']);
    expect(printed.join('')).not.toContain(PASSWORD);
    expect(module.exports).toEqual({});
  });
});
