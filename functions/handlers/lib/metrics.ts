/**
 * Business metrics through Powertools Metrics, in CloudWatch's embedded metric format: handlers add values where
 * they know them (`emit`), and the middy stack flushes them once per invocation (`flushMetrics`), thrown or not.
 * The namespace is POWERTOOLS_METRICS_NAMESPACE (serverless.yml: Turbo/<stage>). A rehearsal observes what would be
 * published (`observeMetrics`) so that its in-memory cloud can evaluate the alarms on it.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE_DIMENSION, type MetricName } from '../../core/metrics';
import type { Message } from '../../core/types';
import type { Notifier } from '../../core/ports';

/** Made on first use, so that it reads POWERTOOLS_METRICS_NAMESPACE as the process has it then (a rehearsal sets it). */
let shared: Metrics | undefined;
const metrics = () => (shared ??= new Metrics({ serviceName: SERVICE_DIMENSION.service }));

type Unit = 'Count' | 'None';
type Observer = (emf: unknown) => void;
let observer: Observer | undefined;

/** The rehearsal's hook: every EMF document a flush publishes is passed here first. */
export function observeMetrics(next: Observer | undefined): void {
  observer = next;
}

function flush(instance: Metrics): void {
  if (!instance.hasStoredMetrics()) return;
  observer?.(instance.serializeMetrics());
  instance.publishStoredMetrics();
}

/** Publishes what the invocation added (the middy stack calls it after the handler, and on its errors). */
export function flushMetrics(): void {
  if (shared) flush(shared);
}

/**
 * Adds one value. With `dimensions` (e.g. the step) it is published at once on its own, so the dimension never
 * spills onto the invocation's other metrics.
 */
export function emit(name: MetricName, value = 1, unit: Unit = 'Count', dimensions?: Record<string, string>): void {
  if (!dimensions) {
    metrics().addMetric(name, MetricUnit[unit === 'Count' ? 'Count' : 'NoUnit'], value);
    return;
  }
  const key = JSON.stringify(dimensions);
  let single = withDimensions.get(key);
  if (!single) {
    if (withDimensions.size >= MAX_DIMENSION_SETS) withDimensions.clear();
    single = new Metrics({ serviceName: SERVICE_DIMENSION.service, defaultDimensions: dimensions });
    withDimensions.set(key, single);
  }
  single.addMetric(name, MetricUnit[unit === 'Count' ? 'Count' : 'NoUnit'], value);
  flush(single);
}

/**
 * One Metrics per set of dimensions, kept for the container's life: a flush empties it, and making one reads the
 * environment and builds its defaults on every call. The sets are few (a failed step's name), and bounded anyway.
 */
const withDimensions = new Map<string, Metrics>();
const MAX_DIMENSION_SETS = 50;

/** A notifier that counts what it sent and what it could not send (the alarm on failures reaches ops by email). */
export function countingNotifier(inner: Notifier, counted: { sent: MetricName; failed: MetricName }): Notifier {
  const count = async (send: () => Promise<string>) => {
    try {
      const sent = await send();
      emit(counted.sent);
      return sent;
    } catch (error) {
      emit(counted.failed);
      throw error;
    }
  };
  return {
    sendToUser: (user: string, message: Message) => count(() => inner.sendToUser(user, message)),
    sendToChannel: (channel: string, message: Message) => count(() => inner.sendToChannel(channel, message)),
  };
}
