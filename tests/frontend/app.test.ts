import type { FastifyInstance } from 'fastify';
import { buildApp, BODY_LIMIT_BYTES } from '../../frontend/src/app';
import { createMemoryRepository } from '../../frontend/src/repositories/memory';
import { createMongoRepository } from '../../frontend/src/repositories/mongo';
import type { NotesRepository } from '../../frontend/src/repositories/types';
import { startFerretDB, type FerretDB } from '../support/realsvc/ferretdb';
import { listen, type Answer, type Sent } from './http';

const build = { version: '1.4.2', commit: '0123456789abcdef0123456789abcdef01234567', logLevel: 'silent' };

const running: FastifyInstance[] = [];
const repositories: NotesRepository[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
  await Promise.all(repositories.splice(0).map((repository) => repository.close()));
});

// Every test runs on in-memory notes and on the real MongoDB driver against FerretDB (a database per test).
let ferretdb: FerretDB;
let databases = 0;
beforeAll(async () => {
  ferretdb = await startFerretDB();
}, 120_000);
afterAll(() => ferretdb?.stop());
const STORAGES: [string, () => NotesRepository, string][] = [
  ['in-memory', () => createMemoryRepository(), 'memory'],
  ['FerretDB', () => createMongoRepository({ uri: ferretdb.uri(`app-test-${(databases += 1)}`) }), 'mongodb'],
];
let newRepository: () => NotesRepository;
const storage = () => {
  const repository = newRepository();
  repositories.push(repository);
  return repository;
};

/** The app on a real port; `app.inject(...)` sends a real HTTP request to it. */
async function appWith(repository: NotesRepository = storage()) {
  const built = buildApp({ repository, ...build });
  running.push(built.app);
  const send = await listen(built.app);
  return { repository, readiness: built.readiness, app: { inject: (sent: Sent | string): Promise<Answer> => send(sent) } };
}

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

