/**
 * docs/jenkins.md lists the tools a Jenkins agent needs. Both job scripts run here with only those tools on PATH
 * (terraform, kubectl and aws are the harness's stubs): a tool the scripts call but the list leaves out fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingress, list, persistentVolume, REPO, service, StubWorld } from './harness';

/** The backticked names in the first column of the agent tools table. */
function documentedTools(): string[] {
  const doc = readFileSync(join(REPO, 'docs', 'jenkins.md'), 'utf8');
  const table = doc.slice(doc.indexOf('| Tool | What for |'));
  const rows = table
    .split('\n')
    .slice(2)
    .filter((line) => line.startsWith('|'));
  const end = table
    .split('\n')
    .slice(2)
    .findIndex((line) => !line.startsWith('|'));
  return rows
    .slice(0, end < 0 ? rows.length : end)
    .flatMap((row) => [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!));
}

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const TERRAFORM_ENV = {
  DEVELOPER: 'alice',
  AWS_REGION: 'eu-west-1',
  TF_STATE_BUCKET: 'turbo-state',
  KUBERNETES_VERSION: '1.34',
  NODE_INSTANCE_TYPES: 't3.medium',
  NODE_CAPACITY_TYPE: 'ON_DEMAND',
  NODE_ARCH: 'amd64',
  NODE_SPOT_WAIT_MINUTES: '10',
  NODE_MIN_SIZE: '1',
  NODE_DESIRED_SIZE: '2',
  NODE_MAX_SIZE: '3',
  DEVELOPER_PRINCIPAL_ARN: 'arn:aws:iam::123456789012:user/alice',
  EXPIRES_AT: '2026-11-24T18:00:00Z',
  TURBO_LAMBDA_ROLE_ARN: 'arn:aws:iam::123456789012:role/turbo-prod-lambda',
};
const DEPLOY_ENV = {
  DEVELOPER: 'alice',
  AWS_REGION: 'eu-west-1',
  K8S_BASE: join(__dirname, 'fixtures', 'k8s'),
  FRONTEND_IMAGE: `acme/turbo-notes:1.4.2@${DIGEST}`,
  MONGO_IMAGE: `acme/turbo-mongo:7.0.14@${DIGEST}`,
};

/** Every path of both scripts that calls a tool: apply, a destroy with load balancers and volumes, a deploy. */
function runEveryJob(world: StubWorld, tools: string[]) {
  world
    .set('cluster-status', 'ACTIVE\n')
    .set('services.json', list([service('turbo-app', 'frontend-public', 'LoadBalancer')]))
    .set('ingresses.json', list([ingress('turbo-app', 'web')]))
    .set('persistentvolumes.json', list([persistentVolume('pvc-mongo', 'turbo-app', 'vol-0123456789abcdef0')]))
    .set('lb-hostname', 'a1b2c3.eu-west-1.elb.amazonaws.com');
  const env = world.onlyTools(tools);
  return [
    world.run('terraform.sh', ['apply', 'alice'], { ...TERRAFORM_ENV, ...env }),
    world.run('terraform.sh', ['destroy', 'alice'], { ...TERRAFORM_ENV, ...env }),
    world.run('deploy.sh', ['alice'], { ...DEPLOY_ENV, ...env }),
  ];
}

describe('the Jenkins agent requirements in docs/jenkins.md', () => {
  let world: StubWorld;
  beforeEach(() => {
    world = new StubWorld();
  });
  afterEach(() => world.cleanup());

  it('name jq, terraform, the AWS CLI and kubectl', () => {
    expect(documentedTools()).toEqual(expect.arrayContaining(['bash', 'jq', 'terraform', 'aws', 'kubectl']));
  });

  it('are all the scripts need: every job runs with only the documented tools on PATH', () => {
    const results = runEveryJob(world, documentedTools());
    for (const result of results) {
      expect(result.output).not.toContain('command not found');
      expect(result.status).toBe(0);
    }
  });

  it.each(['terraform.sh', 'deploy.sh'])('would be caught leaving a tool out: without jq, %s stops at once and names it', (script) => {
    const env = world.onlyTools(documentedTools().filter((tool) => tool !== 'jq'));
    const result = world.run(script, script === 'deploy.sh' ? ['alice'] : ['destroy', 'alice'], {
      ...(script === 'deploy.sh' ? DEPLOY_ENV : TERRAFORM_ENV),
      ...env,
    });
    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(
      `ERROR: ${script.replace('.sh', '')}: jq is not installed on this agent (or not on PATH): see the agent requirements in docs/jenkins.md`,
    );
    expect(result.calls).toEqual([]);
  });
});
