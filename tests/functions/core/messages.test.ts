import {
  destroyedMessage,
  escapeMrkdwn,
  executionConsoleUrl,
  failureDmMessage,
  failureMessage,
  formatLocalTime,
  readyMessage,
  reconcileFailureMessage,
  rolloutMessage,
  redactSecrets,
  saidHelloTo,
  WARNING_ACTIONS,
  warningMessage,
  type FailureMessageInput,
  type ReadyMessageInput,
} from '../../../functions/core/messages';
import type { EnvironmentRecord, Message } from '../../../functions/core/types';
import { parseInteraction } from '../../../functions/core/slackRequest';

const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:turbo-ci-environment:alice-up-20261124';
const ready: ReadyMessageInput = {
  developer: 'alice',
  clusterName: 'turbo-alice',
  region: 'eu-west-1',
  endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
  appUrl: 'http://k8s-app-1234.eu-west-1.elb.amazonaws.com',
  expiresAt: '2026-11-24T18:00:00.000Z',
  timezone: 'Europe/Berlin',
  image: { repository: 'acme/turbo-notes', tag: '1.4.0', digest: `sha256:${'3f2a'.repeat(16)}` },
  keepOffer: '22:00',
};
const failure: FailureMessageInput = {
  developer: 'alice',
  action: 'up',
  step: 'Terraform apply',
  reason: 'CodeBuild build turbo-terraform:1 FAILED in phase BUILD: exit status 1',
  executionArn,
  region: 'eu-west-1',
};

/** Everything Slack will render or notify with. */
const rendered = (message: Message) => JSON.stringify(message);
const SLACK_TOKEN = /xox[a-z]-|xapp-/;

