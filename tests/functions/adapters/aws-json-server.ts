/**
 * AWS failures for adapter tests.
 *
 * A local endpoint for AWS services that speak the JSON protocol (CodeBuild, DynamoDB, EKS's REST-JSON errors look
 * alike): every request is recorded, every answer is scripted. Unlike aws-sdk-client-mock, which replaces `send`,
 * requests here go through the SDK's whole middleware stack, so its own retries really happen.
 * Error bodies follow the documented shape: HTTP 4xx/5xx with `{"__type": "<ErrorName>", "message": "..."}`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

export interface AwsCall {
  /** The X-Amz-Target header, e.g. `CodeBuild_20161006.StartBuild`. */
  target: string;
  body: Record<string, unknown>;
}

export interface AwsAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface AwsJsonServer {
  endpoint: string;
  calls: AwsCall[];
  close(): Promise<void>;
}

/** An error as an AWS SDK v3 client throws it, for aws-sdk-client-mock's `rejects`. */
export const awsSdkError = (name: string, status: number, message = `${name} happened`) =>
  Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

export const awsError = (status: number, type: string, message: string): AwsAnswer => ({
  status,
  body: { __type: type, message },
});

/** Fake credentials and a fast, bounded retry strategy (3 attempts, 1 ms apart) for a client pointed at a local server. */
export function localClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    retryStrategy: new ConfiguredRetryStrategy(3, 1),
  };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startAwsJsonServer(answer: (call: AwsCall) => AwsAnswer): Promise<AwsJsonServer> {
  const calls: AwsCall[] = [];
  const server: Server = createServer(async (request, response) => {
    const call = { target: String(request.headers['x-amz-target'] ?? ''), body: await readJson(request) };
    calls.push(call);
    const { status, body } = answer(call);
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
