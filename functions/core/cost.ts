/**
 * What Turbo's clusters cost, from the config and the price table (prices.json: its date and source are in it).
 * Pure. The daily estimate follows the schedule (cluster hours from readyBy − leadMinutes to the end of the down at
 * teardownAt); the weekly summary follows what really ran (the recorded lifetimes, and their nights at zero nodes).
 * The NAT gateway runs all day and is shared by the team, so each developer carries an equal share of it, on every
 * day, Turbo or not.
 */
import { DateTime } from 'luxon';
import prices from './prices.json';
import {
  type CapacityType,
  type DeveloperConfig,
  memberOf,
  type Mode,
  type NodeArch,
  nodesOf,
  scheduleOf,
  type TurboConfig,
} from './config';
import { calendarDay } from './clock';
import { wakeLeadMinutes } from './hibernate';
import type { PlannedDay } from './stagger';
import type { EnvironmentRecord } from './types';
import { supportPhase } from './eksVersions';
import { UnknownPriceError } from './errors';
import { isPoolMember, poolHours, POOL_LINE } from './pool';

/** Each node's root volume (infra-tf/cluster: 20 GB gp3), billed while the node exists. */
const NODE_VOLUME_GB = 20;
/** MongoDB's volume (k8s/mongo-statefulset.yaml: 5Gi gp3), billed while the cluster exists: a hibernated one keeps it. */
const APP_VOLUME_GB = 5;
/** The NLB's public IPv4 addresses: one per AZ of infra-tf/network (az_count, 2 by default). */
const NLB_ADDRESSES = 2;
/** The NAT gateway's Elastic IP (infra-tf/network: single_nat_gateway, the default). */
const NAT_ADDRESSES = 1;

export interface RegionPrices {
  /** When and from where this region's figures were taken (some are estimates: the source says which). */
  checked: string;
  source: string;
  eksControlPlanePerHour: number;
  /** What the control plane costs while its Kubernetes version is in EKS extended support. */
  eksControlPlaneExtendedSupportPerHour: number;
  natGatewayPerHour: number;
  /** The app's public Service is one Network Load Balancer per cluster (its LCUs are negligible here). */
  nlbPerHour: number;
  ebsGp3PerGbMonth: number;
  instancesPerHour: Record<string, number>;
}

export const PRICE_TABLE = prices as {
  currency: string;
  checked: string;
  source: string;
  hoursPerMonth: number;
  /** Every public IPv4 address, at one price in every region: the NLB's and the NAT gateway's. */
  publicIpv4: { perHour: number; checked: string; source: string };
  /** Spot is priced at On-Demand × (1 − typicalDiscount): a documented typical figure, since Spot prices move. */
  spot: { typicalDiscount: number; checked: string; source: string };
  regions: Record<string, RegionPrices>;
};

/** The nodes a cluster is priced with: a developer's (nodesOf), or any capacity and arch for a comparison. */
export interface PricedNodes {
  capacity: CapacityType;
  arch: NodeArch;
  instanceTypes: string[];
}

/**
 * The hourly price of one running cluster (control plane, its NLB and the NLB's addresses, nodes and their volumes,
 * MongoDB's volume) on `day` (YYYY-MM-DD), and the team's NAT gateway with its address. The control plane costs the
 * extended-support price once the version left standard support. Nodes are `developer`'s (the team's when absent),
 * or `nodes` when given; Spot at its typical discount.
 */