describe('executionConsoleUrl', () => {
  it('links the execution details page of the Step Functions console', () => {
    expect(executionConsoleUrl(executionArn, 'eu-west-1')).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${executionArn}`,
    );
  });

  it('refuses what is not an execution ARN or a region, naming the value', () => {
    expect(() => executionConsoleUrl('alice-up-20261124', 'eu-west-1')).toThrow(
      'executionArn "alice-up-20261124" is not a Step Functions execution ARN',
    );
    expect(() => executionConsoleUrl(executionArn, 'Frankfurt')).toThrow('region "Frankfurt" is not an AWS region');
  });
});

describe('formatLocalTime', () => {
  it("shows the time, the zone and the day in the developer's time zone", () => {
    expect(formatLocalTime('2026-11-24T18:00:00.000Z', 'Europe/Berlin')).toBe('19:00 Europe/Berlin (Tue 24 Nov)');
    expect(formatLocalTime('2026-11-25T02:30:00Z', 'America/Los_Angeles')).toBe('18:30 America/Los_Angeles (Tue 24 Nov)');
  });

  it('follows daylight saving time', () => {
    expect(formatLocalTime('2026-07-14T17:00:00Z', 'Europe/Berlin')).toBe('19:00 Europe/Berlin (Tue 14 Jul)');
  });

  it('refuses a bad zone or timestamp, naming it', () => {
    expect(() => formatLocalTime('2026-11-24T18:00:00Z', 'Mars/Olympus')).toThrow('timezone "Mars/Olympus" is not an IANA time zone');
    expect(() => formatLocalTime('tomorrow', 'Europe/Berlin')).toThrow('expiresAt "tomorrow" is not an ISO 8601 timestamp');
  });
});

describe('escapeMrkdwn and redactSecrets', () => {
  it("escapes Slack's three control characters", () => {
    expect(escapeMrkdwn('<!channel> & <@U123|x>')).toBe('&lt;!channel&gt; &amp; &lt;@U123|x&gt;');
  });

  it('redacts tokens and keys but keeps the rest of the text', () => {
    const text = 'auth failed for xoxb-1234-5678-abcdef with Bearer abc.def, key AKIAABCDEFGHIJKLMNOP, token=s3cr3t; password: hunter2';
    expect(redactSecrets(text)).toBe(
      'auth failed for [redacted] with Bearer [redacted], key [redacted], token=[redacted]; password: [redacted]',
    );
  });
});

describe('readyMessage', () => {
  const message = readyMessage(ready);
  const body = rendered(message);

  it('gives the cluster, endpoint, app URL, the kubeconfig command and the local expiry', () => {
    expect(message.text).toBe('Your Turbo cluster turbo-alice is ready. It will be destroyed at 19:00 Europe/Berlin (Tue 24 Nov).');
    expect(body).toContain('turbo-alice');
    expect(body).toContain(ready.endpoint);
    expect(body).toContain(`<${ready.appUrl}|${ready.appUrl}>`);
    expect(body).toContain('aws eks update-kubeconfig --name turbo-alice --region eu-west-1');
    expect(body).toContain('19:00 Europe/Berlin (Tue 24 Nov)');
  });

  it('is valid Block Kit: a header, then mrkdwn sections', () => {
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Your Turbo cluster is ready', emoji: true } });
    for (const block of message.blocks as { type: string }[]) {
      expect(['header', 'section', 'context', 'actions']).toContain(block.type);
    }
  });

  it('says "will be destroyed at", never "Destroyed at"', () => {
    expect(body).toContain('It will be destroyed at *19:00 Europe/Berlin (Tue 24 Nov)*');
    expect(body).not.toMatch(/Destroyed at/);
  });

  it('shows the version of the app it runs, or that none was pinned yet', () => {
    expect(body).toContain('*App version*\\n`1.4.0` (acme/turbo-notes, 3f2a3f2a3f2a)');
    expect(rendered(readyMessage({ ...ready, image: undefined }))).toContain(
      '*App version*\\n_no version pinned yet (the first image-sync pins one)_',
    );
  });

  it('offers the Keep button of the pre-teardown warning, which the Slack endpoint reads as a keep', () => {
    const actions = (message.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[]).find(
      (block) => block.type === 'actions',
    );
    expect(actions!.elements!.map((button) => [button.text.text, button.action_id, JSON.parse(button.value)])).toEqual([
      ['Keep until 22:00', WARNING_ACTIONS.keep, { developer: 'alice', until: '22:00' }],
    ]);
    const warningKeep = (
      warningMessage({
        developer: 'alice',
        clusterName: 'turbo-alice',
        teardownAt: ready.expiresAt,
        timezone: ready.timezone,
        keepOffer: '22:00',
        mode: 'destroy',
      }).blocks as { type: string; elements?: object[] }[]
    ).find((block) => block.type === 'actions')!.elements![0];
    expect(actions!.elements![0]).toEqual(warningKeep);
    const click = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U0ALICE001' }, actions: [actions!.elements![0]] }))}`;
    expect(parseInteraction(click)).toEqual({
      kind: 'action',
      userId: 'U0ALICE001',
      command: { verb: 'keep', until: '22:00', target: { name: 'alice' } },
    });
  });

  it('has no Keep button when the day cannot be extended', () => {
    expect((readyMessage({ ...ready, keepOffer: null }).blocks as { type: string }[]).map((block) => block.type)).not.toContain('actions');
  });

  it('escapes interpolated values', () => {
    // keepOffer null: a button's value is data that Slack echoes back, not text it renders (and names are DNS labels).
    const crafted = readyMessage({ ...ready, developer: '<!everyone>', endpoint: 'https://x?a=1&b=<2>', keepOffer: null });
    const text = rendered(crafted);
    expect(text).not.toContain('<!everyone>');
    expect(text).toContain('&lt;!everyone&gt;');
    expect(text).toContain('https://x?a=1&amp;b=&lt;2&gt;');
  });

  it('says the expiry is not recorded rather than inventing one', () => {
    expect(readyMessage({ ...ready, expiresAt: '' }).text).toContain('destroyed at not recorded');
  });

  it('refuses names that would break the copy-paste command', () => {
    expect(() => readyMessage({ ...ready, clusterName: 'turbo-alice; rm -rf ~' })).toThrow(
      'clusterName "turbo-alice; rm -rf ~" is not an EKS cluster name',
    );
    expect(() => readyMessage({ ...ready, clusterName: '' })).toThrow('clusterName "" is not an EKS cluster name');
    expect(() => readyMessage({ ...ready, region: 'eu-west-1 --profile x' })).toThrow(
      'region "eu-west-1 --profile x" is not an AWS region',
    );
  });

  it('never carries a token, even one passed in by mistake', () => {
    const withToken = { ...ready, token: 'xoxb-1111-2222-secret' } as ReadyMessageInput;
    const text = rendered(readyMessage(withToken));
    expect(text).not.toMatch(SLACK_TOKEN);
    expect(text).not.toContain('secret');
  });
});

