/**
 * The one middy stack every handler uses: the Powertools logger with the Lambda context, input validation, and
 * error normalisation (stable ASL error names, no secret in any message), and the business metrics (./metrics:
 * flushed once per invocation, Slack sends counted by the notifier). Handlers stay thin: they get parsed input and
 * the bound ports, and return plain JSON.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { formatPath } from '../../core/config';
import { resolveDeps, type Bound, type Needs } from './deps';
import { redactedError, redactKnownSecrets } from './redact';
import { isTransientAwsError } from '../../adapters/retry';
import { METRIC } from '../../core/metrics';
import { countingNotifier, flushMetrics } from './metrics';
import { InvalidInputError } from '../../core/errors';
import type { Notifier } from '../../core/ports';

export const logger = new Logger({ serviceName: 'turbo' });

/**
 * Errors whose `name` the state machines route on pass through; an SDK error an adapter did not translate is
 * Turbo.TransientError when it is worth retrying (the adapters' own rule); anything else keeps its name. The message
 * is redacted; the stack and causes are only logged (see lambda below), never returned to the state machine.
 */
export function normaliseError(error: unknown): Error {
  if (error instanceof z.ZodError) {
    const problems = error.issues.map((issue) => `${formatPath(issue.path) || '(input)'}: ${issue.message}`);
    return new InvalidInputError(`invalid input: ${problems.join('; ')}`, { cause: error });
  }
  const source = error instanceof Error ? error : new Error(String(error));
  const transient = isTransientAwsError(source) || (source as { $retryable?: unknown }).$retryable !== undefined;
  const normalised = new Error(redactKnownSecrets(source.message));
  normalised.name = source.name.startsWith('Turbo.') ? source.name : transient ? 'Turbo.TransientError' : source.name || 'Error';
  return normalised;
}

/** A handler: its step name, its input schema, the ports it uses (builders from ./root), and what it does. */
export function lambda<Schema extends z.ZodType, N extends Needs, Output>(
  step: string,
  schema: Schema,
  needs: N,
  run: (input: z.output<Schema>, deps: Bound<N>, context: Context) => Promise<Output>,
) {
  return middy<unknown, Output, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({ after: flushMetrics, onError: flushMetrics })
    .use({
      onError: (request) => {
        const error = normaliseError(request.error);
        // The state machine gets the routed name; the log gets where it was thrown, and why (the causes).
        logger.error(`${step} failed`, { error: { ...redactedError(request.error), name: error.name } });
        request.error = error;
      },
    })
    .handler(async (event, context) => {
      const input = schema.parse(event);
      logger.appendKeys({ step });
      const deps = await resolveDeps(needs);
      if (!('notifier' in deps)) return run(input, deps, context);
      const notifier = countingNotifier(deps.notifier as Notifier, { sent: METRIC.slackMessagesSent, failed: METRIC.slackSendFailures });
      return run(input, { ...deps, notifier }, context);
    });
}
