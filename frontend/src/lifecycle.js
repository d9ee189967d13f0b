'use strict';
/**
 * Graceful shutdown, in the order a rolling update needs: readiness turns false, the endpoint-removal delay
 * passes (load balancers and kube-proxy stop sending new requests), requests in flight finish, MongoDB
 * closes, the process exits. A second signal while draining changes nothing.
 */
const { setTimeout: sleep } = require('node:timers/promises');

function createGracefulShutdown({ app, repository, readiness, delayMs, log, exit }) {
  let running;
  return function shutdown(signal) {
    running ??= (async () => {
      readiness.draining = true;
      log.info({ signal, delayMs }, 'draining: readiness is false, waiting for endpoint removal');
      await sleep(delayMs);
      try {
        await app.close();
        log.info('requests in flight finished, server closed');
        await repository.close();
        log.info({ storage: repository.kind }, 'storage closed, exiting');
        exit(0);
      } catch (error) {
        log.error({ err: error }, 'shutdown failed');
        exit(1);
      }
    })();
    return running;
  };
}

module.exports = { createGracefulShutdown };
