import { createMemoryRepository } from '../../frontend/src/repositories/memory';
import { createMongoRepository } from '../../frontend/src/repositories/mongo';
import type { NotesRepository } from '../../frontend/src/repositories/types';
import { createServer, type Server, type Socket } from 'node:net';
import { startFerretDB, type FerretDB } from '../support/realsvc/ferretdb';

// The MongoDB repository runs on a real MongoDB wire-protocol server: FerretDB (SQLite backend) by default, or the
// MongoDB that MONGODB_URI names. Either way the contract runs: nothing here is skipped for want of a server.
// Where FerretDB differs from MongoDB in what the app uses: every query, sort, limit, insert, delete and ping below
// behaves the same on both; FerretDB's SQLite backend has no users, so the app's credentials (MONGODB_USERNAME and
// MONGODB_PASSWORD, created in MongoDB by frontend/mongo/init) are not checked by these runs.
const mongodbUri = process.env.MONGODB_URI;
let ferretdb: FerretDB | undefined;
beforeAll(async () => {
  if (!mongodbUri) ferretdb = await startFerretDB();
}, 120_000);
afterAll(() => ferretdb?.stop());

const adapters: [string, () => NotesRepository][] = [
  ['memory', () => createMemoryRepository()],
  [
    mongodbUri ? 'mongodb (MONGODB_URI)' : 'mongodb (driver on FerretDB)',
    () => createMongoRepository({ uri: mongodbUri ?? ferretdb!.uri('turbo-notes-test') }),
  ],
];

describe.each(adapters)('%s notes repository contract', (_kind, create) => {
  let repository: NotesRepository;
  beforeEach(async () => {
    repository = create();
    for (const note of await repository.list()) await repository.remove(note.id);
  });
  afterEach(() => repository.close());

  it('answers a ping', async () => {
    await expect(repository.ping()).resolves.toBeUndefined();
  });

  it('adds notes and lists them newest first with ids and dates', async () => {
    const first = await repository.add({ text: 'first', author: 'alice' });
    const second = await repository.add({ text: 'second', author: 'bob' });
    expect(first.id).toMatch(/^[0-9a-f]{24}$/);
    expect(first.createdAt).toBeInstanceOf(Date);
    expect((await repository.list()).map((note) => [note.id, note.text, note.author])).toEqual([
      [second.id, 'second', 'bob'],
      [first.id, 'first', 'alice'],
    ]);
  });

  it('removes one note by id, once', async () => {
    const keep = await repository.add({ text: 'keep', author: 'a' });
    const drop = await repository.add({ text: 'drop', author: 'a' });
    expect(await repository.remove(drop.id)).toBe(true);
    expect(await repository.remove(drop.id)).toBe(false);
    expect((await repository.list()).map((note) => note.id)).toEqual([keep.id]);
  });

  it('removes nothing for a malformed id', async () => {
    await repository.add({ text: 'keep', author: 'a' });
    expect(await repository.remove('{"$ne":null}')).toBe(false);
    expect(await repository.list()).toHaveLength(1);
  });

  it('lists at most 200 notes', async () => {
    for (let i = 0; i < 205; i += 1) await repository.add({ text: `n${i}`, author: 'a' });
    const notes = await repository.list();
    expect(notes).toHaveLength(200);
    expect(notes[0].text).toBe('n204');
  });
});

describe('MongoDB repository without a server (the real driver)', () => {
  let silent: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts TCP and never answers: the driver's server selection must time out, not hang.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('fails its ping with a server selection error when MongoDB does not answer, so readiness turns false', async () => {
    const repository = createMongoRepository({ uri: `mongodb://127.0.0.1:${port}/notes`, serverSelectionTimeoutMS: 300 });
    await expect(repository.ping()).rejects.toMatchObject({ name: 'MongoServerSelectionError' });
    await repository.close();
  });

  it('refuses a malformed id without asking the server', async () => {
    const repository = createMongoRepository({ uri: `mongodb://127.0.0.1:${port}/notes`, serverSelectionTimeoutMS: 300 });
    expect(await repository.remove('not-an-object-id')).toBe(false);
    await repository.close();
  });
});
