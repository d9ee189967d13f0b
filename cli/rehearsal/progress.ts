/**
 * Live progress while a rehearsal runs: on a terminal, a table redrawn in place with each developer's current
 * step and virtual time; elsewhere (CI, a pipe), one line per milestone for small rosters.
 */
import { DateTime } from 'luxon';
import { scheduleOf, type TurboConfig } from '../../functions/core/config';
import type { CommandIo } from '../main';
import type { LocalExecution, StateVisit } from './local-sfn';
import { stepOf } from './timeline';

const MILESTONES = new Set(['StartApplyJob', 'CheckCluster', 'StartDeployJob', 'NotifyReady', 'StartDestroyJob', 'NotifyDestroyed', 'RecordFailure', 'StopAsDuplicate']);
const MAX_LINES_ROSTER = 20;
const REDRAW_MS = 100;

export class Progress {
  private readonly current = new Map<string, { action: string; state: string; at: number }>();
  private readonly zones = new Map<string, string>();
  private drawnLines = 0;
  private lastDraw = 0;
  private readonly tty: boolean;
  private readonly linesMode: boolean;

  constructor(
    config: TurboConfig,
    private readonly io: CommandIo,
    options: { live: boolean },
  ) {
    for (const dev of config.developers) this.zones.set(dev.name, scheduleOf(config, dev).timezone);
    this.tty = options.live && Boolean(process.stdout.isTTY);
    this.linesMode = options.live && !this.tty && config.developers.length <= MAX_LINES_ROSTER;
  }

  private local(developer: string, at: number): string {
    return DateTime.fromMillis(at, { zone: this.zones.get(developer) ?? 'UTC' }).toFormat('HH:mm');
  }

  entered(execution: LocalExecution, visit: StateVisit): void {
    if (execution.machine !== 'environment') return;
    const developer = String(execution.input.developer);
    const action = String(execution.input.action);
    this.current.set(developer, { action, state: visit.name, at: visit.enteredAt });
    if (this.linesMode && MILESTONES.has(visit.name)) {
      this.io.stdout(`  ${this.local(developer, visit.enteredAt)} ${developer.padEnd(12)} ${action.padEnd(4)} ${visit.name} (${stepOf(visit.name) ?? ''})\n`);
    }
    if (this.tty && performance.now() - this.lastDraw > REDRAW_MS) this.draw();
  }

  private draw(): void {
    this.lastDraw = performance.now();
    const rows = [...this.current.entries()].sort(([a], [b]) => a.localeCompare(b));
    const height = Math.max(5, (process.stdout.rows ?? 30) - 4);
    const shown = rows.slice(0, height).map(([dev, { action, state, at }]) => `  ${dev.padEnd(12)} ${action.padEnd(4)} ${state.padEnd(24)} ${this.local(dev, at)} local`);
    if (rows.length > height) shown.push(`  ... and ${rows.length - height} more`);
    const up = this.drawnLines > 0 ? `\u001b[${this.drawnLines}F` : '';
    this.io.stdout(`${up}${shown.map((line) => `\u001b[2K${line}`).join('\n')}\n`);
    this.drawnLines = shown.length;
  }

  stop(): void {
    if (this.tty && this.current.size > 0) this.draw();
  }
}
