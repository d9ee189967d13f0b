/**
 * `turbo cost [--week] [--on YYYY-MM-DD]`: what each developer's cluster costs per working day (or week), and the
 * savings against always-on, at the prices of that day (today by default): a version in EKS extended support costs
 * the extended-support control-plane price.
 */
import { parseArgs } from 'node:util';
import { dailyCosts, hourlyRates, PRICE_TABLE } from '../../functions/core/cost';
import type { CommandIo } from '../io';
import { formatTable } from '../table';
import { loadValidConfig, pricedDay } from './validate';

const money = (value: number) => `$${value.toFixed(2)}`;

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { week: { type: 'boolean', default: false }, config: { type: 'string' }, on: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const day = pricedDay(values.on);
  const loaded = await loadValidConfig(values.config, io);
  if (!loaded) return 1;
  const { config } = loaded;
  let lines;
  let extendedSupport;
  try {
    lines = dailyCosts(config, day);
    ({ extendedSupport } = hourlyRates(config, day));
  } catch (error) {
    io.stderr(`turbo cost: ${(error as Error).message}\n`);
    return 1;
  }
  const header = values.week
    ? ['developer', 'hours/day', 'turbo/week', 'always-on/week', 'saved/week', 'mode', 'hibernate/week']
    : ['developer', 'hours/day', 'turbo/day', 'always-on/day', 'saved/day', 'mode', 'hibernate/day'];
  const rows = lines.map((line) =>
    values.week
      ? [
          ...[line.developer, line.clusterHours.toFixed(1), money(line.weekTurbo), money(line.weekAlwaysOn), money(line.weekSavings)],
          ...[line.mode, money(line.weekHibernate)],
        ]
      : [
          ...[line.developer, line.clusterHours.toFixed(1), money(line.turbo), money(line.alwaysOn), money(line.savings)],
          ...[line.mode, money(line.hibernate)],
        ],
  );
  io.stdout(`${formatTable(header, rows, { alignRight: [1, 2, 3, 4, 6] })}\n\n`);
  io.stdout('turbo: destroyed every evening; hibernate: nodes off at night, the control plane paid all night and weekend\n');
  io.stdout(
    `${config.region}, ${config.cluster.nodes.desired} × ${config.cluster.instanceType}; prices in ${PRICE_TABLE.currency} checked ${PRICE_TABLE.checked} (core/prices.json names the source)\n`,
  );
  if (extendedSupport) {
    io.stdout(
      `Kubernetes ${config.cluster.kubernetesVersion} is in EKS extended support on ${day}: the control plane is priced at the extended-support rate\n`,
    );
  }
  return 0;
}
