import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { REPO, StubWorld } from './harness';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const FIXTURE_BASE = join(__dirname, 'fixtures', 'k8s');
const ENV = {
  DEVELOPER: 'alice',
  CLUSTER_NAME: 'turbo-alice',
  AWS_REGION: 'eu-west-1',
  K8S_BASE: FIXTURE_BASE,
  FRONTEND_IMAGE: `acme/turbo-notes:1.4.2@${DIGEST}`,
  MONGO_IMAGE: 'acme/turbo-mongo:7.0.14',
};
const HOSTNAME = 'a1b2c3-1234567890.eu-west-1.elb.amazonaws.com';

describe('scripts/deploy.sh', () => {
  let world: StubWorld;
  beforeEach(() => {
    world = new StubWorld().set('lb-hostname', HOSTNAME).set('lb-address-polls', '2');
  });
  afterEach(() => world.cleanup());

  it('connects, creates the credentials, applies server-side, waits for the rollouts and the load balancer, and writes APP_URL', () => {
    const result = world.run('deploy.sh', ['alice'], ENV);

    expect(result.status).toBe(0);
    const commands = result.calls.map((call) => call.slice(0, 3).join(' '));
    // Rendering comes first: a broken base or image stops the job before it touches the cluster.
    expect(result.calls[0]!.slice(0, 2)).toEqual(['kubectl', 'kustomize']);
    expect(commands.slice(1)).toEqual([
      'aws eks update-kubeconfig',
      'kubectl get namespace',
      'kubectl create namespace',
      'kubectl get secret',
      'kubectl create --filename',
      'kubectl apply --server-side',
      'kubectl rollout status',
      'kubectl rollout status',
      'kubectl get service',
      'kubectl get service',
      'kubectl get service',
    ]);
    expect(result.calls[1]).toEqual(['aws', 'eks', 'update-kubeconfig', '--name', 'turbo-alice', '--region', 'eu-west-1']);
    expect(result.calls[6]).toEqual([
      'kubectl',
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=turbo-deploy',
      '--filename',
      '-',
    ]);
    expect(result.calls[7]).toEqual(['kubectl', 'rollout', 'status', 'deployment/frontend', '--namespace', 'turbo-app', '--timeout=600s']);
    expect(result.calls[8]).toEqual(['kubectl', 'rollout', 'status', 'statefulset/mongo', '--namespace', 'turbo-app', '--timeout=600s']);

    const outputs = readFileSync(join(world.dir, 'turbo-output.env'), 'utf8');
    expect(outputs).toBe(`APP_URL=http://${HOSTNAME}\nCLUSTER_NAME=turbo-alice\n`);
    expect(result.output).toContain(`APP_URL=http://${HOSTNAME}\n`);
  });

  it("gives a taken pool cluster's taker the cluster-admin access entry before connecting, and keeps one already there", () => {
    const env = {
      ...ENV,
      DEVELOPER: 'pool-1',
      CLUSTER_NAME: 'turbo-pool-1',
      DEVELOPER_PRINCIPAL_ARN: 'arn:aws:iam::123456789012:user/alice',
    };
    const grant = [
      [
        'aws',
        'eks',
        'create-access-entry',
        '--cluster-name',
        'turbo-pool-1',
        '--principal-arn',
        env.DEVELOPER_PRINCIPAL_ARN,
        // The jobs role creates EKS resources only with this tag (resources/codebuild.yml, EksCreateTagged).
        '--tags',
        'turbo:managed-by=turbo',
        '--region',
        'eu-west-1',
      ],
      [
        'aws',
        'eks',
        'associate-access-policy',
        '--cluster-name',
        'turbo-pool-1',
        '--principal-arn',
        env.DEVELOPER_PRINCIPAL_ARN,
        '--policy-arn',
        'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
        '--access-scope',
        'type=cluster',
        '--region',
        'eu-west-1',
      ],
    ];
    const result = world.run('deploy.sh', ['pool-1'], env);
    expect(result.status).toBe(0);
    expect(result.calls.slice(1, 4)).toEqual([
      ...grant,
      ['aws', 'eks', 'update-kubeconfig', '--name', 'turbo-pool-1', '--region', 'eu-west-1'],
    ]);

    // A replayed job: the entry exists (ResourceInUseException), the policy is associated again, the deploy goes on.
    const replay = world.set('access-entry-exists', '').run('deploy.sh', ['pool-1'], env);
    expect(replay.status).toBe(0);
    expect(replay.calls.slice(1, 3)).toEqual(grant);
  });

  it('refuses a taker principal that is not an IAM user or role ARN, naming it, and grants nothing without one', () => {
    const bad = world.run('deploy.sh', ['pool-1'], {
      ...ENV,
      DEVELOPER: 'pool-1',
      CLUSTER_NAME: 'turbo-pool-1',
      DEVELOPER_PRINCIPAL_ARN: 'alice',
    });
    expect(bad.status).not.toBe(0);
    expect(bad.lastLine).toContain(
      "DEVELOPER_PRINCIPAL_ARN must be an IAM user or role ARN such as arn:aws:iam::123456789012:user/alice (got 'alice')",
    );
    expect(bad.calls.some((call) => call[2] === 'create-access-entry')).toBe(false);
    const own = world.run('deploy.sh', ['alice'], ENV);
    expect(own.calls.some((call) => call[2] === 'create-access-entry' || call[2] === 'associate-access-policy')).toBe(false);
  });

  it('pins the images through a temporary overlay of the base, tag and digest kept', () => {
    const result = world.run('deploy.sh', ['alice'], ENV);

    expect(result.status).toBe(0);
    const overlay = parseYaml(world.read('overlay.yaml'));
    expect(overlay.images).toEqual([
      { name: 'turbo-frontend', newName: 'acme/turbo-notes', newTag: '1.4.2', digest: DIGEST },
      { name: 'turbo-mongo', newName: 'acme/turbo-mongo', newTag: '7.0.14' },
    ]);
    expect(overlay.resources).toHaveLength(1);
    const applied = parseAllDocuments(world.read('applied.yaml')).map((doc) => doc.toJSON());
    const imageOf = (name: string) => applied.find((o) => o.metadata.name === name).spec.template.spec.containers[0].image;
    expect(imageOf('frontend')).toBe(`acme/turbo-notes:1.4.2@${DIGEST}`);
    expect(imageOf('mongo')).toBe('acme/turbo-mongo:7.0.14');
    expect(applied.every((o) => o.metadata.namespace === 'turbo-app')).toBe(true);
  });

  it('pulls through the ECR pull-through cache when there is one: each image under its prefix, tag and digest kept', () => {
    const cache = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub';
    const result = world.run('deploy.sh', ['alice'], { ...ENV, PULL_THROUGH_CACHE: cache });

    expect(result.status).toBe(0);
    const applied = parseAllDocuments(world.read('applied.yaml')).map((doc) => doc.toJSON());
    const imageOf = (name: string) => applied.find((o) => o.metadata.name === name).spec.template.spec.containers[0].image;
    expect([imageOf('frontend'), imageOf('mongo')]).toEqual([
      `${cache}/acme/turbo-notes:1.4.2@${DIGEST}`,
      `${cache}/acme/turbo-mongo:7.0.14`,
    ]);
  });

  it.each([
    ['registry-1.docker.io/v2', 'not ECR'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'no prefix'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub;id', 'shell syntax'],
  ])('refuses PULL_THROUGH_CACHE=%j (%s) before touching the cluster', (cache) => {
    const result = world.run('deploy.sh', ['alice'], { ...ENV, PULL_THROUGH_CACHE: cache });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(
      `ERROR: deploy: PULL_THROUGH_CACHE must be an ECR pull-through cache such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub (got '${cache}')`,
    );
    expect(world.calls()).toEqual([]);
  });

  it("renders the app's own base (k8s/) by default, with the names of the contract", () => {
    const { K8S_BASE: _fixture, ...env } = ENV;
    const result = world.run('deploy.sh', ['alice'], env);

    if (!existsSync(join(REPO, 'k8s', 'kustomization.yaml'))) {
      console.warn('NOTICE: k8s/ has no kustomization.yaml yet: only the refusal is checked.');
      expect(result.lastLine).toMatch(/^ERROR: deploy: K8S_BASE=.*k8s holds no kustomization\.yaml$/);
      return;
    }
    expect(result.status).toBe(0);
    const applied = parseAllDocuments(world.read('applied.yaml')).map((doc) => doc.toJSON());
    const find = (kind: string, name: string) => applied.find((o) => o.kind === kind && o.metadata.name === name);
    expect(find('Deployment', 'frontend').metadata.namespace).toBe('turbo-app');
    expect(find('Deployment', 'frontend').spec.template.spec.containers.map((c: { image: string }) => c.image)).toContain(
      `acme/turbo-notes:1.4.2@${DIGEST}`,
    );
    expect(find('StatefulSet', 'mongo').spec.template.spec.containers.map((c: { image: string }) => c.image)).toContain(
      'acme/turbo-mongo:7.0.14',
    );
    expect(find('Service', 'frontend-public').spec.type).toBe('LoadBalancer');
    // The Secret is the script's, never the base's.
    expect(find('Secret', 'mongo-credentials')).toBeUndefined();
  });

  it.each([
    ['FRONTEND_IMAGE', 'turbo-frontend'],
    ['MONGO_IMAGE', 'turbo-mongo'],
  ])('refuses to deploy the base’s placeholder image when %s is not set, before touching the cluster', (variable, placeholder) => {
    const result = world.run('deploy.sh', ['alice'], { ...ENV, [variable]: '' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(`ERROR: deploy: ${variable} is not set: the base's placeholder image ${placeholder} cannot be pulled`);
    expect(result.calls).toEqual([]);
  });

  it('creates random credentials once, passing them on stdin only, and keeps them on a redeploy', () => {
    const first = world.run('deploy.sh', ['alice'], ENV);
    const secret = JSON.parse(world.read('secret.json'));
    const second = world.run('deploy.sh', ['alice'], ENV);

    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    expect(secret.metadata).toMatchObject({ name: 'mongo-credentials', namespace: 'turbo-app' });
    expect(Object.keys(secret.stringData).sort()).toEqual(['password', 'root-password', 'root-username', 'username']);
    expect(secret.stringData.password).toMatch(/^[0-9a-f]{48}$/);
    expect(secret.stringData['root-password']).toMatch(/^[0-9a-f]{48}$/);
    expect(secret.stringData.password).not.toBe(secret.stringData['root-password']);
    for (const password of [secret.stringData.password, secret.stringData['root-password']]) {
      expect(first.output + second.output).not.toContain(password);
      expect(JSON.stringify(world.calls())).not.toContain(password);
    }
    expect(second.calls.filter((call) => call[1] === 'create')).toEqual([]);
    expect(second.output).toContain('Secret turbo-app/mongo-credentials exists: keeping it');
  });

  it.each([
    ['docker.io/acme/turbo-notes:1.4.2', 'a registry host'],
    ['acme/turbo-notes', 'neither tag nor digest'],
    ['acme/turbo-notes:1.4.2@sha256:123', 'a short digest'],
    ['acme/turbo-notes:$(id)', 'shell syntax'],
  ])('refuses FRONTEND_IMAGE=%j (%s) before touching the cluster', (image) => {
    const result = world.run('deploy.sh', ['alice'], { ...ENV, FRONTEND_IMAGE: image });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(
      `ERROR: deploy: FRONTEND_IMAGE must be a Docker Hub reference such as acme/turbo-notes:1.4.2@sha256:<64 hex> (got '${image}')`,
    );
    expect(world.calls()).toEqual([]);
  });

  it('fails with the reason when a rollout does not finish', () => {
    world.set('fail', 'kubectl rollout');

    const result = world.run('deploy.sh', ['alice'], ENV);

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe('ERROR: deploy: waiting up to 600s for the rollouts failed (exit 1)');
    expect(existsSync(join(world.dir, 'turbo-output.env'))).toBe(false);
  });

  it('fails with the reason when the load balancer gets no address within the bound', () => {
    world.set('lb-address-polls', '1000');

    const result = world.run('deploy.sh', ['alice'], { ...ENV, LB_WAIT_TIMEOUT: '0' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(
      'ERROR: deploy: timed out after 0s waiting for the load balancer address of Service turbo-app/frontend-public',
    );
  });

  it.each(['Bob', 'bob;id', '$(id)', '-x', 'a'.repeat(25)])('refuses the developer name %j before any command runs', (name) => {
    const result = world.run('deploy.sh', [name], { ...ENV, DEVELOPER: '' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toMatch(
      new RegExp(`^ERROR: deploy: developer '${name.replace(/[$()]/g, '\\$&')}' (is not a DNS-1123 label|is longer than 24 characters)`),
    );
    expect(world.calls()).toEqual([]);
  });
});
