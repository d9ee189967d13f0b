/** Flag values that more than one command takes. */
import { DateTime } from 'luxon';
import type { TurboConfig } from '../functions/core/config';
import { UsageError, wholeNumberFlag } from './io';

/** A calendar date YYYY-MM-DD that exists: "2026-02-30" is refused as a day that does not exist, not as a format. */
export function parseDateFlag(flag: string, value: string | undefined): string {
  const match = value === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) throw new UsageError(`${flag} needs a date YYYY-MM-DD, got ${value === undefined ? 'none' : JSON.stringify(value)}`);
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  if (month < 1 || month > 12) throw new UsageError(`${flag} ${value}: that date does not exist (there is no month ${month})`);
  const monthStart = DateTime.fromObject({ year, month, day: 1 }, { zone: 'UTC' });
  if (day < 1 || day > monthStart.daysInMonth!) {
    throw new UsageError(
      `${flag} ${value}: that date does not exist (${monthStart.toFormat('LLLL yyyy')} has ${monthStart.daysInMonth} days)`,
    );
  }
  return value!;
}

/** The largest --quota: CodeBuild's concurrent builds can be raised, but not past a job per developer of a 10,000 roster. */
const MAX_QUOTA = 10_000;

/** `config` with --quota N as its runner's concurrent jobs (what if CodeBuild's quota were N); as it is without one. */
export function withQuotaFlag(config: TurboConfig, value: string | undefined): TurboConfig {
  if (value === undefined) return config;
  return { ...config, runner: { ...config.runner, maxConcurrentJobs: wholeNumberFlag('quota', value, 1, MAX_QUOTA) } };
}