export function hourlyRates(
  config: TurboConfig,
  day: string,
  developer?: Pick<DeveloperConfig, 'nodes'>,
  nodes: PricedNodes = nodesOf(config, developer),
): { clusterPerHour: number; nodePerHour: number; natPerHour: number; extendedSupport: boolean } {
  const region = PRICE_TABLE.regions[config.region];
  if (!region)
    throw new UnknownPriceError(
      `region "${config.region}" is not in the price table (core/prices.json has ${Object.keys(PRICE_TABLE.regions).join(', ')})`,
    );
  // On-Demand runs the first type; Spot is priced as that type at the typical discount (the pools are of one size).
  const instanceType = nodes.instanceTypes[0]!;
  const instance = region.instancesPerHour[instanceType];
  if (instance === undefined) {
    throw new UnknownPriceError(
      `instance type "${instanceType}" has no ${config.region} price in core/prices.json (known: ${Object.keys(region.instancesPerHour).join(', ')})`,
    );
  }
  const instancePerHour = nodes.capacity === 'spot' ? instance * (1 - PRICE_TABLE.spot.typicalDiscount) : instance;
  const gp3PerGbHour = region.ebsGp3PerGbMonth / PRICE_TABLE.hoursPerMonth;
  const nodePerHour = config.cluster.nodes.desired * (instancePerHour + NODE_VOLUME_GB * gp3PerGbHour);
  const extendedSupport = supportPhase(config.cluster.kubernetesVersion, day) === 'extended';
  const controlPlane = extendedSupport ? region.eksControlPlaneExtendedSupportPerHour : region.eksControlPlanePerHour;
  const ipv4 = PRICE_TABLE.publicIpv4.perHour;
  return {
    clusterPerHour: controlPlane + region.nlbPerHour + NLB_ADDRESSES * ipv4 + APP_VOLUME_GB * gp3PerGbHour + nodePerHour,
    nodePerHour,
    natPerHour: region.natGatewayPerHour + NAT_ADDRESSES * ipv4,
    extendedSupport,
  };
}

const cents = (dollars: number) => Math.round(dollars * 100) / 100;

export interface DailyCost {
  developer: string;
  /** The developer's nodes, such as `spot arm64`. */
  nodes: string;
  clusterHours: number;
  /** A working day with Turbo: the cluster's hours plus the NAT share. */
  turbo: number;
  /** The same day with a cluster left running: 24 cluster hours plus the NAT share. */
  alwaysOn: number;
  savings: number;
  /** Per week: working days with Turbo against seven days always on. */
  weekTurbo: number;
  weekAlwaysOn: number;
  weekSavings: number;
  /** The developer's mode, and the same day and week in hibernate mode: nodes for the day, the control plane all the time. */
  mode: Mode;
  hibernate: number;
  weekHibernate: number;
  /** Hibernated, the nodes' hours of a working day: from the wake's short lead to teardown. */
  nodeHours: number;
}

/** Minutes between two local HH:MM times of the same day. */
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * A working day's hours from readyBy − `leadMinutes` (the up's lead, or a wake's) to the end of the down that starts at
 * teardownAt, `downMinutes` later (the destroy's, or the hibernate's): the cluster, or its nodes, bill until the down
 * is done, as the planner's days reckon it (core/stagger runnerLoad, `downEndsAt`).
 */
function scheduledHours(
  config: TurboConfig,
  dev: DeveloperConfig,
  { leadMinutes = config.leadMinutes, downMinutes = config.jobs.destroyMinutes } = {},
): number {
  const schedule = scheduleOf(config, dev);
  const start = Math.max(0, minutesOf(schedule.readyBy) - leadMinutes);
  return Math.max(0, minutesOf(schedule.teardownAt) + downMinutes - start) / 60;
}

/** One way to run the nodes, priced for a developer's working day against an always-on On-Demand amd64 cluster. */
export interface NodeOption {
  nodes: string;
  instanceType: string;
  /** The working day with Turbo, and its share of the always-on On-Demand day (NAT share included in both). */
  day: number;
  dayShare: number;
  /** The same for the nodes alone (what Spot and Graviton change). */
  nodesDay: number;
  nodesDayShare: number;
  /**
   * The share of the always-on day that the working day costs on any nodes of this count and size: the control plane,
   * the NLB and the NAT share. More or bigger nodes make it smaller (nodeCountForDayShare).
   */
  fixedDayShare: number;
  /** A week of working days with Turbo, and its share of a week always on. */
  week: number;
  weekShare: number;
}

/**
 * Each of On-Demand and Spot, amd64 and arm64 (where the config names arm64 types), for `dev`'s schedule: how a
 * developer-day compares with an always-on On-Demand amd64 cluster, for the whole cluster and for its nodes alone.
 */
