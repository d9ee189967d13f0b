/**
 * What Turbo's clusters cost, from the config and the price table (prices.json: its date and source are in it).
 * Pure. The daily estimate follows the schedule (cluster hours from readyBy − leadMinutes to teardownAt); the
 * weekly summary follows what really ran (the recorded lifetimes). The NAT gateway runs all day and is shared by the
 * team, so each developer carries an equal share of it, on every day, Turbo or not.
 */
import { DateTime } from 'luxon';
import prices from './prices.json';
import { scheduleOf, type Mode, type TurboConfig } from './config';
import { wakeLeadMinutes } from './hibernate';
import { supportPhase } from './eksVersions';
import { UnknownPriceError } from './errors';

/** Each node's root volume (infra-tf/cluster: 20 GB gp3), billed while the node exists. */
const NODE_VOLUME_GB = 20;

export interface RegionPrices {
  eksControlPlanePerHour: number;
  /** What the control plane costs while its Kubernetes version is in EKS extended support. */
  eksControlPlaneExtendedSupportPerHour: number;
  natGatewayPerHour: number;
  ebsGp3PerGbMonth: number;
  instancesPerHour: Record<string, number>;
}

export const PRICE_TABLE = prices as {
  currency: string;
  checked: string;
  source: string;
  hoursPerMonth: number;
  regions: Record<string, RegionPrices>;
};

/**
 * The hourly price of one running cluster (control plane, nodes and their volumes) on `day` (YYYY-MM-DD), and the
 * team's NAT gateway. The control plane costs the extended-support price once the version left standard support.
 */
export function hourlyRates(
  config: TurboConfig,
  day: string,
): { clusterPerHour: number; controlPlanePerHour: number; natPerHour: number; extendedSupport: boolean } {
  const region = PRICE_TABLE.regions[config.region];
  if (!region)
    throw new UnknownPriceError(
      `region "${config.region}" is not in the price table (core/prices.json has ${Object.keys(PRICE_TABLE.regions).join(', ')})`,
    );
  const instance = region.instancesPerHour[config.cluster.instanceType];
  if (instance === undefined) {
    throw new UnknownPriceError(
      `instance type "${config.cluster.instanceType}" has no ${config.region} price in core/prices.json (known: ${Object.keys(region.instancesPerHour).join(', ')})`,
    );
  }
  const nodes = config.cluster.nodes.desired;
  const volumePerHour = (NODE_VOLUME_GB * region.ebsGp3PerGbMonth) / PRICE_TABLE.hoursPerMonth;
  const extendedSupport = supportPhase(config.cluster.kubernetesVersion, day) === 'extended';
  const controlPlane = extendedSupport ? region.eksControlPlaneExtendedSupportPerHour : region.eksControlPlanePerHour;
  return {
    clusterPerHour: controlPlane + nodes * (instance + volumePerHour),
    controlPlanePerHour: controlPlane,
    natPerHour: region.natGatewayPerHour,
    extendedSupport,
  };
}

const cents = (dollars: number) => Math.round(dollars * 100) / 100;

export interface DailyCost {
  developer: string;
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
}

/** Minutes between two local HH:MM times of the same day. */
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The costs of a working day priced as on `day` (YYYY-MM-DD): the day decides the control plane's price. */
export function dailyCosts(config: TurboConfig, day: string): DailyCost[] {
  const { clusterPerHour, controlPlanePerHour, natPerHour } = hourlyRates(config, day);
  const nodesPerHour = clusterPerHour - controlPlanePerHour;
  const natShare = (natPerHour * 24) / config.developers.length;
  return config.developers.map((dev) => {
    const schedule = scheduleOf(config, dev);
    const clusterHours = Math.max(0, minutesOf(schedule.teardownAt) - Math.max(0, minutesOf(schedule.readyBy) - config.leadMinutes)) / 60;
    const turbo = clusterHours * clusterPerHour + natShare;
    const alwaysOn = 24 * clusterPerHour + natShare;
    const workingDays = schedule.workingDays.length;
    const weekTurbo = workingDays * clusterHours * clusterPerHour + 7 * natShare;
    const weekAlwaysOn = 7 * alwaysOn;
    // Hibernated, the nodes run from the wake's short lead to teardown; the control plane runs all night and all weekend.
    const nodeHours = Math.max(0, minutesOf(schedule.teardownAt) - Math.max(0, minutesOf(schedule.readyBy) - wakeLeadMinutes(config))) / 60;
    const hibernate = nodeHours * nodesPerHour + 24 * controlPlanePerHour + natShare;
    const weekHibernate = workingDays * nodeHours * nodesPerHour + 7 * (24 * controlPlanePerHour + natShare);
    return {
      developer: dev.name,
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
    };
  });
}

/** One cluster's life as recorded: from its run's start to its destroy (absent while it still runs). */
export interface Lifetime {
  developer: string;
  startedAt: string;
  destroyedAt?: string;
}

export interface WeeklyLine {
  developer: string;
  hours: number;
  cost: number;
  alwaysOn: number;
  savings: number;
}

/** Hours, cost and savings per developer between `from` and `to`, from the recorded lifetimes (clipped to the window). */
export function weeklySummary(config: TurboConfig, lifetimes: Lifetime[], from: Date, to: Date): WeeklyLine[] {
  const windowHours = (to.getTime() - from.getTime()) / 3_600_000;
  if (!(windowHours > 0)) throw new Error(`the summary window ${from.toISOString()} .. ${to.toISOString()} is empty`);
  // Priced as on the window's last day: the report is about the week that just ended.
  const { clusterPerHour, natPerHour } = hourlyRates(config, new Date(to.getTime() - 1).toISOString().slice(0, 10));
  const natShare = (natPerHour * windowHours) / config.developers.length;
  const names = [...new Set([...config.developers.map((dev) => dev.name), ...lifetimes.map((life) => life.developer)])].sort();
  return names.map((developer) => {
    const hours = lifetimes
      .filter((life) => life.developer === developer)
      .reduce((sum, life) => {
        const start = Math.max(DateTime.fromISO(life.startedAt).toMillis(), from.getTime());
        const end = Math.min(life.destroyedAt ? DateTime.fromISO(life.destroyedAt).toMillis() : to.getTime(), to.getTime());
        if (Number.isNaN(start) || Number.isNaN(end))
          throw new Error(`lifetime of ${developer} has a time that is not ISO 8601: ${JSON.stringify(life)}`);
        return sum + Math.max(0, end - start) / 3_600_000;
      }, 0);
    const cost = hours * clusterPerHour + natShare;
    const alwaysOn = windowHours * clusterPerHour + natShare;
    return { developer, hours: Math.round(hours * 10) / 10, cost: cents(cost), alwaysOn: cents(alwaysOn), savings: cents(alwaysOn - cost) };
  });
}