describe('failureMessage', () => {
  const url = executionConsoleUrl(executionArn, 'eu-west-1');

  it('tells about a failed up with the step, the reason and the console link', () => {
    const message = failureMessage(failure);
    const body = rendered(message);
    expect(message.text).toContain("Creating alice's cluster failed at Terraform apply");
    expect(body).toContain('exit status 1');
    expect(body).toContain(`<${url}|Open the execution in the Step Functions console>`);
    expect(body).not.toContain('costing money');
  });

  it('is loud about a failed down: the cluster may still be running and costing money', () => {
    const message = failureMessage({ ...failure, action: 'down', step: 'Terraform destroy' });
    expect(message.text).toContain(':rotating_light:');
    expect(message.text).toContain("Destroying alice's cluster failed at Terraform destroy");
    expect(message.text).toContain('may still be running and costing money');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: ':rotating_light: Turbo could NOT destroy a cluster' } });
    expect(rendered(message)).toContain(url);
  });

  it('a failed hibernate has its own words: hibernate failed, and the cluster is still costing money', () => {
    const message = failureMessage({ ...failure, action: 'down', step: 'hibernate', path: 'hibernate' });
    expect(message.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: ':rotating_light: Turbo hibernate failed: a cluster is still costing money' },
    });
    expect(message.text).toContain("Hibernating alice's cluster failed at hibernate. Its nodes may still be running");
    expect(rendered(message)).not.toMatch(/could NOT destroy|Destroying/);
    expect(rendered(message)).toContain(url);
  });

  it('a failed wake says a hibernated cluster is not ready, not that a cluster could not be created', () => {
    const message = failureMessage({ ...failure, step: 'wake', path: 'wake' });
    expect(message.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: ':warning: Turbo wake failed: a hibernated cluster is not ready' },
    });
    expect(message.text).toContain("Waking alice's hibernated cluster failed at wake. It is not ready");
    expect(rendered(message)).not.toMatch(/[Cc]reat/);
    expect(rendered(message)).toContain('exit status 1');
  });

  it('redacts credentials quoted in the reason and escapes it', () => {
    const message = failureMessage({ ...failure, reason: 'invalid_auth for xoxb-9999-abc <@here> & token=abc123' });
    const body = rendered(message);
    expect(body).not.toMatch(SLACK_TOKEN);
    expect(body).not.toContain('abc123');
    expect(body).toContain('&lt;@here&gt; &amp; token=[redacted]');
  });

  it("cuts a very long reason so the section stays within Slack's limit", () => {
    const message = failureMessage({ ...failure, reason: 'x'.repeat(10_000) });
    for (const block of message.blocks as { text?: { text: string } }[]) {
      expect((block.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    }
    expect(rendered(message)).toContain('x…');
  });

  it('still goes out, naming the execution unlinked, when the execution ID is not an ARN', () => {
    const body = rendered(failureMessage({ ...failure, executionArn: 'local-rehearsal-<7>' }));
    expect(body).toContain('Execution `local-rehearsal-&lt;7&gt;` (no console link');
    expect(body).not.toContain('console.aws.amazon.com');
  });

  it('still says something when the reason is empty', () => {
    expect(rendered(failureMessage({ ...failure, reason: '  ' }))).toContain('no reason recorded');
  });
});

