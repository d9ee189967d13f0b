/**
 * Redaction: a rehearsal on the packaged machines in which the runner's error quotes the Jenkins token and the Slack
 * token (as an HTTP library may, with credentials in a URL or a header). Both values are known secrets, as the
 * real deps remember them when they read SSM; neither may reach a log line, a Slack message, an execution's input,
 * output or error, a record, or the summary and timeline reports.
 */
import { dayWindow, startRehearsal, tickReconcile } from '../../cli/rehearsal/day';
import { formatSummaryTable, summarise } from '../../cli/rehearsal/summary';
import { timelineOf } from '../../cli/rehearsal/timeline';
import type { JobRunner } from '../../functions/core/ports';
import { rememberSecret } from '../../functions/handlers/lib/redact';
import { logger } from '../../functions/handlers/lib/stack';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const DATE = '2026-11-24';
const JENKINS_TOKEN = '11e0f2a9c8b7d6e5f4a3b2c1d0e9f8a7b6';
const SLACK_TOKEN = 'xoxb-2222-3333-redaction-test-token';

/** Jobs that succeed at once, except bob's, whose start fails with an error that quotes both tokens. */
const leakyRunner: JobRunner = {
  start: async (job) => {
    if (job.developer === 'bob') {
      throw new Error(
        `POST https://turbo:${JENKINS_TOKEN}@ci.example.test/job/turbo-terraform/buildWithParameters failed (Authorization: Bearer ${SLACK_TOKEN})`,
      );
    }
    return {
      runner: 'jenkins',
      kind: job.kind,
      developer: job.developer,
      runId: job.runId,
      id: `job-${job.kind}-${job.developer}`,
      startedAt: new Date().toISOString(),
    };
  },
  status: async (handle) => ({
    state: 'succeeded',
    outputs: { APP_URL: `http://${handle.developer}.apps.example.test` },
    logUrl: `https://ci.example.test/${handle.id}`,
  }),
};

it('never shows a known token in logs, Slack messages, executions, records or reports', async () => {
  rememberSecret(JENKINS_TOKEN);
  rememberSecret(SLACK_TOKEN);
  logger.setLogLevel('INFO');
  const printed: string[] = [];
  const capture = (chunk: unknown) => void printed.push(String(chunk));
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (capture(chunk), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (capture(chunk), true)),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation((...args) => capture(args.join(' '))),
    ),
  ];
  const config = exampleConfig();
  const window = dayWindow(config, DATE);
  const rehearsal = startRehearsal({ config, stack: packagedStack(config.region), root, runner: leakyRunner }, window.start);
  try {
    tickReconcile(rehearsal.sfn);
    const schedule = setInterval(() => tickReconcile(rehearsal.sfn), 15 * 60_000);
    await rehearsal.advance(window.readyBy);
    clearInterval(schedule);
  } finally {
    rehearsal.stop();
    for (const spy of spies) spy.mockRestore();
    logger.setLogLevel('SILENT');
  }

  const { cloud, sfn } = rehearsal;
  const executions = [...sfn.executions.values()];
  const rows = summarise(config, executions, DATE);
  // The run did what the test is about: bob failed on the leaky error, it was logged and told, the others are ready.
  const bob = cloud.records.get('bob')!;
  expect(bob.status).toBe('failed');
  expect(bob.lastError).toContain('[redacted]');
  expect(rows.filter((row) => row.result === 'failed').map((row) => row.developer)).toEqual(['bob']);
  expect(printed.join('\n')).toMatch(/"service":"turbo"/);
  expect(cloud.outbox.some((message) => message.text.includes('bob') && message.to.channel === config.slack.opsChannel)).toBe(true);

  const places: Record<string, string> = {
    logs: printed.join('\n'),
    'Slack messages': JSON.stringify(cloud.outbox),
    'execution input, output and errors': JSON.stringify(
      executions.map(({ input, output, error, cause, visits }) => ({ input, output, error, cause, visits })),
    ),
    records: JSON.stringify([...cloud.records.values()]),
    reports: formatSummaryTable(rows) + JSON.stringify(rows) + JSON.stringify(timelineOf(executions)),
  };
  for (const [place, text] of Object.entries(places)) {
    expect([place, text.length > 0, text.includes(JENKINS_TOKEN), text.includes(SLACK_TOKEN)]).toEqual([place, true, false, false]);
  }
});