export function nodeOptions(config: TurboConfig, day: string, dev: DeveloperConfig): NodeOption[] {
  const baseline = hourlyRates(config, day, dev, { ...nodesOf(config, { nodes: { arch: 'amd64' } }), capacity: 'on-demand' });
  const natShare = (baseline.natPerHour * 24) / config.developers.length;
  const alwaysOnDay = 24 * baseline.clusterPerHour + natShare;
  const hours = scheduledHours(config, dev);
  const workingDays = scheduleOf(config, dev).workingDays.length;
  const arches = (['amd64', 'arm64'] as const).filter((arch) => arch === 'amd64' || config.cluster.instanceTypes.arm64);
  return arches.flatMap((arch) =>
    (['on-demand', 'spot'] as const).map((capacity) => {
      const nodes = { ...nodesOf(config, { nodes: { arch } }), capacity };
      const rates = hourlyRates(config, day, dev, nodes);
      const turboDay = hours * rates.clusterPerHour + natShare;
      const week = workingDays * hours * rates.clusterPerHour + 7 * natShare;
      return {
        nodes: `${capacity} ${arch}`,
        instanceType: nodes.instanceTypes[0]!,
        day: cents(turboDay),
        dayShare: turboDay / alwaysOnDay,
        nodesDay: cents(hours * rates.nodePerHour),
        nodesDayShare: (hours * rates.nodePerHour) / (24 * baseline.nodePerHour),
        fixedDayShare: (turboDay - hours * rates.nodePerHour) / alwaysOnDay,
        week: cents(week),
        weekShare: week / (7 * alwaysOnDay),
      };
    }),
  );
}

/** The node counts nodeCountForDayShare tries: far beyond any development cluster. */
export const MAX_PRICED_NODES = 100;

/**
 * The fewest nodes per cluster (of the config's types) at which one of `dev`'s node options costs at most `share` of
 * an always-on On-Demand cluster with as many nodes, and that option; undefined within MAX_PRICED_NODES. The fixed
 * part of a day (control plane, NLB, NAT share) weighs less against more nodes: this says how many it takes.
 */
export function nodeCountForDayShare(
  config: TurboConfig,
  day: string,
  dev: DeveloperConfig,
  share: number,
): { desired: number; option: NodeOption } | undefined {
  for (let desired = 1; desired <= MAX_PRICED_NODES; desired++) {
    const sized = { ...config, cluster: { ...config.cluster, nodes: { ...config.cluster.nodes, desired } } };
    const cheapest = nodeOptions(sized, day, dev).reduce((best, option) => (option.dayShare < best.dayShare ? option : best));
    if (cheapest.dayShare <= share) return { desired, option: cheapest };
  }
  return undefined;
}

/**
 * The costs of a working day priced as on `day` (YYYY-MM-DD): the day decides the control plane's price. With the
 * planner's days for `day` (core/stagger plannedDaysOn), a developer's hours run from their up's start to their
 * down's end (teardownAt, if the planner has no down for the day): under a runner quota the planner starts ups
 * earlier than readyBy − the lead, and the evening's downs queue. Without, the schedule's hours.
 */
