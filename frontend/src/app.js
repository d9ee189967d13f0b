'use strict';
/** The notes board: routes, input checks, health endpoints and error pages. Storage comes in as a repository. */
const { readFileSync } = require('node:fs');
const { STATUS_CODES } = require('node:http');
const path = require('node:path');
const Fastify = require('fastify');
const formbody = require('@fastify/formbody');
const { parseNoteInput, BadInputError } = require('./notes-input');
const { notesPage, errorPage } = require('./html');
const { isNoteId } = require('./repositories/notes-query');

const BODY_LIMIT_BYTES = 16 * 1024;
const READY_TIMEOUT_MS = 1000;
const STYLES = readFileSync(path.join(__dirname, '..', 'public', 'styles.css'));
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** JSON for API clients (a JSON body or an Accept that prefers JSON), HTML pages for browsers and forms. */
function wantsJson(request) {
  const accept = request.headers.accept ?? '';
  return (
    (request.headers['content-type'] ?? '').startsWith('application/json') ||
    (accept.includes('application/json') && !accept.includes('text/html'))
  );
}

function buildApp({ repository, version, commit, logLevel = 'info' }) {
  const app = Fastify({
    logger: { level: logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: BODY_LIMIT_BYTES,
  });
  const readiness = { draining: false };
  const build = { version, commit };

  app.register(formbody, { bodyLimit: BODY_LIMIT_BYTES });

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  app.setErrorHandler((error, request, reply) => {
    const statusCode = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ statusCode, reason: error.message }, 'request refused');
    // Client errors say what was wrong; server errors say nothing about the inside.
    const message = statusCode >= 500 ? 'Something went wrong on our side. Try again in a moment.' : error.message;
    reply.code(statusCode);
    if (wantsJson(request)) return reply.send({ statusCode, error: STATUS_CODES[statusCode], message });
    return reply.type('text/html; charset=utf-8').send(errorPage({ statusCode, message, ...build }));
  });

  app.setNotFoundHandler((request, reply) => {
    const message = `There is no page at ${request.method} ${request.url}`;
    reply.code(404);
    if (wantsJson(request)) return reply.send({ statusCode: 404, error: STATUS_CODES[404], message });
    return reply.type('text/html; charset=utf-8').send(errorPage({ statusCode: 404, message, ...build }));
  });

  app.get('/', async (_request, reply) => {
    const notes = await repository.list();
    return reply.type('text/html; charset=utf-8').send(notesPage({ notes, ...build }));
  });

  app.get('/styles.css', async (_request, reply) => {
    return reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(STYLES);
  });

  app.get('/notes', async () => ({ notes: await repository.list() }));

  app.post('/notes', async (request, reply) => {
    const note = await repository.add(parseNoteInput(request.body));
    if (wantsJson(request)) return reply.code(201).send(note);
    return reply.redirect('/', 303);
  });

  async function removeNote(request) {
    const { id } = request.params;
    if (!isNoteId(id)) throw new BadInputError(`note id "${id}" is not valid: it must be 24 hexadecimal characters`);
    if (!(await repository.remove(id))) {
      throw Object.assign(new Error(`note ${id} does not exist (it may have been deleted already)`), { statusCode: 404 });
    }
  }
  app.delete('/notes/:id', async (request, reply) => {
    await removeNote(request);
    return reply.code(204).send();
  });
  app.post('/notes/:id/delete', async (request, reply) => {
    await removeNote(request);
    return reply.redirect('/', 303);
  });

  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'alive' }));

  app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
    if (readiness.draining) return reply.code(503).send({ status: 'draining' });
    try {
      await withTimeout(repository.ping(), READY_TIMEOUT_MS, `${repository.kind} storage`);
      return { status: 'ready', storage: repository.kind };
    } catch (error) {
      request.log.warn({ reason: error.message }, 'not ready: storage unreachable');
      return reply.code(503).send({ status: 'storage-unreachable', storage: repository.kind });
    }
  });

  return { app, readiness };
}

module.exports = { buildApp, BODY_LIMIT_BYTES };
