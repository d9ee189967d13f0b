/**
 * SlackWork: the self-service work behind `/turbo` and the warning's buttons, run asynchronously after the
 * interaction endpoint has answered Slack. The decision is core/selfService's; lib/selfService applies it.
 */
import { selfServiceTaskSchema } from '../core/types';
import { notifier, runs, store } from './lib/root';
import { work } from './lib/selfService';
import { lambda } from './lib/stack';

export const handler = lambda('SlackWork', selfServiceTaskSchema, { store, runs, notifier }, (task, deps) => work(task, deps));
