/**
 * infra-tf checked offline: `terraform fmt` (the terraform that tools/realsvc/build.sh builds), and the HCL itself
 * parsed with @cdktf/hcl2json (terraform init/validate need the registry, which tests cannot reach).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { DNS_LABEL, MAX_DEVELOPER_NAME } from '../../functions/core/config';
import { realBinaries } from '../support/realsvc/binaries';

const REPO = resolve(__dirname, '../..');
const INFRA = join(REPO, 'infra-tf');
const STACKS = ['network', 'cluster'] as const;
type Stack = (typeof STACKS)[number];

// hcl2json's JSON: blocks are arrays of bodies keyed by type and label; an expression stays a `${...}` string.
// The types name what these tests read; any other attribute is unknown.
type Attributes = Record<string, unknown>;
type Labelled<T> = Record<string, T[]>;
type ModuleBody = { source: string; version: string } & Attributes;
type StackBody = {
  terraform: {
    required_version: string;
    required_providers: Record<string, { version: string }>[];
    backend: { s3: Attributes[] };
  }[];
  locals: ({ tags: Record<string, string> } & Attributes)[];
  provider: Labelled<{ default_tags: { tags: string }[] } & Attributes>;
  variable: Labelled<{ type?: string; default?: unknown; validation?: { condition: string }[] }>;
  module: {
    eks: (ModuleBody & {
      addons: Record<string, Attributes>;
      access_entries: Attributes;
      eks_managed_node_groups: Record<string, Attributes>;
    })[];
    vpc: ModuleBody[];
  };
  resource: Record<string, Labelled<Attributes>>;
  data: Record<string, Labelled<{ name: string; statement: { principals: { identifiers: string[] }[] }[] } & Attributes>>;
  output: Labelled<Attributes>;
};
const hcl = { network: {}, cluster: {} } as Record<Stack, StackBody>;
const text: Record<Stack, string> = { network: '', cluster: '' };

function tfFiles(stack: Stack): string[] {
  return readdirSync(join(INFRA, stack)).filter((name) => name.endsWith('.tf'));
}

/** Merges the parsed files of one stack into one body (each top-level key is a map of blocks). */
function merge(target: Attributes, source: Attributes): void {
  for (const [key, value] of Object.entries(source)) {
    if (Array.isArray(value)) target[key] = [...((target[key] as unknown[]) ?? []), ...value];
    else target[key] = { ...(target[key] ?? {}), ...(value as Attributes) };
  }
}

/** The real terraform in `dir`, with no CLI config of the user's (nothing to download). */
/** The cluster stack's required variables but the developer's principal, for terraform console. */
const CONSOLE_VARS = [
  '-var=developer=pool-1',
  '-var=region=eu-west-1',
  '-var=kubernetes_version=1.35',
  '-var=turbo_lambda_role_arn=arn:aws:iam::123456789012:role/turbo-prod-lambda',
  '-var=expires_at=2026-11-24T18:00:00Z',
];

function terraformIn(dir: string, args: string[]) {
  const { terraform } = realBinaries('terraform');
  return spawnSync(terraform, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1' },
  });
}

beforeAll(async () => {
  for (const stack of STACKS) {
    for (const file of tfFiles(stack)) {
      const content = readFileSync(join(INFRA, stack, file), 'utf8');
      text[stack] += content;
      merge(hcl[stack], (await parse(file, content)) as Attributes);
    }
  }
});

