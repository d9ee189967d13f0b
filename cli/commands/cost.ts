/**
 * `turbo cost [--week] [--on YYYY-MM-DD] [--stage <stage>]`: what each developer's cluster costs per working day (or
 * week), and the savings against always-on, at the prices of that day (today by default): a version in EKS extended
 * support costs the extended-support control-plane price. The hours are the schedule's; with `--stage`, the planner's
 * for that day from the stage's records (core/stagger plannedDaysOn): each up from its start under the runner quota,
 * with the recorded durations, to its down's end, queued beyond the quota.
 */
import { parseArgs } from 'node:util';
import type { TurboConfig } from '../../functions/core/config';
import {
  type DailyCost,
  dailyCosts,
  hourlyRates,
  MAX_PRICED_NODES,
  nodeCountForDayShare,
  nodeOptions,
  PRICE_TABLE,
  poolCost,
} from '../../functions/core/cost';
import { POOL_LINE } from '../../functions/core/pool';
import { plannedDaysOn, type PlannedDay } from '../../functions/core/stagger';
import type { CommandIo } from '../io';
import { formatTable } from '../table';
import { parseStageArgs, runOnStage } from './stage';
import { loadValidConfig, pricedDay } from './validate';

const money = (value: number) => `$${value.toFixed(2)}`;
/** A developer-day at a fifth of an always-on cluster: how many nodes it takes is printed with the comparison. */
const TARGET_DAY_SHARE = 0.2;
const OWN_OPTIONS = { week: { type: 'boolean', default: false }, on: { type: 'string' } } as const;