describe("failureDmMessage: the developer's failure DM", () => {
  const dm = (input: Partial<FailureMessageInput> = {}) => failureDmMessage({ ...failure, clusterName: 'turbo-alice', ...input });

  it('is not the ops message', () => {
    expect(rendered(dm())).not.toBe(rendered(failureMessage(failure)));
    expect(dm().text).not.toBe(failureMessage(failure).text);
  });

  it("a failed up: what happened in the developer's terms, that ops has been told, and the next step", () => {
    const body = rendered(dm());
    expect(dm().text).toBe(
      'Your Turbo cluster is not ready: :warning: Turbo could not create your cluster `turbo-alice` today: it stopped at Terraform apply. It is not ready.',
    );
    expect(body).toContain('The ops channel has been told, with a link to the run.');
    expect(body).toContain('*Next step:* type `/turbo up` to try again now. Or wait: when ops has fixed the cause and redriven the run');
    expect(body).toContain('CodeBuild build turbo-terraform:1 FAILED');
  });

  it('a failed down: it may still run, ops will see to it, and `/turbo down` to try again', () => {
    const body = rendered(dm({ action: 'down', step: 'Terraform destroy' }));
    expect(body).toContain('Turbo could not destroy your cluster `turbo-alice`: it stopped at Terraform destroy. It may still be running.');
    expect(body).toContain('They will make sure it is destroyed; you need not do anything.');
    expect(body).toContain('type `/turbo down` to try again now');
  });

  it('a failed hibernate or wake: the DM says which, in its title and first line', () => {
    const hibernate = dm({ action: 'down', step: 'hibernate', path: 'hibernate' });
    expect(hibernate.text).toBe(
      'Your Turbo cluster did not hibernate: :warning: Turbo could not hibernate your cluster `turbo-alice`: it stopped at hibernate. ' +
        'Its nodes may still be running.',
    );
    const wake = dm({ step: 'wake', path: 'wake' });
    expect(wake.text).toBe(
      'Your Turbo cluster did not wake: :warning: Turbo could not wake your hibernated cluster `turbo-alice` today: it stopped at wake. ' +
        'It is not ready.',
    );
    expect(rendered(wake)).toContain('type `/turbo up` to try again now');
  });

  it('redacts and escapes the reason like the ops message', () => {
    const body = rendered(dm({ reason: 'token=abc <!channel>', developer: '<!here>' }));
    expect(body).not.toContain('abc');
    expect(body).toContain('&lt;!channel&gt;');
  });
});

describe('saidHelloTo: no goodbye without a hello', () => {
  const destroyedAt = '2026-11-24T18:00:00.000Z';
  const record = (patch: Partial<EnvironmentRecord>): EnvironmentRecord => ({
    developer: 'alice',
    clusterName: 'turbo-alice',
    status: 'destroyed',
    updatedAt: destroyedAt,
    destroyedAt,
    ...patch,
  });

  it('is true when this destroy ended a cluster that had been ready (MarkDestroyed closed its lifetime)', () => {
    expect(saidHelloTo(record({ lifetimes: [{ startedAt: '2026-11-24T07:35:00.000Z', destroyedAt }] }))).toBe(true);
  });

  it.each([
    ['the up failed half-way and no lifetime was ever opened', record({ lifetimes: [] })],
    [
      'the last lifetime ended on an earlier day',
      record({ lifetimes: [{ startedAt: '2026-11-23T07:35:00.000Z', destroyedAt: '2026-11-23T18:00:00.000Z' }] }),
    ],
    ['the record is not destroyed', record({ status: 'failed', lifetimes: [{ startedAt: '2026-11-24T07:35:00.000Z', destroyedAt }] })],
    ['there is no record', undefined],
  ])('is false when %s', (_why, given) => {
    expect(saidHelloTo(given)).toBe(false);
  });
});

describe('reconcileFailureMessage', () => {
  it('warns the ops channel that clusters may not be handled on time, with the link', () => {
    const message = reconcileFailureMessage({ reason: 'States.TaskFailed: DynamoDB Scan failed', executionArn, region: 'eu-west-1' });
    expect(message.text).toContain('Turbo reconcile failed');
    expect(rendered(message)).toContain('DynamoDB Scan failed');
    expect(rendered(message)).toContain(executionConsoleUrl(executionArn, 'eu-west-1'));
  });
});

describe('destroyedMessage', () => {
  it('names the destroyed cluster', () => {
    const message = destroyedMessage({ developer: 'alice', clusterName: 'turbo-alice' });
    expect(message.text).toBe('Your Turbo cluster `turbo-alice` was destroyed for the day. Goodbye, alice!');
    expect(message.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: `:wave: ${message.text}` } }]);
  });

  it('escapes the values', () => {
    expect(destroyedMessage({ developer: 'a&b', clusterName: '<x>' }).text).toContain('`&lt;x&gt;`');
  });
});

