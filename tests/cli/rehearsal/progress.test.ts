/** Progress on piped output: the day's totals once per virtual hour, and milestone lines that name the zone. */
import { Progress } from '../../../cli/rehearsal/progress';
import type { LocalExecution, StateVisit } from '../../../cli/rehearsal/local-sfn';
import { syntheticRoster } from '../../../cli/commands/rehearse';
import { exampleConfig } from '../../support/packaged';
import { captureIn, folderWith } from '../capture';

const at = (iso: string) => Date.parse(iso);

function feed(progress: Progress, developer: string, action: 'up' | 'down', states: [string, string][]) {
  const execution = { machine: 'environment', input: { developer, action } } as unknown as LocalExecution;
  for (const [name, iso] of states) progress.entered(execution, { name, type: 'Task', enteredAt: at(iso) } satisfies StateVisit);
}

describe('Progress on output that is not a terminal', () => {
  it('prints the totals with the virtual UTC clock once an hour, for a roster of more than 20, with no per-developer lines', () => {
    const config = syntheticRoster(exampleConfig(), 25);
    const captured = captureIn(folderWith());
    const progress = new Progress(config, captured.io, { live: true, tty: false });
    feed(progress, 'dev-0001', 'up', [
      ['ClaimEnvironment', '2026-11-24T07:45:00Z'],
      ['StartApplyJob', '2026-11-24T07:45:10Z'],
      ['NotifyReady', '2026-11-24T07:58:00Z'],
    ]);
    feed(progress, 'dev-0002', 'up', [
      ['ClaimEnvironment', '2026-11-24T08:15:00Z'],
      ['RecordFailure', '2026-11-24T08:26:00Z'],
    ]);
    feed(progress, 'dev-0003', 'up', [['ClaimEnvironment', '2026-11-24T09:05:00Z']]);
    progress.stop();
    expect(captured.stdout().split('\n').filter(Boolean)).toEqual([
      '  [07:00 UTC] ready 0, provisioning 0, waiting 25, destroying 0, destroyed 0; failed 0',
      '  [08:00 UTC] ready 1, provisioning 0, waiting 24, destroying 0, destroyed 0; failed 0',
      '  [09:00 UTC] ready 1, provisioning 0, waiting 23, destroying 0, destroyed 0; failed 1',
      '  [end] ready 1, provisioning 1, waiting 22, destroying 0, destroyed 0; failed 1',
    ]);
  });

  it('shows the UTC time, the local time and the zone on each milestone line of a small roster', () => {
    const config = exampleConfig();
    const captured = captureIn(folderWith());
    const progress = new Progress(config, captured.io, { live: true, tty: false });
    feed(progress, 'dave', 'up', [['StartApplyJob', '2026-11-24T03:15:00Z']]);
    feed(progress, 'carol', 'up', [['StartApplyJob', '2026-11-24T14:15:00Z']]);
    const lines = captured
      .stdout()
      .split('\n')
      .filter((line) => line.includes('StartApplyJob'));
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}03:15 UTC {2}08:45 Asia\/Kolkata +dave +up +StartApplyJob \(apply\)$/),
      expect.stringMatching(/^ {2}14:15 UTC {2}09:15 America\/New_York +carol +up +StartApplyJob \(apply\)$/),
    ]);
  });

  it('prints nothing with --quiet', () => {
    const captured = captureIn(folderWith());
    const progress = new Progress(syntheticRoster(exampleConfig(), 25), captured.io, { live: false, tty: false });
    feed(progress, 'dev-0001', 'up', [['ClaimEnvironment', '2026-11-24T07:45:00Z']]);
    progress.stop();
    expect(captured.stdout()).toBe('');
  });
});