export function dailyCosts(config: TurboConfig, day: string, plannedDays?: ReadonlyMap<string, PlannedDay>): DailyCost[] {
  return config.developers.map((dev) => {
    const { clusterPerHour, nodePerHour, natPerHour } = hourlyRates(config, day, dev);
    const natShare = (natPerHour * 24) / config.developers.length;
    const schedule = scheduleOf(config, dev);
    const plannedDay = plannedDays?.get(dev.name);
    // Without a down of the day, to its teardown, as the planner reckons it (core/stagger runnerLoad).
    const endsAt = () => plannedDay?.downEndsAt ?? calendarDay(day, schedule.timezone).at(schedule.teardownAt);
    const planned = plannedDay && Math.max(0, endsAt() - plannedDay.startAt) / 3_600_000;
    const clusterHours = planned ?? scheduledHours(config, dev);
    const turbo = clusterHours * clusterPerHour + natShare;
    const alwaysOn = 24 * clusterPerHour + natShare;
    const workingDays = schedule.workingDays.length;
    const weekTurbo = workingDays * clusterHours * clusterPerHour + 7 * natShare;
    const weekAlwaysOn = 7 * alwaysOn;
    const nodes = nodesOf(config, dev);
    // Hibernated, the nodes run from the wake's short lead to teardown; the control plane and the NLB all night and weekend.
    // The planner's start of a hibernate-mode day is its wake's.
    const nodeHours =
      planned ?? scheduledHours(config, dev, { leadMinutes: wakeLeadMinutes(config), downMinutes: config.jobs.hibernateMinutes });
    const alwaysRunningPerHour = clusterPerHour - nodePerHour;
    const hibernate = nodeHours * nodePerHour + 24 * alwaysRunningPerHour + natShare;
    const weekHibernate = workingDays * nodeHours * nodePerHour + 7 * (24 * alwaysRunningPerHour + natShare);
    return {
      developer: dev.name,
      nodes: `${nodes.capacity} ${nodes.arch}`,
      clusterHours: Math.round(clusterHours * 100) / 100,
      turbo: cents(turbo),
      alwaysOn: cents(alwaysOn),
      savings: cents(alwaysOn - turbo),
      weekTurbo: cents(weekTurbo),
      weekAlwaysOn: cents(weekAlwaysOn),
      weekSavings: cents(weekAlwaysOn - weekTurbo),
      mode: schedule.mode,
      hibernate: cents(hibernate),
      weekHibernate: cents(weekHibernate),
      nodeHours: Math.round(nodeHours * 100) / 100,
    };
  });
}

/** The warm pool's day (core/pool): `size` members from one lead before the pool's hours to their destroy's end, team nodes. */
export interface PoolCost {
  size: number;
  /** Each member's hours on a working day: the pool's hours, the apply's lead before them and the destroy after. */
  hoursPerMember: number;
  day: number;
  /** The same members left running all day. */
  alwaysOn: number;
  week: number;
  weekAlwaysOn: number;
}

/**
 * What the warm pool adds to a working day and a week, priced as on `day`: at least this, since every take is
 * replaced by a new member. Undefined without a pool. The pool's hours are those of the next team working day.
 */
export function poolCost(config: TurboConfig, day: string): PoolCost | undefined {
  if (config.pool.size === 0) return undefined;
  const noon = Date.parse(`${day}T12:00:00Z`);
  const open = [0, 1, 2, 3, 4, 5, 6].map((days) => poolHours(new Date(noon + days * 86_400_000), config)).find((h) => !('closed' in h));
  if (!open || 'closed' in open) return undefined;
  const { clusterPerHour } = hourlyRates(config, day);
  const hoursPerMember = (open.end.toMillis() - open.start.toMillis()) / 3_600_000 + (config.leadMinutes + config.jobs.destroyMinutes) / 60;
  const perDay = config.pool.size * hoursPerMember * clusterPerHour;
  const alwaysOn = config.pool.size * 24 * clusterPerHour;
  return {
    size: config.pool.size,
    hoursPerMember: Math.round(hoursPerMember * 100) / 100,
    day: cents(perDay),
    alwaysOn: cents(alwaysOn),
    week: cents(config.workingDays.length * perDay),
    weekAlwaysOn: cents(7 * alwaysOn),
  };
}

/** One cluster's life as recorded: from its run's start to its destroy (absent while it still runs). */
export interface Lifetime {
  developer: string;
  startedAt: string;
  destroyedAt?: string;
}

/** A span in which a hibernated cluster's node group was at zero (`to` absent while it still is): no node hours. */
export interface NodesOff {
  developer: string;
  from: string;
  to?: string;
}

