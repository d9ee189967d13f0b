/**
 * Real HTTP against an app listening on 127.0.0.1:0. (Fastify's inject needs an ESM-only `cookie` that jest
 * on Node 22 cannot load, and a real socket is closer to production anyway.)
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface Sent {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** An object or list is sent as JSON; a string as it is. */
  payload?: unknown;
}

export interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json(): Record<string, unknown>;
}

export async function listen(app: FastifyInstance): Promise<(sent: Sent | string) => Promise<Answer>> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return async (sent) => {
    const { method = 'GET', url, headers = {}, payload } = typeof sent === 'string' ? { url: sent } : sent;
    const json = payload !== undefined && typeof payload !== 'string';
    const response = await fetch(base + url, {
      method,
      redirect: 'manual',
      headers: json ? { 'content-type': 'application/json', ...headers } : headers,
      body: json ? JSON.stringify(payload) : (payload as string | undefined),
    });
    const body = await response.text();
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    return {
      statusCode: response.status,
      headers: responseHeaders,
      body,
      json: () => JSON.parse(body),
    };
  };
}