export async function run(argv: string[], io: CommandIo): Promise<number> {
  if (argv.some((arg) => arg === '--stage' || arg.startsWith('--stage='))) {
    const { values, flags } = parseStageArgs(argv, OWN_OPTIONS);
    const day = pricedDay(values.on as string | undefined);
    return runOnStage('cost', flags, io, async (stage) => {
      const planned = plannedDaysOn(day, stage.config, await stage.store.list());
      io.stdout(`Hours planned for ${day} on ${stage.describe()}: each up's start under the runner quota to its down's end\n\n`);
      return report(stage.config, day, Boolean(values.week), io, planned);
    });
  }
  const { values } = parseArgs({
    args: argv,
    options: { ...OWN_OPTIONS, config: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const day = pricedDay(values.on);
  const loaded = await loadValidConfig(values.config, io);
  if (!loaded) return 1;
  return report(loaded.config, day, values.week, io);
}

function report(config: TurboConfig, day: string, week: boolean, io: CommandIo, planned?: ReadonlyMap<string, PlannedDay>): number {
  let lines: DailyCost[];
  let extendedSupport: boolean;
  let pool: ReturnType<typeof poolCost>;
  try {
    lines = dailyCosts(config, day, planned);
    ({ extendedSupport } = hourlyRates(config, day));
    pool = poolCost(config, day);
  } catch (error) {
    io.stderr(`turbo cost: ${(error as Error).message}\n`);
    return 1;
  }
  const header = week
    ? ['developer', 'nodes', 'hours/day', 'turbo/week', 'always-on/week', 'saved/week', 'mode', 'hibernate/week']
    : ['developer', 'nodes', 'hours/day', 'turbo/day', 'always-on/day', 'saved/day', 'mode', 'hibernate/day'];
  const figures = (line: DailyCost) =>
    week
      ? [line.weekTurbo, line.weekAlwaysOn, line.weekSavings, line.weekHibernate]
      : [line.turbo, line.alwaysOn, line.savings, line.hibernate];
  const row = (name: string, nodes: string, hours: string, [turbo, alwaysOn, saved, hibernate]: number[], mode: string) => [
    ...[name, nodes, hours, money(turbo!), money(alwaysOn!), money(saved!)],
    ...[mode, money(hibernate!)],
  ];
  const rows = lines.map((line) => row(line.developer, line.nodes, line.clusterHours.toFixed(1), figures(line), line.mode));
  const total = (column: number) => lines.reduce((sum, line) => sum + figures(line)[column]!, 0);
  // The warm pool's members, as the pool's: destroyed every evening whatever the mode, so it costs the same in both.
  const poolTurbo = pool && (week ? pool.week : pool.day);
  const poolAlwaysOn = pool && (week ? pool.weekAlwaysOn : pool.alwaysOn);
  const poolRow = pool ? [poolTurbo!, poolAlwaysOn!, poolAlwaysOn! - poolTurbo!, poolTurbo!] : [0, 0, 0, 0];
  if (pool) {
    const nodes = `${config.cluster.nodes.capacity} ${config.cluster.nodes.arch}`;
    rows.push(row(`${POOL_LINE} x ${pool.size}`, nodes, pool.hoursPerMember.toFixed(1), poolRow, 'pool'));
  }
  rows.push(
    row(
      'team',
      '',
      '',
      [0, 1, 2, 3].map((column) => total(column) + poolRow[column]!),
      '',
    ),
  );
  io.stdout(`${formatTable(header, rows, { alignRight: [2, 3, 4, 5, 7] })}\n\n`);
  io.stdout(
    'turbo: destroyed every evening; hibernate: nodes off at night, the control plane, NLB and MongoDB volume paid all night and weekend\n',
  );
  if (pool) {
    io.stdout(
      `${POOL_LINE}: pool.size ${pool.size} clusters with the team's nodes, ${pool.hoursPerMember.toFixed(1)} h each on a working day ` +
        '(its hours, the apply before them and the destroy after); each take is replaced by a new one, so a day of takes costs more\n',
    );
  }
  io.stdout(
    `${config.region}, ${config.cluster.nodes.desired} nodes per cluster (On-Demand ${config.cluster.instanceType} unless its nodes say otherwise); prices in ${PRICE_TABLE.currency} checked ${PRICE_TABLE.checked} (core/prices.json names the source)\n`,
  );
  // The comparison for the first developer's schedule: which nodes to choose, against an always-on On-Demand cluster.
  const first = config.developers[0]!;
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  const compared = nodeOptions(config, day, first);
  const options = compared.map((option) => [
    option.nodes,
    option.instanceType,
    money(option.day),
    percent(option.dayShare),
    money(option.nodesDay),
    percent(option.nodesDayShare),
    money(option.week),
    percent(option.weekShare),
  ]);
  io.stdout(
    `\nNodes compared for ${first.name}'s day, each against an always-on On-Demand amd64 cluster (Spot at ${percent(PRICE_TABLE.spot.typicalDiscount)} ` +
      `off On-Demand: a typical figure, see spot.source in core/prices.json):\n`,
  );
  io.stdout(
    `${formatTable(['nodes', 'type', 'day', 'of always-on', 'nodes/day', 'of always-on nodes', 'week', 'of always-on week'], options, {
      alignRight: [2, 3, 4, 5, 6, 7],
    })}\n`,
  );
  const floor = compared[0]!.fixedDayShare;
  const nodes = config.cluster.nodes.desired;
  io.stdout(
    `On ${nodes} node${nodes === 1 ? '' : 's'} of this size, ${first.name}'s day costs at least ${percent(floor)} of the always-on ` +
      'cluster, whatever their capacity and architecture: its control plane, NLB and MongoDB volume for its hours and its share of the NAT gateway\n',
  );
  const reach = nodeCountForDayShare(config, day, first, TARGET_DAY_SHARE);
  io.stdout(
    reach
      ? `More nodes weigh more against that fixed part: a ${reach.option.nodes} day costs ${percent(reach.option.dayShare)} of an always-on ` +
          `cluster of as many nodes from ${reach.desired} nodes per cluster\n`
      : `Even on ${MAX_PRICED_NODES} nodes per cluster, no node option's day is within ${percent(TARGET_DAY_SHARE)} of the always-on cluster\n`,
  );
  if (extendedSupport) {
    io.stdout(
      `Kubernetes ${config.cluster.kubernetesVersion} is in EKS extended support on ${day}: the control plane is priced at the extended-support rate\n`,
    );
  }
  return 0;
}
