import { buildApp } from '../../frontend/src/app';
import { createGracefulShutdown } from '../../frontend/src/lifecycle';
import { createMemoryRepository } from '../../frontend/src/repositories/memory';
import { listen } from './http';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('graceful shutdown', () => {
  it('turns readiness false, waits the delay, finishes the request in flight, closes storage, then exits', async () => {
    const steps: string[] = [];
    const memory = createMemoryRepository();
    const listStarted = deferred();
    const listReleased = deferred();
    const repository = {
      ...memory,
      // The page's request stays in flight until the server has begun to close.
      list: async () => {
        listStarted.resolve();
        await listReleased.promise;
        steps.push('in-flight request answered');
        return memory.list();
      },
      close: async () => {
        steps.push('storage closed');
      },
    };
    const { app, readiness } = buildApp({ repository, version: '1.0.0', commit: 'abc', logLevel: 'silent' });
    const send = await listen(app);
    const exited = deferred<number>();
    const shutdown = createGracefulShutdown({
      app: {
        close: async () => {
          const closing = app.close();
          steps.push('server closing');
          listReleased.resolve();
          await closing;
          steps.push('server closed');
        },
      },
      repository,
      readiness,
      delayMs: 300,
      log: { info: (obj, msg) => steps.push(`log: ${typeof obj === 'string' ? obj : msg}`), error: () => steps.push('log: error') },
      exit: (code) => {
        steps.push(`exit ${code}`);
        exited.resolve(code);
      },
    });

    const inFlight = send('/');
    await listStarted.promise;
    const draining = shutdown('SIGTERM');
    expect(shutdown('SIGTERM')).toBe(draining);
    // During the delay the instance still serves, but says it is not ready.
    const readyz = await send('/readyz');
    steps.push(`readyz ${readyz.statusCode}`);

    expect(await exited.promise).toBe(0);
    expect((await inFlight).statusCode).toBe(200);
    expect(steps).toEqual([
      'log: draining: readiness is false, waiting for endpoint removal',
      'readyz 503',
      'server closing',
      'in-flight request answered',
      'server closed',
      'log: requests in flight finished, server closed',
      'storage closed',
      'log: storage closed, exiting',
      'exit 0',
    ]);
  });

  it('exits 1 when closing storage fails', async () => {
    const logged: string[] = [];
    const exited = deferred<number>();
    await createGracefulShutdown({
      app: { close: async () => undefined },
      repository: {
        kind: 'mongodb',
        close: async () => {
          throw new Error('close failed');
        },
      },
      readiness: { draining: false },
      delayMs: 0,
      log: { info: () => {}, error: (_obj, msg) => logged.push(String(msg)) },
      exit: exited.resolve,
    })('SIGTERM');
    expect(await exited.promise).toBe(1);
    expect(logged).toEqual(['shutdown failed']);
  });
});
