/**
 * IAM by execution in tests: the real handlers run with the real adapters against aws-sdk-client-mock; recordAwsCalls
 * records what they send, and deniedCalls checks every call against the function's role with the judgement the
 * rehearsal uses (cli/rehearsal/iam.ts): a call no statement allows is an AccessDenied on AWS.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { decide, FAKE_ENV, iamRequestOf, type AwsRequest, type RequestContext, type Template } from '../../cli/rehearsal/iam';

export * from '../../cli/rehearsal/iam';

// --- Recording what a handler sends -------------------------------------------------------------------------------

/** An SDK v3 client class (lib-dynamodb's DynamoDBDocumentClient has a protected constructor, so no `new` here). */
type ClientClass = { name: string; prototype: { send: unknown } };

export interface AwsRecorder {
  /** The stub of each client class, to script its answers (`recorder.mock(EKSClient).on(DescribeClusterCommand)...`). */
  mock<C extends ClientClass>(client: C): ReturnType<typeof mockClient>;
  /** Every command sent since the last reset, as IAM requests. */
  requests(): AwsRequest[];
  reset(): void;
  restore(): void;
}

/** Mocks every instance of these client classes and records what is sent through them. */
export function recordAwsCalls(clients: ClientClass[], env = FAKE_ENV): AwsRecorder {
  const stubs = new Map(clients.map((client) => [client, mockClient(client as never)] as const));
  return {
    mock: (client) => {
      const stub = stubs.get(client);
      if (!stub) throw new Error(`${client.name} is not recorded: pass it to recordAwsCalls`);
      return stub;
    },
    requests: () =>
      [...stubs.entries()].flatMap(([client, stub]) => stub.calls().map((call) => iamRequestOf(client.name, call.args[0] as never, env))),
    reset: () => {
      for (const stub of stubs.values()) stub.reset();
    },
    restore: () => {
      for (const stub of stubs.values()) stub.restore();
    },
  };
}

/** `AccessDenied: ...` for each request the principal's role does not allow; empty when every call is allowed. */
export function deniedCalls(
  template: Template,
  principal: string,
  requests: AwsRequest[],
  context: RequestContext = {},
  env = FAKE_ENV,
): string[] {
  return requests.flatMap((request) =>
    request.resources
      .map((resource) => ({ resource, decision: decide(template, principal, request.action, resource, context, env) }))
      .filter(({ decision }) => !decision.allowed)
      .map(
        ({ resource, decision }) =>
          `AccessDenied: ${principal} may not ${request.action} on ${resource} (${(decision as { reason: string }).reason}; ${request.call})`,
      ),
  );
}
