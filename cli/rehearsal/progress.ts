/**
 * Live progress while a rehearsal runs. On a terminal: a block redrawn in place, the day's totals and each
 * developer's current step. Elsewhere (CI, a pipe): the totals once per virtual hour, and for rosters of up to 20
 * one line per milestone. Lines come in virtual UTC order, so each shows the UTC time and the developer's own.
 */
import { DateTime } from 'luxon';
import { scheduleOf, type TurboConfig } from '../../functions/core/config';
import type { CommandIo } from '../io';
import type { LocalExecution, StateVisit } from './local-sfn';
import { stepOf } from './timeline';

const MILESTONES = new Set([
  'StartApplyJob',
  'CheckCluster',
  'StartDeployJob',
  'NotifyReady',
  'StartDestroyJob',
  'NotifyDestroyed',
  'RecordFailure',
  'StopAsDuplicate',
]);
const MAX_LINES_ROSTER = 20;
const REDRAW_MS = 100;
const HOUR_MS = 3_600_000;

type Phase = 'provisioning' | 'ready' | 'destroying' | 'destroyed';
/** The state that moves a developer into a phase, for each action. */
const PHASE_OF: Record<string, Record<string, Phase>> = {
  up: { ClaimEnvironment: 'provisioning', NotifyReady: 'ready' },
  down: { ClaimEnvironment: 'destroying', NotifyDestroyed: 'destroyed' },
};

export class Progress {
  private readonly current = new Map<string, { action: string; state: string; at: number }>();
  private readonly zones = new Map<string, string>();
  private readonly phases = new Map<string, Phase>();
  private readonly failed = new Set<string>();
  private readonly rosterSize: number;
  private drawnLines = 0;
  private lastDraw = 0;
  private lastHour: number | undefined;
  private readonly tty: boolean;
  private readonly live: boolean;
  private readonly linesMode: boolean;

  constructor(
    config: TurboConfig,
    private readonly io: CommandIo,
    options: { live: boolean; tty?: boolean },
  ) {
    for (const dev of config.developers) this.zones.set(dev.name, scheduleOf(config, dev).timezone);
    this.rosterSize = config.developers.length;
    this.live = options.live;
    this.tty = options.live && (options.tty ?? Boolean(process.stdout.isTTY));
    this.linesMode = options.live && !this.tty && config.developers.length <= MAX_LINES_ROSTER;
  }

  private local(developer: string, at: number): string {
    const zone = this.zones.get(developer) ?? 'UTC';
    return `${DateTime.fromMillis(at, { zone }).toFormat('HH:mm')} ${zone}`;
  }

  /** "ready 3, provisioning 1, waiting 0, destroying 0, destroyed 0; failed 1". */
  totals(): string {
    const count = (phase: Phase) =>
      [...this.phases].filter(([developer, current]) => current === phase && !this.failed.has(developer)).length;
    const started = new Set([...this.phases.keys(), ...this.failed]).size;
    return (
      `ready ${count('ready')}, provisioning ${count('provisioning')}, waiting ${Math.max(0, this.rosterSize - started)}, ` +
      `destroying ${count('destroying')}, destroyed ${count('destroyed')}; failed ${this.failed.size}`
    );
  }

  private utc(at: number): string {
    return DateTime.fromMillis(at, { zone: 'utc' }).toFormat('HH:mm');
  }

  entered(execution: LocalExecution, visit: StateVisit): void {
    if (this.live && !this.tty) this.hourly(visit.enteredAt);
    if (execution.machine !== 'environment') return;
    const developer = String(execution.input.developer);
    const action = String(execution.input.action);
    this.current.set(developer, { action, state: visit.name, at: visit.enteredAt });
    const phase = PHASE_OF[action]?.[visit.name];
    if (phase) this.phases.set(developer, phase);
    if (visit.name === 'RecordFailure') this.failed.add(developer);
    if (this.linesMode && MILESTONES.has(visit.name)) {
      const when = `${this.utc(visit.enteredAt)} UTC  ${this.local(developer, visit.enteredAt).padEnd(26)}`;
      this.io.stdout(`  ${when} ${developer.padEnd(12)} ${action.padEnd(4)} ${visit.name} (${stepOf(visit.name) ?? ''})\n`);
    }
    if (this.tty && performance.now() - this.lastDraw > REDRAW_MS) this.draw();
  }

  /** Once per virtual hour, the totals as the hour began: piped output of a large roster is never silent for long. */
  private hourly(at: number): void {
    const hour = Math.floor(at / HOUR_MS);
    if (this.lastHour !== undefined && hour <= this.lastHour) return;
    this.lastHour = hour;
    this.io.stdout(`  [${this.utc(hour * HOUR_MS)} UTC] ${this.totals()}\n`);
  }

  private draw(): void {
    this.lastDraw = performance.now();
    const rows = [...this.current.entries()].sort(([a], [b]) => a.localeCompare(b));
    const height = Math.max(5, (process.stdout.rows ?? 30) - 5);
    const latest = Math.max(...[...this.current.values()].map((entry) => entry.at));
    const shown = [`  ${this.utc(latest)} UTC  ${this.totals()}`];
    const line = ([dev, { action, state, at }]: (typeof rows)[number]) =>
      `  ${dev.padEnd(12)} ${action.padEnd(4)} ${state.padEnd(24)} ${this.local(dev, at)}`;
    shown.push(...rows.slice(0, height).map(line));
    if (rows.length > height) shown.push(`  ... and ${rows.length - height} more`);
    const up = this.drawnLines > 0 ? `\u001b[${this.drawnLines}F` : '';
    this.io.stdout(`${up}${shown.map((line) => `\u001b[2K${line}`).join('\n')}\n`);
    this.drawnLines = shown.length;
  }

  stop(): void {
    if (this.tty && this.current.size > 0) this.draw();
    else if (this.live && this.lastHour !== undefined) this.io.stdout(`  [end] ${this.totals()}\n`);
  }
}
