import { ingress, list, persistentVolume, service, StubWorld } from './harness';
import { shouldFallBackToOnDemand } from '../../functions/core/jobs';

const APPLY_ENV = {
  DEVELOPER: 'alice',
  CLUSTER_NAME: 'turbo-alice',
  TURBO_RUN_ID: 'alice-up-20261124',
  AWS_REGION: 'eu-west-1',
  TF_STATE_BUCKET: 'turbo-state',
  KUBERNETES_VERSION: '1.35',
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
const DESTROY_ENV = { DEVELOPER: 'alice', CLUSTER_NAME: 'turbo-alice', AWS_REGION: 'eu-west-1', TF_STATE_BUCKET: 'turbo-state' };

/** The position of the first call whose argv starts with the given words (-chdir=... skipped). */
function indexOf(calls: string[][], ...words: string[]): number {
  return calls.findIndex((call) => {
    const argv = call.filter((arg) => !arg.startsWith('-chdir='));
    return words.every((word, i) => argv[i] === word);
  });
}

describe('scripts/terraform.sh', () => {
  let world: StubWorld;
  beforeEach(() => {
    world = new StubWorld();
  });
  afterEach(() => world.cleanup());

  it('applies with the per-developer state key, the validated variables and a bounded lock wait', () => {
    const result = world.run('terraform.sh', ['apply', 'alice'], APPLY_ENV);

    expect(result.status).toBe(0);
    const init = result.calls[indexOf(result.calls, 'terraform', 'init')]!;
    expect(init).toEqual(
      expect.arrayContaining([
        '-backend-config=key=clusters/alice.tfstate',
        '-backend-config=bucket=turbo-state',
        '-backend-config=region=eu-west-1',
      ]),
    );
    const apply = result.calls[indexOf(result.calls, 'terraform', 'apply')]!;
    expect(apply).toEqual(
      expect.arrayContaining([
        '-auto-approve',
        '-lock-timeout=15m',
        '-var=developer=alice',
        '-var=kubernetes_version=1.35',
        '-var=node_desired_size=2',
        '-var=expires_at=2026-11-24T18:00:00Z',
        '-var=turbo_lambda_role_arn=arn:aws:iam::123456789012:role/turbo-prod-lambda',
      ]),
    );
    expect(result.calls.map((call) => call[0])).toEqual(['terraform', 'terraform']);
  });

  it("applies a warm pool member with no developer's principal, and refuses one given to it", () => {
    const { DEVELOPER_PRINCIPAL_ARN, ...poolEnv } = { ...APPLY_ENV, DEVELOPER: 'pool-2', CLUSTER_NAME: 'turbo-pool-2' };
    const result = world.run('terraform.sh', ['apply', 'pool-2'], poolEnv);

    expect(result.status).toBe(0);
    const apply = result.calls[indexOf(result.calls, 'terraform', 'apply')]!;
    expect(apply).toEqual(expect.arrayContaining(['-var=developer=pool-2', '-var=developer_principal_arn=']));
    const given = world.run('terraform.sh', ['apply', 'pool-2'], { ...poolEnv, DEVELOPER_PRINCIPAL_ARN });
    expect(given.status).not.toBe(0);
    expect(given.lastLine).toBe(
      "ERROR: terraform: pool-2 is a warm pool member: it gets no DEVELOPER_PRINCIPAL_ARN (a take's deploy adds one)",
    );
    // A developer's apply still needs one.
    const { DEVELOPER_PRINCIPAL_ARN: _arn, ...withoutPrincipal } = APPLY_ENV;
    expect(world.run('terraform.sh', ['apply', 'alice'], withoutPrincipal).lastLine).toBe(
      'ERROR: terraform: environment variable DEVELOPER_PRINCIPAL_ARN is required',
    );
  });

  it('passes the node types as an HCL list with the capacity type and arch, and refuses a list that is not instance types', () => {
    const spot = { ...APPLY_ENV, NODE_INSTANCE_TYPES: 't4g.medium,c7g.large', NODE_CAPACITY_TYPE: 'SPOT', NODE_ARCH: 'arm64' };
    const result = world.run('terraform.sh', ['apply', 'alice'], spot);
    expect(result.status).toBe(0);
    expect(result.calls[indexOf(result.calls, 'terraform', 'apply')]).toEqual(
      expect.arrayContaining([
        '-var=node_instance_types=["t4g.medium","c7g.large"]',
        '-var=node_capacity_type=SPOT',
        '-var=node_arch=arm64',
        '-var=spot_wait_minutes=10',
      ]),
    );
    const injected = world.run('terraform.sh', ['apply', 'alice'], { ...spot, NODE_INSTANCE_TYPES: 't4g.medium"] -var=x=["y' });
    expect(injected.status).not.toBe(0);
    expect(injected.output).toContain('NODE_INSTANCE_TYPES must be comma-separated EC2 instance types');
    expect(injected.calls.filter((call) => call.includes('apply'))).toEqual([]);
  });

  it('issues exactly the same commands when apply runs twice (it converges, it does not branch on state)', () => {
    const first = world.run('terraform.sh', ['apply', 'alice'], APPLY_ENV);
    const second = world.run('terraform.sh', ['apply', 'alice'], APPLY_ENV);

    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    expect(first.calls.length).toBeGreaterThan(0);
    expect(second.calls).toEqual(first.calls);
  });

  it('deletes LoadBalancer Services and Ingresses and waits until they are gone before terraform destroy', () => {
    world
      .set('cluster-status', 'ACTIVE\n')
      .set('lb-delete-polls', '2')
      .set(
        'services.json',
        list([
          service('default', 'kubernetes', 'ClusterIP'),
          service('turbo-app', 'frontend-public', 'LoadBalancer'),
          service('tools', 'grafana', 'LoadBalancer'),
        ]),
      )
      .set('ingresses.json', list([ingress('turbo-app', 'web')]));

    const result = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).toBe(0);
    const calls = result.calls;
    const destroy = indexOf(calls, 'terraform', 'destroy');
    const deleteFrontend = calls.findIndex(
      (c) => c.join(' ') === 'kubectl delete service frontend-public --namespace turbo-app --ignore-not-found --wait=false',
    );
    const deleteGrafana = calls.findIndex(
      (c) => c.join(' ') === 'kubectl delete service grafana --namespace tools --ignore-not-found --wait=false',
    );
    const deleteIngress = calls.findIndex(
      (c) => c.join(' ') === 'kubectl delete ingress web --namespace turbo-app --ignore-not-found --wait=false',
    );
    expect([deleteFrontend, deleteGrafana, deleteIngress].every((i) => i >= 0 && i < destroy)).toBe(true);
    // The ClusterIP Service is not a load balancer: left alone.
    expect(calls.some((c) => c.includes('kubernetes') && c[1] === 'delete')).toBe(false);
    // The objects outlive their deletion for two listings (their finalizers), so the script listed until empty,
    // and only then destroyed.
    const listings = calls.map((c, i) => (c[1] === 'get' && c[2] === 'services' ? i : -1)).filter((i) => i >= 0);
    expect(listings.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...listings)).toBeLessThan(destroy);
    expect(result.output).toContain('still being deleted: turbo-app frontend-public');
    expect(indexOf(calls, 'kubectl', 'delete', 'namespace')).toBeLessThan(destroy);
    expect(indexOf(calls, 'aws', 'eks', 'update-kubeconfig')).toBeLessThan(deleteFrontend);
  });

  it('fails, before destroying anything, when the load balancers outlive the bound', () => {
    world
      .set('cluster-status', 'ACTIVE\n')
      .set('lb-delete-polls', '1000')
      .set('services.json', list([service('turbo-app', 'frontend-public', 'LoadBalancer')]));

    const result = world.run('terraform.sh', ['destroy', 'alice'], { ...DESTROY_ENV, LB_DELETE_TIMEOUT: '0' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe('ERROR: terraform: timed out after 0s waiting for the load balancers of turbo-alice to be deleted');
    expect(indexOf(result.calls, 'terraform', 'destroy')).toBe(-1);
  });

  it('waits until the CSI driver has deleted the app namespace’s PersistentVolumes before terraform destroy', () => {
    world
      .set('cluster-status', 'ACTIVE\n')
      .set('pv-delete-polls', '2')
      .set(
        'persistentvolumes.json',
        list([
          persistentVolume('pvc-mongo', 'turbo-app', 'vol-0123456789abcdef0'),
          persistentVolume('pvc-tools', 'tools', 'vol-0fedcba9876543210'),
          persistentVolume('pvc-kept', 'turbo-app', 'vol-0aaaaaaaaaaaaaaaa', 'Retain'),
        ]),
      );

    const result = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).toBe(0);
    const calls = result.calls;
    const destroy = indexOf(calls, 'terraform', 'destroy');
    const listings = calls.map((c, i) => (c.join(' ') === 'kubectl get persistentvolumes --output json' ? i : -1)).filter((i) => i >= 0);
    // Two listings still show the volume after the namespace went, the third finds it gone: then, and only then, destroy.
    expect(listings).toHaveLength(3);
    expect(Math.min(...listings)).toBeGreaterThan(indexOf(calls, 'kubectl', 'delete', 'namespace'));
    expect(Math.max(...listings)).toBeLessThan(destroy);
    expect(result.output).toContain('PersistentVolumes of turbo-app still being deleted: pvc-mongo vol-0123456789abcdef0');
    // Only the app's volumes with reclaim policy Delete are waited for: another namespace's, or a retained one, are not.
    expect(result.output).not.toMatch(/still being deleted: .*(pvc-tools|pvc-kept)/);
  });

  const volumeDeletes = (calls: string[][]) =>
    calls.filter((call) => call[1] === 'ec2' && call[2] === 'delete-volume').map((call) => call[call.indexOf('--volume-id') + 1]);

  it('deletes the EBS volumes by ID when the PersistentVolumes outlive the bound, and names any it could not, then destroys', () => {
    world
      .set('cluster-status', 'ACTIVE\n')
      .set('pv-delete-polls', '1000')
      .set('volumes-attached', 'vol-0bbbbbbbbbbbbbbbb\n')
      .set(
        'persistentvolumes.json',
        list([
          persistentVolume('pvc-mongo', 'turbo-app', 'vol-0123456789abcdef0'),
          persistentVolume('pvc-cache', 'turbo-app', 'vol-0bbbbbbbbbbbbbbbb'),
        ]),
      );

    const result = world.run('terraform.sh', ['destroy', 'alice'], { ...DESTROY_ENV, PV_DELETE_TIMEOUT: '0' });

    expect(result.status).toBe(0);
    expect(result.output).toContain(
      'after 0s the EBS CSI driver had not deleted these PersistentVolumes of turbo-app (name, EBS volume): pvc-mongo vol-0123456789abcdef0 pvc-cache vol-0bbbbbbbbbbbbbbbb - deleting their EBS volumes by ID',
    );
    expect(volumeDeletes(result.calls)).toEqual(['vol-0123456789abcdef0', 'vol-0bbbbbbbbbbbbbbbb']);
    expect(result.output).toContain('deleted EBS volume vol-0123456789abcdef0 of PersistentVolume pvc-mongo');
    expect(result.output).toContain(
      'WARNING: these EBS volumes of turbo-app (PersistentVolume, EBS volume) are left: pvc-cache vol-0bbbbbbbbbbbbbbbb - destroying the cluster anyway; delete them by hand',
    );
    expect(indexOf(result.calls, 'terraform', 'destroy')).toBeGreaterThan(indexOf(result.calls, 'aws', 'ec2', 'delete-volume'));
  });

  it('deletes a hibernated cluster’s EBS volumes by ID at once: no node runs the CSI driver, so waiting would only leak them', () => {
    world
      .set('cluster-status', 'ACTIVE\n')
      .set('nodegroup-sizes', '0\t0\t3\n')
      .set('pv-delete-polls', '1000')
      .set('persistentvolumes.json', list([persistentVolume('pvc-mongo', 'turbo-app', 'vol-0123456789abcdef0')]));

    const result = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).toBe(0);
    expect(result.output).toContain('no node runs the EBS CSI driver (hibernated): deleting the EBS volumes of turbo-app by ID');
    expect(volumeDeletes(result.calls)).toEqual(['vol-0123456789abcdef0']);
    // One listing to find the volumes, none waited for; the volume goes before the cluster does.
    expect(result.calls.filter((call) => call.join(' ') === 'kubectl get persistentvolumes --output json')).toHaveLength(1);
    expect(indexOf(result.calls, 'aws', 'ec2', 'delete-volume')).toBeGreaterThan(indexOf(result.calls, 'kubectl', 'delete', 'namespace'));
    expect(indexOf(result.calls, 'terraform', 'destroy')).toBeGreaterThan(indexOf(result.calls, 'aws', 'ec2', 'delete-volume'));
    expect(result.output).not.toContain('WARNING');

    // A replayed destroy finds the volume deleted already: that is no failure and no warning.
    world.set('volumes-gone', 'vol-0123456789abcdef0\n');
    const replay = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);
    expect(replay.status).toBe(0);
    expect(replay.output).toContain('EBS volume vol-0123456789abcdef0 of PersistentVolume pvc-mongo is already deleted');
    expect(replay.output).not.toContain('WARNING');
  });

  it('fails before destroying when the PersistentVolumes cannot be listed (an unreadable cluster is not an empty one)', () => {
    world.set('cluster-status', 'ACTIVE\n').set('fail', 'kubectl get persistentvolumes');

    const result = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe('ERROR: terraform: could not list the PersistentVolumes of turbo-alice');
    expect(indexOf(result.calls, 'terraform', 'destroy')).toBe(-1);
  });

  it('destroys an absent cluster successfully without touching Kubernetes', () => {
    const result = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).toBe(0);
    expect(result.calls.some((call) => call[0] === 'kubectl')).toBe(false);
    expect(indexOf(result.calls, 'terraform', 'destroy')).toBeGreaterThan(indexOf(result.calls, 'aws', 'eks', 'describe-cluster'));
    expect(result.output).toContain('cluster turbo-alice does not exist');
  });

  it('waits on a held state lock with a bound and fails with the reason, never breaking the lock', () => {
    world.set('lock-held', '');

    const result = world.run('terraform.sh', ['apply', 'alice'], { ...APPLY_ENV, TF_LOCK_TIMEOUT: '5m' });

    expect(result.status).not.toBe(0);
    expect(result.calls[indexOf(result.calls, 'terraform', 'apply')]).toContain('-lock-timeout=5m');
    expect(result.calls.some((call) => call.includes('force-unlock'))).toBe(false);
    expect(result.lastLine).toMatch(
      /^ERROR: terraform: the state lock of clusters\/alice\.tfstate was still held after 5m .*it was not broken/,
    );
  });

  it('fails with the failing step as the last line', () => {
    world.set('cluster-status', 'ACTIVE\n').set('fail', 'kubectl get');

    const result = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe('ERROR: terraform: could not list the Services of turbo-alice');
    expect(indexOf(result.calls, 'terraform', 'destroy')).toBe(-1);
  });

  it('reports an unexpected AWS error instead of treating the cluster as absent', () => {
    world.set('fail', 'aws eks');

    const result = world.run('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe('ERROR: terraform: could not describe cluster turbo-alice: error: simulated failure of aws eks');
    expect(indexOf(result.calls, 'terraform', 'destroy')).toBe(-1);
  });

  it.each([
    ['Bob', 'is not a DNS-1123 label'],
    ['bob;id', 'is not a DNS-1123 label'],
    ['$(id)', 'is not a DNS-1123 label'],
    ['-x', 'is not a DNS-1123 label'],
    ['bob-', 'is not a DNS-1123 label'],
    ['', 'is not a DNS-1123 label'],
    ['a'.repeat(25), 'is longer than 24 characters'],
  ])('refuses the developer name %j before any command runs', (name, reason) => {
    const result = world.run('terraform.sh', ['apply', name], { ...APPLY_ENV, DEVELOPER: '' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(
      `ERROR: terraform: developer '${name}' ${reason}${reason.startsWith('is not') ? ' (lower-case letters, digits and inner hyphens)' : ''}`,
    );
    expect(world.calls()).toEqual([]);
  });

  it.each([
    [['plan', 'alice'], APPLY_ENV, "ERROR: terraform: action must be apply, destroy, hibernate or wake (got 'plan')"],
    [['apply'], APPLY_ENV, 'ERROR: terraform: usage: terraform.sh apply|destroy|hibernate|wake <developer>'],
    [
      ['apply', 'alice'],
      { ...APPLY_ENV, CLUSTER_NAME: 'turbo-bob' },
      "ERROR: terraform: CLUSTER_NAME='turbo-bob' does not match developer 'alice' (expected 'turbo-alice')",
    ],
    [
      ['apply', 'alice'],
      { ...APPLY_ENV, DEVELOPER: 'bob' },
      "ERROR: terraform: the argument 'alice' and DEVELOPER='bob' name different developers",
    ],
    [['apply', 'alice'], { ...APPLY_ENV, EXPIRES_AT: '' }, 'ERROR: terraform: environment variable EXPIRES_AT is required'],
    [
      ['apply', 'alice'],
      { ...APPLY_ENV, TF_LOCK_TIMEOUT: 'forever' },
      "ERROR: terraform: TF_LOCK_TIMEOUT must be a duration such as 15m (got 'forever')",
    ],
    [
      ['destroy', 'alice'],
      { ...DESTROY_ENV, PV_DELETE_TIMEOUT: '5m' },
      "ERROR: terraform: PV_DELETE_TIMEOUT must be a whole number of seconds (got '5m')",
    ],
  ])('refuses %j with a clear reason before any command runs', (args, env, lastLine) => {
    const result = world.run('terraform.sh', args, env);

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(lastLine);
    expect(world.calls()).toEqual([]);
  });
});

describe('scripts/terraform.sh hibernate and wake', () => {
  const SCALE_ENV = { DEVELOPER: 'alice', CLUSTER_NAME: 'turbo-alice', AWS_REGION: 'eu-west-1', TURBO_RUN_ID: 'alice-down-20261124' };
  const HIBERNATE_ENV = { ...SCALE_ENV, NODE_MIN_SIZE: '0', NODE_DESIRED_SIZE: '0', NODE_MAX_SIZE: '3' };
  const WAKE_ENV = { ...SCALE_ENV, NODE_MIN_SIZE: '1', NODE_DESIRED_SIZE: '2', NODE_MAX_SIZE: '3' };
  let world: StubWorld;
  beforeEach(() => {
    world = new StubWorld().set('cluster-status', 'ACTIVE\n');
  });
  afterEach(() => world.cleanup());

  const updates = (calls: string[][]) => calls.filter((call) => call[1] === 'eks' && call[2] === 'update-nodegroup-config');

  it('hibernate scales to min = desired = 0 keeping max, runs no Terraform, and waits until no instance is left', () => {
    world.set('nodegroup-sizes', '1\t2\t3\n').set('instances', 'i-0aaa\ni-0bbb\n').set('instance-polls', '2');

    const result = world.run('terraform.sh', ['hibernate', 'alice'], HIBERNATE_ENV);

    expect(result.status).toBe(0);
    expect(updates(result.calls)).toEqual([expect.arrayContaining(['--scaling-config', 'minSize=0,maxSize=3,desiredSize=0'])]);
    expect(result.calls.filter((call) => call[0] === 'terraform')).toEqual([]);
    // Two listings still show the instances, the third none: the job waited for them.
    expect(result.calls.filter((call) => call[2] === 'describe-instances')).toHaveLength(3);
    expect(result.calls.find((call) => call[2] === 'describe-instances')).toEqual(
      expect.arrayContaining(['Name=tag:eks:cluster-name,Values=turbo-alice']),
    );
    expect(result.lastLine).toMatch(/\[terraform\] hibernate of turbo-alice succeeded$/);
  });

  it('hibernate fails, naming the instances, when any is still running after NODE_SCALE_TIMEOUT', () => {
    world.set('instances', 'i-0stuck\n').set('instances-stuck', '');

    const result = world.run('terraform.sh', ['hibernate', 'alice'], { ...HIBERNATE_ENV, NODE_SCALE_TIMEOUT: '0' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(
      'ERROR: terraform: node groups of turbo-alice are at 0 but instances are still running after 0s (and costing): i-0stuck',
    );
  });

  it('a replayed hibernate finds the node group at 0 and sends no second update', () => {
    world.set('nodegroup-sizes', '0\t0\t3\n');

    const result = world.run('terraform.sh', ['hibernate', 'alice'], HIBERNATE_ENV);

    expect(result.status).toBe(0);
    expect(updates(result.calls)).toEqual([]);
  });

  // What core/jobs gives a hibernate: the configured nodes, so that a group that is not them is replaced while empty.
  const SPOT_HIBERNATE_ENV = {
    ...HIBERNATE_ENV,
    TF_STATE_BUCKET: 'turbo-state',
    NODE_INSTANCE_TYPES: 't3.medium,t3a.medium',
    NODE_CAPACITY_TYPE: 'SPOT',
    NODE_ARCH: 'amd64',
    NODE_SPOT_WAIT_MINUTES: '10',
    DEVELOPER_PRINCIPAL_ARN: 'arn:aws:iam::123456789012:user/alice',
    EXPIRES_AT: '2026-11-24T18:00:00Z',
    TURBO_LAMBDA_ROLE_ARN: 'arn:aws:iam::123456789012:role/turbo-prod-lambda',
  };
  const terraformCalls = (calls: string[][]) =>
    calls.filter((call) => call[0] === 'terraform').map((call) => call.filter((arg) => !arg.startsWith('-chdir='))[1]);

  it('hibernate replaces an On-Demand group (a Spot fallback) with the Spot one once no instance is left, keeping the version', () => {
    world
      .set('nodegroup-sizes', '1\t2\t3\n')
      .set('nodegroup-nodes', 'ON_DEMAND\tt3.medium\n')
      .set('instances', 'i-0aaa\n')
      .set('cluster-version', '1.34\n');

    const result = world.run('terraform.sh', ['hibernate', 'alice'], SPOT_HIBERNATE_ENV);

    expect(result.status).toBe(0);
    expect(result.output).toContain(
      'replacing the empty node groups of turbo-alice (default: ON_DEMAND t3.medium) with SPOT t3.medium,t3a.medium at 0 nodes',
    );
    // Scaled to 0 and proven empty first: a failed replacement still leaves no node running.
    const scaled = result.calls.findIndex((call) => call[2] === 'update-nodegroup-config');
    const applied = indexOf(result.calls, 'terraform', 'apply');
    expect(scaled).toBeGreaterThanOrEqual(0);
    expect(applied).toBeGreaterThan(scaled);
    expect(terraformCalls(result.calls)).toEqual(['init', 'apply']);
    expect(result.calls[applied]).toEqual(
      expect.arrayContaining([
        '-var=node_capacity_type=SPOT',
        '-var=node_instance_types=["t3.medium","t3a.medium"]',
        '-var=node_min_size=0',
        '-var=node_desired_size=0',
        '-var=node_max_size=3',
        // The control plane's own version, not the config's: a hibernate changes the nodes only.
        '-var=kubernetes_version=1.34',
      ]),
    );
    // The new group is checked as the old one was: at 0, with no instance.
    const proofs = result.calls.filter((call) => call[2] === 'describe-instances');
    expect(result.calls.lastIndexOf(proofs.at(-1)!)).toBeGreaterThan(applied);
    expect(result.lastLine).toMatch(/\[terraform\] hibernate of turbo-alice succeeded$/);

    // The next evening (or a replay) finds the Spot group: no Terraform.
    const again = world.run('terraform.sh', ['hibernate', 'alice'], SPOT_HIBERNATE_ENV);
    expect(again.status).toBe(0);
    expect(terraformCalls(again.calls)).toEqual([]);
    expect(again.output).toContain('the node groups of turbo-alice are already SPOT on the configured instance types');
  });

  it.each([
    [
      'an On-Demand developer on the first type',
      { NODE_CAPACITY_TYPE: 'ON_DEMAND', NODE_INSTANCE_TYPES: 't3.medium,t3a.medium' },
      'ON_DEMAND\tt3.medium\n',
    ],
    ['a job started before hibernate knew the nodes', { NODE_CAPACITY_TYPE: '', NODE_INSTANCE_TYPES: '' }, 'ON_DEMAND\tt2.small\n'],
  ])('hibernate runs no Terraform for %s', (_, env, nodes) => {
    world.set('nodegroup-sizes', '1\t2\t3\n').set('nodegroup-nodes', nodes);

    const result = world.run('terraform.sh', ['hibernate', 'alice'], { ...SPOT_HIBERNATE_ENV, ...env });

    expect(result.status).toBe(0);
    expect(terraformCalls(result.calls)).toEqual([]);
  });

  it('hibernate fails naming the variable when a replacement lacks what Terraform needs, after the nodes are at 0', () => {
    world.set('nodegroup-sizes', '1\t2\t3\n').set('nodegroup-nodes', 'ON_DEMAND\tt3.medium\n');

    const result = world.run('terraform.sh', ['hibernate', 'alice'], { ...SPOT_HIBERNATE_ENV, TF_STATE_BUCKET: '' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe('ERROR: terraform: environment variable TF_STATE_BUCKET is required');
    expect(updates(result.calls)).toHaveLength(1);
    expect(terraformCalls(result.calls)).toEqual([]);
  });

  it('wake restores the configured sizes and waits until that many nodes are Ready', () => {
    world.set('nodegroup-sizes', '0\t0\t3\n').set('node-polls', '2');

    const result = world.run('terraform.sh', ['wake', 'alice'], WAKE_ENV);

    expect(result.status).toBe(0);
    expect(updates(result.calls)).toEqual([expect.arrayContaining(['minSize=1,maxSize=3,desiredSize=2'])]);
    expect(result.calls.filter((call) => call[0] === 'kubectl' && call[2] === 'nodes')).toHaveLength(3);
    expect(result.output).toContain('0 of 2 nodes Ready');
  });

  it("wake fails, naming the node group's health issues, when its nodes are not Ready in time: a Spot shortage falls back", () => {
    world
      .set('nodegroup-sizes', '0\t0\t3\n')
      .set('node-polls', '1000')
      .set(
        'nodegroup-health',
        'AsgInstanceLaunchFailures\tCould not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration.\n',
      );

    const result = world.run('terraform.sh', ['wake', 'alice'], { ...WAKE_ENV, NODE_SCALE_TIMEOUT: '0' });

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(
      'ERROR: terraform: timed out after 0s waiting for 2 Ready nodes in turbo-alice (AsgInstanceLaunchFailures: Could not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration.)',
    );
    // What CheckWakeJob reads from this line: a Spot developer's wake runs the apply again On-Demand; an On-Demand one's fails.
    expect(shouldFallBackToOnDemand('spot', result.lastLine)).toBe(true);
    expect(shouldFallBackToOnDemand('on-demand', result.lastLine)).toBe(false);

    world.set('nodegroup-health', '');
    expect(world.run('terraform.sh', ['wake', 'alice'], { ...WAKE_ENV, NODE_SCALE_TIMEOUT: '0' }).lastLine).toBe(
      'ERROR: terraform: timed out after 0s waiting for 2 Ready nodes in turbo-alice',
    );
  });

  it.each([
    [{ ...HIBERNATE_ENV, NODE_MAX_SIZE: '0' }, "NODE_MAX_SIZE must be at least 1: EKS refuses a node group with maxSize 0 (got '0')"],
    [{ ...WAKE_ENV, NODE_DESIRED_SIZE: 'two' }, "NODE_DESIRED_SIZE must be a whole number (got 'two')"],
    [{ ...WAKE_ENV, NODE_DESIRED_SIZE: '5' }, 'node sizes must satisfy min <= desired <= max (got 1/5/3)'],
  ])('refuses bad sizes before scaling anything: %j', (env, reason) => {
    const result = world.run('terraform.sh', ['wake', 'alice'], env);

    expect(result.status).not.toBe(0);
    expect(result.lastLine).toBe(`ERROR: terraform: ${reason}`);
    expect(updates(result.calls)).toEqual([]);
  });

  it('refuses to scale a cluster that is not ACTIVE', () => {
    world.set('cluster-status', 'CREATING\n');

    const result = world.run('terraform.sh', ['hibernate', 'alice'], HIBERNATE_ENV);

    expect(result.lastLine).toBe('ERROR: terraform: cannot hibernate cluster turbo-alice: it is CREATING, not ACTIVE');
  });
});