describe('warningMessage', () => {
  const warning = {
    developer: 'alice',
    clusterName: 'turbo-alice',
    teardownAt: '2026-11-24T18:00:00.000Z',
    timezone: 'Europe/Berlin',
    keepOffer: '22:00',
    mode: 'destroy' as const,
  };
  type Button = { type: string; text: { text: string }; action_id: string; value: string; style: string; confirm?: unknown };
  const buttonsOf = (message: Message) =>
    (message.blocks as { type: string; elements?: Button[] }[]).find((block) => block.type === 'actions')?.elements ?? [];

  it('says when the cluster goes, in the developer’s zone, with "Keep until 22:00" and a confirmed "Destroy now"', () => {
    const message = warningMessage(warning);
    expect(message.text).toBe('Your Turbo cluster `turbo-alice` will be destroyed at 19:00 Europe/Berlin (Tue 24 Nov).');
    const [keep, destroy] = buttonsOf(message);
    expect(keep).toMatchObject({ type: 'button', text: { text: 'Keep until 22:00' }, action_id: WARNING_ACTIONS.keep, style: 'primary' });
    expect(JSON.parse(keep!.value)).toEqual({ developer: 'alice', until: '22:00' });
    expect(destroy).toMatchObject({ text: { text: 'Destroy now' }, action_id: WARNING_ACTIONS.destroy, style: 'danger' });
    expect(JSON.parse(destroy!.value)).toEqual({ developer: 'alice' });
    expect(destroy!.confirm).toMatchObject({ confirm: { text: 'Destroy' }, deny: { text: 'Keep it' } });
  });

  it('says the cluster will hibernate, not be destroyed, for a developer in hibernate mode; "Destroy now" still destroys', () => {
    const message = warningMessage({ ...warning, mode: 'hibernate' });
    expect(message.text).toBe(
      "Your Turbo cluster `turbo-alice` will hibernate at 19:00 Europe/Berlin (Tue 24 Nov): its nodes stop, its control plane and the app's data stay.",
    );
    expect(buttonsOf(message).map((button) => button.text.text)).toEqual(['Keep until 22:00', 'Destroy now']);
  });

  it('has only "Destroy now" when the day cannot be extended', () => {
    const buttons = buttonsOf(warningMessage({ ...warning, keepOffer: null }));
    expect(buttons.map((button) => button.action_id)).toEqual([WARNING_ACTIONS.destroy]);
  });

  it('refuses a bad keep offer or cluster name, naming the value', () => {
    expect(() => warningMessage({ ...warning, keepOffer: '10pm' })).toThrow('keepOffer "10pm" is not a 24-hour time HH:MM');
    expect(() => warningMessage({ ...warning, clusterName: 'a b' })).toThrow('clusterName "a b" is not an EKS cluster name');
  });

  it('uses action_ids within Slack’s 255-character limit and distinct from each other', () => {
    expect(new Set(Object.values(WARNING_ACTIONS)).size).toBe(2);
    for (const id of Object.values(WARNING_ACTIONS)) expect(id.length).toBeLessThanOrEqual(255);
  });
});

describe('rolloutMessage', () => {
  const change = (toTag: string) => ({
    image: 'frontend',
    from: 'acme/notes:1.5.0@sha256:aa',
    fromTag: '1.5.0',
    to: `acme/notes:${toTag}@sha256:bb`,
    toTag,
  });

  it('names the new release in its text, so two rollouts of one day (a wake, then a push) are two different messages', () => {
    const first = rolloutMessage({ developer: 'alice', clusterName: 'turbo-alice', changes: [change('1.6.0')] });
    const second = rolloutMessage({ developer: 'alice', clusterName: 'turbo-alice', changes: [change('1.7.0')] });
    expect(first.text).toBe('Your Turbo cluster turbo-alice rolled to new images (frontend 1.6.0), with no downtime.');
    expect(first.text).not.toBe(second.text);
  });
});
