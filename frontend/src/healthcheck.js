'use strict';
/** The image's HEALTHCHECK: the slim base has no curl, so node asks /healthz itself. */
const http = require('node:http');

const port = Number(process.env.PORT || 3000);
const request = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', () => process.exit(1));
