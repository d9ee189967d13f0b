/**
 * ImageWebhook: `POST /hooks/images/{token}` (httpApi), called by Docker Hub's webhook and by the image pipeline.
 * - A missing or wrong token gets 404, exactly like a path that does not exist, and starts nothing.
 * - A body over the limit gets 413, one that is not a push notification 400, naming what is wrong.
 * - A push that cannot change anything (not a release tag, an image left to be updated by hand) starts nothing,
 *   and the answer says why.
 * - Otherwise it starts the image-sync state machine under a name derived from the repository, the tag and the
 *   push (its digest, or Docker Hub's pushed_at): a redelivery of the same push starts nothing new (Step Functions
 *   keeps names; ExecutionAlreadyExists counts as already started), and a re-push of the same tag rolls at once.
 * The token never leaves this function: not in the execution's input, the answer, or a log line.
 */
import * as z from 'zod';
import { executionNameFor, parseWebhookBody, pushChangesNothing, tokenMatches } from '../core/webhook';
import { secrets, workflows } from './lib/root';
import { lambda, logger } from './lib/stack';

const event = z
  .object({
    pathParameters: z.record(z.string(), z.string().optional()).nullish(),
    body: z.string().nullish(),
    isBase64Encoded: z.boolean().default(false),
  })
  .passthrough();

const answer = (statusCode: number, body: Record<string, unknown>) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const handler = lambda('ImageWebhook', event, { secrets, workflows }, async (request, deps) => {
  const expected = await deps.secrets.get(deps.config.imageSync.webhookTokenParameter);
  if (!tokenMatches(request.pathParameters?.token, expected)) {
    logger.warn('image webhook refused: wrong or missing token');
    return answer(404, { message: 'Not Found' });
  }
  const parsed = parseWebhookBody(request.body ?? undefined, request.isBase64Encoded);
  if (!parsed.ok) {
    logger.warn('image webhook refused', { status: parsed.status, reason: parsed.message });
    return answer(parsed.status, { message: parsed.message });
  }
  const { repository, tag, source } = parsed.push;
  if (!Object.values(deps.config.images).includes(repository)) {
    return answer(202, {
      outcome: 'ignored',
      message: `${repository} is not one of the configured images (${Object.values(deps.config.images).join(', ')})`,
    });
  }
  const unchanged = pushChangesNothing(parsed.push, { images: deps.config.images, ...deps.config.imageSync });
  if (unchanged) {
    logger.info('image push changes nothing', { repository, tag, source, reason: unchanged });
    return answer(202, { outcome: 'ignored', message: unchanged });
  }
  const name = executionNameFor(parsed.push);
  // The same input for the same name: Step Functions then treats a repeated start as the same request.
  const started = await deps.workflows.start(name, { trigger: 'push', push: { repository, tag } });
  logger.info('image-sync requested', { repository, tag, source, execution: name, alreadyStarted: started.alreadyStarted });
  return answer(202, { outcome: started.alreadyStarted ? 'already-started' : 'started', execution: name });
});