describe('infra-tf', () => {
  it('is formatted (terraform fmt -check -recursive infra-tf)', () => {
    const { terraform } = realBinaries('terraform');
    const result = spawnSync(terraform, ['fmt', '-check', '-recursive', 'infra-tf'], { cwd: REPO, encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('pins the major version of every registry module', () => {
    const modules = STACKS.flatMap((stack) => Object.values(hcl[stack].module ?? {}).flat() as ModuleBody[]);
    expect(modules.map((m) => m.source).sort()).toEqual(['terraform-aws-modules/eks/aws', 'terraform-aws-modules/vpc/aws']);
    for (const module of modules) expect(module.version).toMatch(/^~> \d+\.\d+$/);
    const versionOf = (source: string) => modules.find((m) => m.source === source)!.version;
    expect(versionOf('terraform-aws-modules/eks/aws')).toMatch(/^~> 21\./);
    expect(versionOf('terraform-aws-modules/vpc/aws')).toMatch(/^~> 6\./);
    for (const stack of STACKS) {
      const terraform = hcl[stack].terraform[0];
      expect(terraform.required_providers[0].aws.version).toBe('~> 6.0');
      expect(terraform.required_version).toBe('>= 1.11.0');
    }
  });

  it('uses an S3 backend with S3-native locking; the cluster key is per developer, set by the job script', () => {
    for (const stack of STACKS) {
      const backend = hcl[stack].terraform[0].backend.s3[0];
      expect(backend).toMatchObject({ use_lockfile: true, encrypt: true });
      expect(backend.dynamodb_table).toBeUndefined();
    }
    expect(hcl.network.terraform[0].backend.s3[0].key).toBe('network/terraform.tfstate');
    // A fixed key in the cluster stack would make every developer share one state.
    expect(hcl.cluster.terraform[0].backend.s3[0].key).toBeUndefined();
    const script = readFileSync(join(REPO, 'scripts', 'terraform.sh'), 'utf8');
    expect(script).toContain('STATE_KEY="clusters/$DEVELOPER_ARG.tfstate"');
    expect(script).toContain('"-backend-config=key=$STATE_KEY"');
  });

  it('tags every cluster resource with turbo:owner, turbo:expires-at and turbo:managed-by', () => {
    const tags = hcl.cluster.locals[0].tags;
    expect(tags).toEqual({ 'turbo:owner': '${var.developer}', 'turbo:expires-at': '${var.expires_at}', 'turbo:managed-by': 'turbo' });
    expect(hcl.cluster.provider.aws[0].default_tags[0].tags).toBe('${local.tags}');
    expect(hcl.cluster.module.eks[0].tags).toBe('${local.tags}');
    expect(hcl.network.locals[0].tags['turbo:managed-by']).toBe('turbo');
    expect(hcl.network.provider.aws[0].default_tags[0].tags).toBe('${local.tags}');
  });

  it('validates every variable (a bool is held by its type alone)', () => {
    const unvalidated = STACKS.flatMap((stack) =>
      Object.entries(hcl[stack].variable)
        .filter(([, [variable]]) => variable!.type !== '${bool}' && !((variable!.validation?.length ?? 0) > 0))
        .map(([name]) => `${stack}.${name}`),
    );
    expect(unvalidated).toEqual([]);
    expect(Object.keys(hcl.cluster.variable).length).toBeGreaterThanOrEqual(12);
  });

  it('holds developer names to the config schema: a DNS-1123 label of at most 24 characters', () => {
    const condition = hcl.cluster.variable.developer[0].validation![0].condition;
    const pattern = /regex\("(.+?)", var\.developer\)/.exec(condition)![1]!.replace(/\\\\/g, '\\');
    expect(pattern).toBe(DNS_LABEL.source);
    expect(condition).toContain(`length(var.developer) <= ${MAX_DEVELOPER_NAME}`);
    const accepts = (name: string) => new RegExp(pattern).test(name) && name.length <= MAX_DEVELOPER_NAME;
    expect(['alice', 'bob-2', 'a'.repeat(24)].every(accepts)).toBe(true);
    expect(['Bob', 'bob;id', '$(id)', '-x', 'bob-', '', 'a'.repeat(25)].some(accepts)).toBe(false);
  });

  it('contains no credentials', () => {
    for (const stack of STACKS) {
      expect(text[stack]).not.toMatch(/AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}/);
      expect(text[stack]).not.toMatch(/\b(access_key|secret_key|token|profile|password|shared_credentials_files)\s*=/);
      expect(Object.keys(hcl[stack].provider.aws[0]).sort()).toEqual(['default_tags', 'region']);
    }
  });

  it('gives the cluster API-only access entries: the developer as cluster admin (a pool member none), image-sync edit on turbo-app', () => {
    const eks = hcl.cluster.module.eks[0];
    expect(eks.authentication_mode).toBe('API');
    expect(Object.keys(eks).filter((input) => /aws_auth/.test(input))).toEqual([]);
    expect(text.cluster).not.toMatch(/source\s*=\s*".*aws-auth/);
    // The entries are an expression (a warm pool member has no developer): the real terraform evaluates it.
    const expression = String(eks.access_entries).replace(/^\$\{([\s\S]*)\}$/, '$1');
    const dir = mkdtempSync(join(tmpdir(), 'turbo-access-'));
    try {
      copyFileSync(join(INFRA, 'cluster', 'variables.tf'), join(dir, 'variables.tf'));
      writeFileSync(
        join(dir, 'entries.tf'),
        `locals {\n  access_policy_prefix = "arn:aws:eks::aws:cluster-access-policy"\n  access_entries = ${expression}\n}\n`,
      );
      expect(terraformIn(dir, ['init', '-input=false']).status).toBe(0);
      const entriesFor = (principal: string) => {
        const result = spawnSync(
          realBinaries('terraform').terraform,
          ['console', ...CONSOLE_VARS, `-var=developer_principal_arn=${principal}`],
          {
            cwd: dir,
            encoding: 'utf8',
            input: 'jsonencode(local.access_entries)\n',
            env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1' },
          },
        );
        expect(result.stderr).toBe('');
        return JSON.parse(JSON.parse(result.stdout.trim()));
      };
      const imageSync = {
        principal_arn: 'arn:aws:iam::123456789012:role/turbo-prod-lambda',
        policy_associations: {
          edit: {
            policy_arn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
            access_scope: { type: 'namespace', namespaces: ['turbo-app'] },
          },
        },
      };
      expect(entriesFor('arn:aws:iam::123456789012:user/alice')).toEqual({
        developer: {
          principal_arn: 'arn:aws:iam::123456789012:user/alice',
          policy_associations: {
            admin: { policy_arn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', access_scope: { type: 'cluster' } },
          },
        },
        image_sync: imageSync,
      });
      expect(entriesFor('')).toEqual({ image_sync: imageSync });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(hcl.cluster.variable.app_namespace[0].default).toBe('turbo-app');
  });

  it('has the VPC CNI enforce NetworkPolicy (enableNetworkPolicy in its configuration values)', () => {
    const cni = hcl.cluster.module.eks[0].addons['vpc-cni'];
    expect(cni.before_compute).toBe(true);
    // hcl2json keeps the expression: `${jsonencode({...})}`; the object inside is what EKS receives as JSON.
    const expression = String(cni.configuration_values);
    expect(expression).toMatch(/^\$\{jsonencode\(\{.*\}\)\}$/s);
    expect(expression.replace(/\s+/g, ' ')).toMatch(/enableNetworkPolicy\s*=\s*"true"/);
  });

  it('keeps the cluster on standard support: EKS upgrades it rather than bill extended support', () => {
    expect(hcl.cluster.module.eks[0].upgrade_policy).toEqual({ support_type: 'STANDARD' });
  });

  it('installs the add-ons, the EBS CSI driver through EKS Pod Identity, and sizes the node group from the config', () => {
    const eks = hcl.cluster.module.eks[0];
    expect(Object.keys(eks.addons).sort()).toEqual(['aws-ebs-csi-driver', 'coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni']);
    expect(eks.addons['aws-ebs-csi-driver'].pod_identity_association).toEqual([
      { role_arn: '${aws_iam_role.ebs_csi.arn}', service_account: 'ebs-csi-controller-sa' },
    ]);
    // Its volumes carry Turbo's stable tags (the job role deletes one by ID only with turbo:managed-by), never the daily expires-at.
    const volumeTags = String(eks.addons['aws-ebs-csi-driver'].configuration_values).replace(/\s+/g, ' ');
    expect(volumeTags).toMatch(/controller = \{ extraVolumeTags = \{ "turbo:owner" = var\.developer "turbo:managed-by" = "turbo" \} \}/);
    expect(volumeTags).not.toContain('expires-at');
    const trust = hcl.cluster.data.aws_iam_policy_document.ebs_csi_trust[0].statement[0];
    expect(trust.principals[0].identifiers).toEqual(['pods.eks.amazonaws.com']);
    expect(hcl.cluster.resource.aws_iam_role_policy_attachment.ebs_csi[0].policy_arn).toMatch(
      /policy\/service-role\/AmazonEBSCSIDriverPolicy$/,
    );
    expect(eks.enable_irsa).toBe(false);
    expect(eks.eks_managed_node_groups.default).toMatchObject({
      instance_types: '${var.node_capacity_type == "SPOT" ? var.node_instance_types : [var.node_instance_types[0]]}',
      capacity_type: '${var.node_capacity_type}',
      ami_type: '${var.node_arch == "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD"}',
      timeouts: { create: '${var.node_capacity_type == "SPOT" ? "${var.spot_wait_minutes}m" : null}' },
      min_size: '${var.node_min_size}',
      desired_size: '${var.node_desired_size}',
      max_size: '${var.node_max_size}',
    });
    expect(eks).toMatchObject({ name: '${local.cluster_name}', kubernetes_version: '${var.kubernetes_version}' });
    expect(hcl.cluster.locals[0].cluster_name).toBe('turbo-${var.developer}');
  });

  describe('node variables, checked by the real terraform (plan of variables.tf alone: no provider to download)', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'turbo-tfvars-'));
      copyFileSync(join(INFRA, 'cluster', 'variables.tf'), join(dir, 'variables.tf'));
      expect(terraformIn(dir, ['init', '-input=false']).status).toBe(0);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const REQUIRED = [
      '-var=developer=alice',
      '-var=region=eu-west-1',
      '-var=kubernetes_version=1.35',
      '-var=developer_principal_arn=arn:aws:iam::123456789012:user/alice',
      '-var=turbo_lambda_role_arn=arn:aws:iam::123456789012:role/turbo-prod-lambda',
      '-var=expires_at=2026-11-24T18:00:00Z',
    ];
    const plan = (...vars: string[]) => terraformIn(dir, ['plan', '-input=false', '-no-color', ...REQUIRED, ...vars]);

    it('accepts Spot Graviton nodes and On-Demand x86 nodes', () => {
      expect(
        plan('-var=node_instance_types=["t4g.medium","c7g.large"]', '-var=node_arch=arm64', '-var=node_capacity_type=SPOT').status,
      ).toBe(0);
      expect(plan('-var=node_instance_types=["t3.medium"]').status).toBe(0);
    });

    it.each([
      [['-var=node_instance_types=["t4g.medium","t3.medium"]', '-var=node_arch=arm64'], 'node_instance_types must match node_arch'],
      [['-var=node_instance_types=["m7g.large"]'], 'node_instance_types must match node_arch'],
      [['-var=node_capacity_type=spot'], 'node_capacity_type must be ON_DEMAND or SPOT'],
      [['-var=node_arch=x86_64'], 'node_arch must be amd64 or arm64'],
      [['-var=node_instance_types=[]'], 'node_instance_types must be a non-empty list'],
      [['-var=spot_wait_minutes=2'], 'spot_wait_minutes must be a whole number from 3 to 60'],
    ])('refuses %j', (vars, message) => {
      const result = plan(...vars);
      expect(result.status).not.toBe(0);
      expect(result.stdout + result.stderr).toContain(message);
    });
  });

  it('outputs the cluster name, endpoint and CA', () => {
    expect(Object.keys(hcl.cluster.output).sort()).toEqual(['cluster_certificate_authority_data', 'cluster_endpoint', 'cluster_name']);
  });

  it('shares one VPC: 2+ AZs, one NAT gateway by default, load balancer subnet tags, IDs published where the cluster reads them', () => {
    const vpc = hcl.network.module.vpc[0];
    expect(hcl.network.variable.single_nat_gateway[0].default).toBe(true);
    expect(hcl.network.variable.az_count[0].validation![0].condition).toContain('var.az_count >= 2');
    expect(vpc).toMatchObject({ enable_nat_gateway: true, single_nat_gateway: '${var.single_nat_gateway}' });
    expect(vpc.public_subnet_tags).toEqual({ 'kubernetes.io/role/elb': '1' });
    expect(vpc.private_subnet_tags).toEqual({ 'kubernetes.io/role/internal-elb': '1' });
    const published = Object.values(hcl.network.resource.aws_ssm_parameter).map((blocks) => blocks[0].name);
    const read = Object.values(hcl.cluster.data.aws_ssm_parameter).map((blocks) =>
      blocks[0].name.replace('network_parameter_prefix', 'parameter_prefix'),
    );
    expect(published).toEqual(expect.arrayContaining(read));
    expect(hcl.network.variable.parameter_prefix[0].default).toBe(hcl.cluster.variable.network_parameter_prefix[0].default);
  });

  it('pulls Docker Hub through an ECR pull-through cache: credentials in an empty Secrets Manager secret ECR can read, the nodes allowed to fill it, its repositories bounded', () => {
    const secret = hcl.network.resource.aws_secretsmanager_secret.docker_hub[0];
    expect(secret.name).toMatch(/^ecr-pullthroughcache\//);
    expect(hcl.network.resource.aws_secretsmanager_secret_version).toBeUndefined();
    expect(hcl.network.resource.aws_ecr_pull_through_cache_rule.docker_hub[0]).toEqual({
      ecr_repository_prefix: '${var.pull_through_cache_prefix}',
      upstream_registry_url: 'registry-1.docker.io',
      credential_arn: '${aws_secretsmanager_secret.docker_hub.arn}',
    });
    const policy = hcl.network.resource.aws_ecr_registry_policy.pull_through[0].policy as string;
    expect(policy).toContain('"ecr:CreateRepository", "ecr:BatchImportUpstreamImage"');
    expect(policy).toContain('role/turbo-*-node');
    // The node role the registry policy names is the one the cluster stack gives its node group.
    expect(hcl.cluster.module.eks[0].eks_managed_node_groups.default.iam_role_name).toBe('${local.cluster_name}-node');
    const template = hcl.network.resource.aws_ecr_repository_creation_template.pull_through[0];
    expect(template.applied_for).toEqual(['PULL_THROUGH_CACHE']);
    expect(template.lifecycle_policy).toContain('imageCountMoreThan');
    expect(hcl.network.output.pull_through_cache[0].value).toMatch(/\.dkr\.ecr\.\$\{var\.region\}\.amazonaws\.com\//);
  });
});