describe.each(STORAGES)('on %s notes', (_name, create, kind) => {
  beforeAll(() => (newRepository = create));

  describe('notes board pages', () => {
    it('adds a note from the form, redirects to the list and shows it with author, version and commit', async () => {
      const { app } = await appWith();
      const created = await app.inject({ method: 'POST', url: '/notes', ...form({ text: 'Deploy at noon', author: 'alice' }) });
      expect(created.statusCode).toBe(303);
      expect(created.headers.location).toBe('/');

      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('<p class="text">Deploy at noon</p>');
      expect(page.body).toContain('<span class="author">alice</span>');
      expect(page.body).toContain('<span class="version">v1.4.2</span>');
      expect(page.body).toContain('<span class="commit">0123456789ab</span>');
    });

    it('lists the newest note first and says so when there are none', async () => {
      const { app, repository } = await appWith();
      expect((await app.inject('/')).body).toContain('No notes yet');
      await repository.add({ text: 'first', author: 'a' });
      await repository.add({ text: 'second', author: 'b' });
      const body = (await app.inject('/')).body;
      expect(body.indexOf('second')).toBeLessThan(body.indexOf('first'));
    });

    it('escapes every user value, so a script tag shows as text', async () => {
      const { app } = await appWith();
      await app.inject({ method: 'POST', url: '/notes', ...form({ text: '<script>alert(1)</script>', author: '"><img src=x>' }) });
      const body = (await app.inject('/')).body;
      expect(body).not.toContain('<script>alert(1)</script>');
      expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(body).toContain('&quot;&gt;&lt;img src=x&gt;');
    });

    it('sends a strict content security policy and nosniff with every response', async () => {
      const { app } = await appWith();
      for (const url of ['/', '/styles.css', '/missing']) {
        const response = await app.inject(url);
        expect(response.headers['content-security-policy']).toContain("default-src 'none'");
        expect(response.headers['x-content-type-options']).toBe('nosniff');
      }
      expect((await app.inject('/styles.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    });

    it('deletes a note from the form and through the API, then answers 404 for it', async () => {
      const { app, repository } = await appWith();
      const kept = await repository.add({ text: 'keep', author: 'a' });
      const byForm = await repository.add({ text: 'by form', author: 'a' });
      const byApi = await repository.add({ text: 'by api', author: 'a' });

      const formDelete = await app.inject({ method: 'POST', url: `/notes/${byForm.id}/delete` });
      expect(formDelete.statusCode).toBe(303);
      const apiDelete = await app.inject({ method: 'DELETE', url: `/notes/${byApi.id}` });
      expect(apiDelete.statusCode).toBe(204);
      expect((await repository.list()).map((note) => note.id)).toEqual([kept.id]);

      const again = await app.inject({ method: 'DELETE', url: `/notes/${byApi.id}`, headers: { accept: 'application/json' } });
      expect(again.statusCode).toBe(404);
      expect(again.json().message).toBe(`note ${byApi.id} does not exist (it may have been deleted already)`);
    });
  });

  describe('notes JSON API', () => {
    it('creates with a JSON body (201) and lists as JSON', async () => {
      const { app } = await appWith();
      const created = await app.inject({ method: 'POST', url: '/notes', payload: { text: ' trimmed ' } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ text: 'trimmed', author: 'anonymous' });
      expect(created.json().id).toMatch(/^[0-9a-f]{24}$/);
      const listed = await app.inject('/notes');
      expect(listed.json().notes).toHaveLength(1);
    });
  });

  describe('bad input', () => {
    const refusals: [string, unknown, string][] = [
      ['an operator object as text', { text: { $gt: '' } }, 'field "text" must be text, got an object'],
      ['a $ key', { text: 'x', $where: 'sleep(1000)' }, 'field "$where" is refused: names starting with $ are not allowed'],
      ['a list as text', { text: ['a', 'b'] }, 'field "text" must be text, got a list'],
      ['a number as author', { text: 'x', author: 7 }, 'field "author" must be text, got a number'],
      ['an unknown field', { text: 'x', pinned: 'yes' }, 'field "pinned" is unknown: a note has only text and author'],
      ['an empty note', { text: '   ' }, 'field "text" is required: write something in the note'],
      ['a note over the limit', { text: 'x'.repeat(1001) }, 'field "text" has 1001 characters; the limit is 1000'],
      ['a JSON list body', ['text'], 'the body must be a form or a JSON object with the field text, got a list'],
    ];

    it.each(refusals)('refuses %s with a clear 400 and stores nothing', async (_name, payload, message) => {
      const { app, repository } = await appWith();
      const response = await app.inject({ method: 'POST', url: '/notes', payload: payload as object });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message });
      expect(await repository.list()).toEqual([]);
    });

    it('refuses a repeated form field (it arrives as a list) before it reaches a query', async () => {
      const { app, repository } = await appWith();
      const response = await app.inject({
        method: 'POST',
        url: '/notes',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        payload: 'text=a&text=b',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toBe('field "text" must be text, got a list');
      expect(await repository.list()).toEqual([]);
    });

    it('shows a form error as an HTML page with the escaped message and a way back', async () => {
      const { app } = await appWith();
      const response = await app.inject({ method: 'POST', url: '/notes', ...form({ text: 'x', '$<b>': '1' }) });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('field &quot;$&lt;b&gt;&quot; is refused');
      expect(response.body).toContain('<a href="/">Back to the notes</a>');
    });

    it('answers 413 for a body over the limit, for forms and JSON alike', async () => {
      const { app } = await appWith();
      const big = 'x'.repeat(BODY_LIMIT_BYTES + 1);
      const formResponse = await app.inject({ method: 'POST', url: '/notes', ...form({ text: big }) });
      const jsonResponse = await app.inject({ method: 'POST', url: '/notes', payload: { text: big } });
      expect(formResponse.statusCode).toBe(413);
      expect(jsonResponse.statusCode).toBe(413);
      expect(jsonResponse.json().message).toBe('Request body is too large');
    });

    it('answers 400 for a malformed note id, naming it', async () => {
      const { app } = await appWith();
      const response = await app.inject({ method: 'DELETE', url: '/notes/%7B%22%24ne%22%3A1%7D', headers: { accept: 'application/json' } });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toBe('note id "{"$ne":1}" is not valid: it must be 24 hexadecimal characters');
    });

    it('answers 415 for a body type it does not take, 400 for plain text, and 404 for an unknown page', async () => {
      const { app } = await appWith();
      const xml = await app.inject({ method: 'POST', url: '/notes', headers: { 'content-type': 'application/xml' }, payload: '<text/>' });
      expect(xml.statusCode).toBe(415);
      const plain = await app.inject({
        method: 'POST',
        url: '/notes',
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
        payload: 'hi',
      });
      expect(plain.statusCode).toBe(400);
      expect(plain.json().message).toBe('the body must be a form or a JSON object with the field text, got a string');
      const missing = await app.inject({ method: 'GET', url: '/admin', headers: { accept: 'application/json' } });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().message).toBe('There is no page at GET /admin');
    });

    it('hides the inside of a server error behind a plain message', async () => {
      const repository = {
        ...storage(),
        list: async () => {
          throw new Error('connection pool for 10.0.3.7 destroyed');
        },
      };
      const { app } = await appWith(repository);
      const response = await app.inject('/');
      expect(response.statusCode).toBe(500);
      expect(response.body).toContain('Something went wrong on our side');
      expect(response.body).not.toContain('10.0.3.7');
    });
  });

  describe('health endpoints', () => {
    it('is alive and ready on working storage', async () => {
      const { app } = await appWith();
      expect((await app.inject('/healthz')).statusCode).toBe(200);
      const ready = await app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', storage: kind });
    });

    it('is not ready while draining, but still alive', async () => {
      const { app, readiness } = await appWith();
      readiness.draining = true;
      expect((await app.inject('/readyz')).json()).toEqual({ status: 'draining' });
      expect((await app.inject('/readyz')).statusCode).toBe(503);
      expect((await app.inject('/healthz')).statusCode).toBe(200);
    });

    it('is not ready while storage fails or does not answer in time, and ready again when it recovers', async () => {
      let ping: () => Promise<void> = () => Promise.reject(new Error('ECONNREFUSED'));
      const repository = { ...storage(), kind: 'mongodb' as const, ping: () => ping() };
      const { app } = await appWith(repository);
      const failing = await app.inject('/readyz');
      expect(failing.statusCode).toBe(503);
      expect(failing.json()).toEqual({ status: 'storage-unreachable', storage: 'mongodb' });

      ping = () => new Promise(() => {});
      expect((await app.inject('/readyz')).statusCode).toBe(503);
      expect((await app.inject('/healthz')).statusCode).toBe(200);

      ping = () => Promise.resolve();
      expect((await app.inject('/readyz')).statusCode).toBe(200);
    });
  });
});
