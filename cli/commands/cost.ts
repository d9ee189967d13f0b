/** `turbo cost [--week]`: what each developer's cluster costs per working day (or week), and the savings against always-on. */
import { parseArgs } from 'node:util';
import { dailyCosts, PRICE_TABLE } from '../../functions/core/cost';
import type { CommandIo } from '../io';
import { formatTable } from '../table';
import { loadValidConfig } from './validate';

const money = (value: number) => `$${value.toFixed(2)}`;

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { week: { type: 'boolean', default: false }, config: { type: 'string' } }, strict: true, allowPositionals: false });
  const loaded = await loadValidConfig(values.config, io);
  if (!loaded) return 1;
  const { config } = loaded;
  let lines;
  try {
    lines = dailyCosts(config);
  } catch (error) {
    io.stderr(`turbo cost: ${(error as Error).message}\n`);
    return 1;
  }
  const header = values.week ? ['developer', 'hours/day', 'turbo/week', 'always-on/week', 'saved/week'] : ['developer', 'hours/day', 'turbo/day', 'always-on/day', 'saved/day'];
  const rows = lines.map((line) =>
    values.week
      ? [line.developer, line.clusterHours.toFixed(1), money(line.weekTurbo), money(line.weekAlwaysOn), money(line.weekSavings)]
      : [line.developer, line.clusterHours.toFixed(1), money(line.turbo), money(line.alwaysOn), money(line.savings)],
  );
  io.stdout(`${formatTable(header, rows, { alignRight: [1, 2, 3, 4] })}\n\n`);
  io.stdout(`${config.region}, ${config.cluster.nodes.desired} × ${config.cluster.instanceType}; prices in ${PRICE_TABLE.currency} checked ${PRICE_TABLE.checked} (core/prices.json names the source)\n`);
  return 0;
}