/** What the records say ran: every cluster's lives and spans at zero nodes; those still going run to the window's end. */
export function recordedUse(records: EnvironmentRecord[]): { lifetimes: Lifetime[]; nodesOff: NodesOff[] } {
  return {
    lifetimes: records.flatMap((record) => [
      ...(record.lifetimes ?? []).map((life) => ({ developer: record.developer, ...life })),
      ...(record.clusterSince ? [{ developer: record.developer, startedAt: record.clusterSince }] : []),
    ]),
    nodesOff: records.flatMap((record) => [
      ...(record.nodesOff ?? []).map((span) => ({ developer: record.developer, ...span })),
      ...(record.hibernatedAt ? [{ developer: record.developer, from: record.hibernatedAt }] : []),
    ]),
  };
}

export interface WeeklyLine {
  developer: string;
  hours: number;
  /** Of those hours, the ones hibernated: the control plane, NLB and volume paid, not the nodes. */
  nodesOffHours: number;
  cost: number;
  alwaysOn: number;
  savings: number;
}

/**
 * Hours, cost and savings per developer between `from` and `to`, from the recorded lifetimes (clipped to the window),
 * less the nodes of the hours hibernated (`nodesOff`, clipped the same way).
 * The warm pool's members add up to one line, POOL_LINE: the pool's cost, taken or not, with no share of the NAT
 * (the developers carry it all), against `pool.size` clusters always on.
 */
export function weeklySummary(config: TurboConfig, recorded: Lifetime[], from: Date, to: Date, nodesOff: NodesOff[] = []): WeeklyLine[] {
  const lifetimes = recorded.map((life) => (isPoolMember(life.developer) ? { ...life, developer: POOL_LINE } : life));
  const windowHours = (to.getTime() - from.getTime()) / 3_600_000;
  if (!(windowHours > 0)) throw new Error(`the summary window ${from.toISOString()} .. ${to.toISOString()} is empty`);
  // Priced as on the window's last day: the report is about the week that just ended.
  const lastDay = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  const names = [...new Set([...config.developers.map((dev) => dev.name), ...lifetimes.map((life) => life.developer)])].sort();
  // Grouped once: each developer filtering every lifetime was quadratic in the roster.
  const lifetimesOf = Map.groupBy(lifetimes, (life) => life.developer);
  const nodesOffOf = Map.groupBy(nodesOff, (span) => span.developer);
  /** The hours of spans (a start, and an end unless it still runs) inside the window. */
  const hoursWithin = (developer: string, what: string, spans: { start: string; end?: string }[]) =>
    spans.reduce((sum, span) => {
      const start = Math.max(DateTime.fromISO(span.start).toMillis(), from.getTime());
      const end = Math.min(span.end ? DateTime.fromISO(span.end).toMillis() : to.getTime(), to.getTime());
      if (Number.isNaN(start) || Number.isNaN(end))
        throw new Error(`${what} of ${developer} has a time that is not ISO 8601: ${JSON.stringify(span)}`);
      return sum + Math.max(0, end - start) / 3_600_000;
    }, 0);
  return names.map((developer) => {
    // Someone who left the roster is priced with the team's nodes.
    const { clusterPerHour, nodePerHour, natPerHour } = hourlyRates(config, lastDay, memberOf(config, developer));
    const natShare = (natPerHour * windowHours) / config.developers.length;
    const lives = (lifetimesOf.get(developer) ?? []).map((life) => ({ start: life.startedAt, end: life.destroyedAt }));
    const hours = hoursWithin(developer, 'lifetime', lives);
    const offSpans = (nodesOffOf.get(developer) ?? []).map((span) => ({ start: span.from, end: span.to }));
    const nodesOffHours = hoursWithin(developer, 'span at zero nodes', offSpans);
    const pool = developer === POOL_LINE;
    const cost = hours * clusterPerHour - nodesOffHours * nodePerHour + (pool ? 0 : natShare);
    const alwaysOn = pool ? Math.max(1, config.pool.size) * windowHours * clusterPerHour : windowHours * clusterPerHour + natShare;
    return {
      developer,
      hours: Math.round(hours * 10) / 10,
      nodesOffHours: Math.round(nodesOffHours * 10) / 10,
      cost: cents(cost),
      alwaysOn: cents(alwaysOn),
      savings: cents(alwaysOn - cost),
    };
  });
}
