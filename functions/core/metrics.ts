/**
 * The business metrics the handlers emit (Powertools Metrics, CloudWatch's embedded metric format), by name.
 * The dashboard, the Slack alarm and the rehearsal's alarm evaluation all read these names from here.
 */
import { atLocalTime, localNow } from './clock';

/** Each stage has its own namespace, so two stages in one account never mix their figures. */
export function metricsNamespace(stage: string): string {
  return `Turbo/${stage}`;
}

/** The one dimension every Turbo metric carries: Powertools' `service` (POWERTOOLS_SERVICE_NAME). */
export const SERVICE_DIMENSION = { service: 'turbo' } as const;

export const METRIC = {
  /** A cluster marked ready before its developer's readyBy. */
  clustersReadyOnTime: 'ClustersReadyOnTime',
  /** A cluster marked ready after its developer's readyBy. */
  clustersReadyLate: 'ClustersReadyLate',
  /** An environment run that ended failed. */
  clustersFailed: 'ClustersFailed',
  /** Minutes from a run's start to its cluster being ready. */
  minutesToReady: 'MinutesToReady',
  /** Minutes one job (apply, deploy, destroy) took, with a `step` dimension. */
  stepMinutes: 'StepMinutes',
  /** A failed run resumed by a redrive. */
  redrives: 'Redrives',
  /** Clusters rolled to new images by one image push, and how long the push took to reach all of them. */
  rolloutsPerPush: 'RolloutsPerPush',
  rolloutMinutes: 'RolloutMinutes',
  /** The week's average cost of one developer's working day, in US dollars (the weekly report's figure). */
  costPerDeveloperDay: 'CostPerDeveloperDay',
  slackMessagesSent: 'SlackMessagesSent',
  /** A Slack message the notifier could not deliver: the alarm on it reaches ops by email, not by Slack. */
  slackSendFailures: 'SlackSendFailures',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** One value as CloudWatch stores it; the in-memory cloud records these and evaluates the alarms on them. */
export interface MetricPoint {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  value: number;
  /** Epoch milliseconds. */
  at: number;
}

/** The points of one embedded-metric-format document (what Powertools' serializeMetrics() returns). */
export function pointsOfEmf(document: unknown): MetricPoint[] {
  const emf = document as {
    _aws?: { Timestamp?: number; CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  } & Record<string, unknown>;
  const directives = emf._aws?.CloudWatchMetrics ?? [];
  const at = emf._aws?.Timestamp ?? Date.now();
  return directives.flatMap((directive) =>
    directive.Dimensions.flatMap((set) => {
      const dimensions = Object.fromEntries(set.map((name) => [name, String(emf[name])]));
      return directive.Metrics.flatMap(({ Name }) =>
        [emf[Name]].flat().map((value) => ({ namespace: directive.Namespace, metric: Name, dimensions, value: Number(value), at })),
      );
    }),
  );
}

/** Whether a cluster ready at `readyAt` met its developer's readyBy that local day, and how long its run took. */
export function readiness(readyAt: Date, startedAt: string | undefined, schedule: { timezone: string; readyBy: string }) {
  const local = localNow(readyAt, schedule.timezone);
  const onTime = local <= atLocalTime(local, schedule.readyBy);
  const minutesToReady = startedAt ? Math.max(0, (readyAt.getTime() - Date.parse(startedAt)) / 60_000) : undefined;
  return { onTime, minutesToReady };
}

/** The developer-days a week's cost was spent on: each developer's distinct days with a cluster started in the window. */
export function developerDays(lifetimes: { developer: string; startedAt: string }[], from: Date, to: Date): number {
  const inWindow = lifetimes.filter((life) => Date.parse(life.startedAt) >= from.getTime() && Date.parse(life.startedAt) < to.getTime());
  return new Set(inWindow.map((life) => `${life.developer} ${life.startedAt.slice(0, 10)}`)).size;
}
