/**
 * The one schema for turbo.config.yml, used at package time (serverless.yml), by the CLI and by every handler.
 * Developer names become DNS labels, cluster names, Terraform state keys and shell arguments, so they are
 * held to DNS-1123 and a length that fits every name derived from them.
 */
import { closest, distance } from 'fastest-levenshtein';
import { DateTime } from 'luxon';
import * as z from 'zod';
import { CLOCK_TIME, isTimeZone } from './clock';
import { InvalidConfigError } from './errors';
import instanceSpecs from './instance-types.json';
import prices from './prices.json';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** `turbo-<name>` must fit EKS, IAM role name prefixes (38) and execution names: keep names short. */
export const MAX_DEVELOPER_NAME = 24;
/** CodeBuild's concurrent-build quota at its lowest, for a new account (its quotas page): the unstated runner quota. */
export const NEW_ACCOUNT_CONCURRENT_BUILDS = 5;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clockTime = z.string().regex(CLOCK_TIME, { message: 'must be a 24-hour time HH:MM' });

const isoDate = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value).isValid, {
  message: 'must be a calendar date YYYY-MM-DD',
});

const timeZone = z.string().refine(isTimeZone, {
  message: 'must be an IANA time zone such as Europe/Berlin',
});

const developerName = z
  .string()
  .max(MAX_DEVELOPER_NAME, { message: `must be at most ${MAX_DEVELOPER_NAME} characters (it becomes a cluster name)` })
  .regex(DNS_LABEL, { message: 'must be a DNS-1123 label: lower-case letters, digits and inner hyphens' });

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{6,20}$/, { message: 'must be a Slack user ID such as U0123ABCD' });
const slackChannelId = z.string().regex(/^[CG][A-Z0-9]{6,20}$/, { message: 'must be a Slack channel ID such as C0123ABCD' });
const iamPrincipalArn = z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:(user|role|assumed-role)\/[\w+=,.@/-]{1,512}$/, {
  message: 'must be an IAM user or role ARN such as arn:aws:iam::123456789012:user/alice',
});
/** SSM parameter names or Secrets Manager names: never the secret itself. */
const secretName = z.string().regex(/^(\/[\w.-]+)+$|^secretsmanager:[\w/+=.@-]+$/, {
  message: 'must be an SSM parameter name such as /turbo/slack/bot-token, or secretsmanager:<name>',
});

const imageRepository = z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*\/[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
  message: 'must be a Docker Hub repository such as acme/turbo-notes (no host, no tag)',
});

const schedule = {
  timezone: timeZone,
  workingDays: z
    .array(z.enum(WEEKDAYS))
    .min(1)
    .refine((days) => new Set(days).size === days.length, {
      message: 'must not repeat a day',
    }),
  readyBy: clockTime,
  teardownAt: clockTime,
  holidays: z.array(isoDate),
};

/** Node options (capacity, architecture) a developer may set apart from the team's. */
export const CAPACITY_TYPES = ['on-demand', 'spot'] as const;
export const NODE_ARCHES = ['amd64', 'arm64'] as const;
export type CapacityType = (typeof CAPACITY_TYPES)[number];
export type NodeArch = (typeof NODE_ARCHES)[number];
const nodeChoice = {
  /** spot: the node group asks for Spot capacity across the arch's instance types, and falls back to On-Demand. */
  capacity: z.enum(CAPACITY_TYPES),
  /** arm64: Graviton nodes (the images are multi-arch). */
  arch: z.enum(NODE_ARCHES),
};
export const INSTANCE_SPECS: Record<string, { arch: NodeArch; vcpus: number; memoryGiB: number }> = instanceSpecs.types as Record<
  string,
  { arch: NodeArch; vcpus: number; memoryGiB: number }
>;
const instanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'must be an EC2 instance type such as t3.medium' });
/**
 * What the evening does to a developer's cluster: `destroy` removes it (cheapest, about 15 minutes to get back);
 * `hibernate` scales its node group to zero and keeps the control plane and the app's data (a few minutes back).
 */
export const MODES = ['destroy', 'hibernate'] as const;
export type Mode = (typeof MODES)[number];
const mode = z.enum(MODES, { message: `must be one of ${MODES.join(', ')}` });

const developer = z
  .object({
    name: developerName,
    mode: mode.optional(),
    slackUserId,
    iamPrincipalArn,
    timezone: schedule.timezone.optional(),
    workingDays: schedule.workingDays.optional(),
    readyBy: schedule.readyBy.optional(),
    teardownAt: schedule.teardownAt.optional(),
    holidays: schedule.holidays.optional(),
    nodes: z.object({ capacity: nodeChoice.capacity.optional(), arch: nodeChoice.arch.optional() }).strict().optional(),
  })
  .strict();

/** A warm pool's member is named `pool-<n>` (core/pool): with a pool, no developer may take such a name. */
export const POOL_MEMBER_NAME = /^pool-([1-9]\d*)$/;
/** The most clusters a warm pool keeps ready (each costs a control plane and its nodes all day). */
export const MAX_POOL_SIZE = 20;

const pool = z
  .object({
    /** Clusters kept created and ready, with no developer and no app, during the pool's hours (0: no pool). */
    size: z.number().int().min(0).max(MAX_POOL_SIZE).default(0),
    /** In the team's timezone; default: the team's earliest readyBy to its latest teardownAt. */
    hours: z.object({ start: clockTime, end: clockTime }).strict().optional(),
  })
  .strict();

const codebuildRunner = z
  .object({
    terraformProject: z.string().min(2).max(150).default('turbo-terraform'),
    deployProject: z.string().min(2).max(150).default('turbo-deploy'),
  })
  .strict();

const jenkinsRunner = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    terraformJob: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/, { message: 'must be a job path such as team/turbo-terraform' }),
    deployJob: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/, { message: 'must be a job path such as team/turbo-deploy' }),
    userParameter: secretName,
    tokenParameter: secretName,
  })
  .strict();

/**
 * image-sync: how new images are chosen and rolled out. The two base URLs are the only place a registry host is
 * named; tests, rehearsals and teams on another registry set them.
 */
const httpUrl = z.url({ protocol: /^https?$/ });
export const DEFAULT_IMAGE_SYNC = {
  includePrerelease: false,
  mongoPolicy: 'manual',
  hubApiUrl: 'https://hub.docker.com',
  registryUrl: 'https://registry-1.docker.io',
  rolloutDeadlineSeconds: 900,
  canary: { clusters: 5, toleratedFailures: 1 },
  webhookTokenParameter: '/turbo/image-sync/webhook-token',
} as const;
const imageSync = z
  .object({
    /** Whether a pre-release tag such as 1.4.0-rc.1 may become the newest version. */
    includePrerelease: z.boolean().default(DEFAULT_IMAGE_SYNC.includePrerelease),
    /** `follow`: the MongoDB StatefulSet rolls like the frontend; `manual`: image-sync never touches it. */
    mongoPolicy: z.enum(['follow', 'manual']).default(DEFAULT_IMAGE_SYNC.mongoPolicy),
    /**
     * Docker Hub's hub API, which lists the tags; null: the registry lists them itself (`/v2/<name>/tags/list`, as
     * ECR, GHCR, Harbor and the distribution registry do). Unset: Docker Hub's when registryUrl is Docker Hub's
     * registry, else null.
     */
    hubApiUrl: httpUrl.nullable().optional(),
    /** The registry (v2 API) that answers manifest HEADs with digests. */
    registryUrl: httpUrl.default(DEFAULT_IMAGE_SYNC.registryUrl),
    /** A rollout not finished this long after its patch has failed. */
    rolloutDeadlineSeconds: z.number().int().min(60).max(3600).default(DEFAULT_IMAGE_SYNC.rolloutDeadlineSeconds),
    /**
     * The failure budget (core/images budgetKeys): every environment rolls at once; when more than
     * `toleratedFailures` fail before `clusters` of them run the release, the release stops (nothing more is
     * patched, rollouts still going are rolled back). `clusters: 0` never stops a release.
     */
    canary: z
      .object({
        clusters: z.number().int().min(0).max(100).default(DEFAULT_IMAGE_SYNC.canary.clusters),
        toleratedFailures: z.number().int().min(0).max(100).default(DEFAULT_IMAGE_SYNC.canary.toleratedFailures),
      })
      .strict()
      .prefault({}),
    /** The webhook's secret path segment: POST /hooks/images/{token}. */
    webhookTokenParameter: secretName.default(DEFAULT_IMAGE_SYNC.webhookTokenParameter),
    /** For private repositories: a Docker Hub user and its access token. Public ones need neither. */
    registryUserParameter: secretName.optional(),
    registryTokenParameter: secretName.optional(),
  })
  .strict()
  .refine((sync) => (sync.registryUserParameter === undefined) === (sync.registryTokenParameter === undefined), {
    message: 'registryUserParameter and registryTokenParameter go together (both or neither)',
    path: ['registryTokenParameter'],
  })
  .transform(({ hubApiUrl, ...sync }) => {
    // Only Docker Hub has a hub API: a team that moves registryUrl elsewhere must not have its tags listed by Docker Hub.
    const onDockerHub = sync.registryUrl === DEFAULT_IMAGE_SYNC.registryUrl;
    return { ...sync, hubApiUrl: hubApiUrl === undefined ? (onDockerHub ? DEFAULT_IMAGE_SYNC.hubApiUrl : null) : hubApiUrl };
  });

/**
 * Who CloudWatch alarms reach, through the stage's SNS topic: never through Slack, which may be what is down.
 * Each email address gets a subscription (confirmed by its owner); a pager takes the optional HTTPS endpoint.
 */
const alerts = z
  .object({
    emails: z.array(z.email({ message: 'must be an email address such as ops@example.com' })).default([]),
    httpsEndpoint: z.url({ protocol: /^https$/, message: "must be an https:// URL (a pager's SNS endpoint)" }).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    team: developerName,
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'must be an AWS region such as eu-west-1' })
      // turbo cost and the weekly report price every cluster: a region without prices cannot be reported on.
      .refine((region) => region in prices.regions, {
        message: `has no prices in core/prices.json (the EKS regions it prices: ${Object.keys(prices.regions).join(', ')})`,
      }),
    ...schedule,
    holidays: schedule.holidays.default([]),
    /** Expected minutes from `up` to a ready cluster: reconcile starts this long before readyBy. */
    leadMinutes: z.number().int().min(5).max(180).default(25),
    /** The latest local time a keep-alive may reach. */
    maxKeepUntil: clockTime.default('23:00'),
    /** The team's mode; a developer's own `mode` wins. */
    mode: mode.default('destroy'),
    /** A hibernated cluster not woken for this many days (a holiday) is destroyed: its control plane costs all day. */
    hibernateIdleDays: z.number().int().min(1).max(30).default(3),
    /** The pre-teardown warning (with "keep" and "destroy now" buttons) goes out this long before teardown. */
    warnMinutesBeforeTeardown: z.number().int().min(5).max(240).default(30),
    /** The warm pool (core/pool): ready clusters that `up` outside a developer's schedule takes in minutes. */
    pool: pool.prefault({}),
    runner: z
      .object({
        type: z.enum(['codebuild', 'jenkins']),
        codebuild: codebuildRunner.default({ terraformProject: 'turbo-terraform', deployProject: 'turbo-deploy' }),
        jenkins: jenkinsRunner.optional(),
        /**
         * Jobs that run at once: CodeBuild's concurrent-build quota or Jenkins's executors. Jobs beyond it queue, as
         * both runners queue them. Unstated, it is what a new account can get ("as low as 5", CodeBuild's quotas
         * page), so that an unstated quota is never one the planner overestimates.
         */
        maxConcurrentJobs: z.number().int().min(1).max(10_000).default(NEW_ACCOUNT_CONCURRENT_BUILDS),
      })
      .strict()
      .refine((runner) => runner.type !== 'jenkins' || runner.jenkins !== undefined, {
        message: 'runner.type is jenkins, so runner.jenkins (url, jobs, credential parameters) is required',
        path: ['jenkins'],
      }),
    /** Expected job durations: the wait loops poll rarely at first and often near the expected end. */
    jobs: z
      .object({
        applyMinutes: z.number().min(1).max(120).default(12),
        deployMinutes: z.number().min(0.5).max(60).default(1),
        destroyMinutes: z.number().min(1).max(120).default(10),
        /** Hibernate: the node group scaled to zero and its instances terminated. */
        hibernateMinutes: z.number().min(0.5).max(60).default(3),
        /** Wake: the node group scaled up and its nodes Ready (the deploy job follows). */
        wakeMinutes: z.number().min(0.5).max(60).default(3),
        timeoutMinutes: z.number().int().min(5).max(480).default(60),
      })
      .strict()
      .prefault({}),
    slack: z
      .object({
        tokenParameter: secretName,
        /** Verifies that requests to the interactivity endpoint come from Slack. */
        signingSecretParameter: secretName.default('/turbo/slack/signing-secret'),
        opsChannel: slackChannelId,
      })
      .strict(),
    cluster: z
      .object({
        kubernetesVersion: z.string().regex(/^1\.\d{2}$/, { message: 'must be a Kubernetes minor version such as 1.35' }),
        /** The amd64 node type (On-Demand), and the first of instanceTypes.amd64 when that is unset. */
        instanceType,
        /** Per architecture, types of one size: Spot draws on all of them (more pools, fewer shortages), On-Demand on the first. */
        instanceTypes: z
          .object({ amd64: z.array(instanceType).min(1).optional(), arm64: z.array(instanceType).min(1).optional() })
          .strict()
          .default({}),
        nodes: z
          .object({
            min: z.number().int().min(1).max(20),
            desired: z.number().int().min(1).max(20),
            max: z.number().int().min(1).max(20),
            capacity: nodeChoice.capacity.default('on-demand'),
            arch: nodeChoice.arch.default('amd64'),
            /** A Spot node group not ACTIVE this long after its creation began falls back to On-Demand. */
            spotWaitMinutes: z.number().int().min(3).max(60).default(10),
          })
          .strict()
          .refine((n) => n.min <= n.desired && n.desired <= n.max, { message: 'must satisfy min <= desired <= max' }),
        /**
         * The account's ECR pull-through cache for Docker Hub (infra-tf/network creates it, with the Docker Hub
         * token in Secrets Manager that only ECR reads): `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`. The
         * nodes pull every image through it, so Docker Hub sees one authenticated pull per image, not one anonymous
         * pull per cluster through the NAT's one address. Unset: the nodes pull from Docker Hub anonymously.
         */
        pullThroughCache: z
          .string()
          .regex(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9][a-z0-9._-]*$/, {
            message: 'must be an ECR pull-through cache such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub',
          })
          .optional(),
      })
      .strict(),
    /** The app's two images, as Docker Hub repositories (namespace/name), without a tag. */
    images: z
      .object({
        frontend: imageRepository,
        mongo: imageRepository,
      })
      .strict(),
    imageSync: imageSync.prefault({}),
    ops: z.array(slackUserId).default([]),
    alerts: alerts.prefault({}),
    developers: z.array(developer).min(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A day's window runs from readyBy to teardownAt on the same local day (core/plan relies on it).
    const refuseTeardownBeforeReadyBy = (path: PropertyKey[], readyBy: string, teardownAt: string, onTeardown: boolean) => {
      // Zod runs this refinement even when a time is malformed: that one is reported on its own.
      if (!CLOCK_TIME.test(readyBy) || !CLOCK_TIME.test(teardownAt) || teardownAt > readyBy) return;
      ctx.addIssue({
        code: 'custom',
        path: [...path, onTeardown ? 'teardownAt' : 'readyBy'],
        message: onTeardown ? `must be later than readyBy (${readyBy})` : `must be earlier than teardownAt (${teardownAt})`,
        input: onTeardown ? teardownAt : readyBy,
      });
    };
    refuseTeardownBeforeReadyBy([], config.readyBy, config.teardownAt, true);
    config.developers.forEach((dev, index) => {
      if (dev.readyBy === undefined && dev.teardownAt === undefined) return;
      refuseTeardownBeforeReadyBy(
        ['developers', index],
        dev.readyBy ?? config.readyBy,
        dev.teardownAt ?? config.teardownAt,
        dev.teardownAt !== undefined,
      );
    });
    for (const problem of nodeProblems(config)) ctx.addIssue({ code: 'custom', ...problem });
    const hours = config.pool.hours;
    if (hours && CLOCK_TIME.test(hours.start) && CLOCK_TIME.test(hours.end) && hours.end <= hours.start) {
      ctx.addIssue({
        code: 'custom',
        path: ['pool', 'hours', 'end'],
        message: `must be later than pool.hours.start (${hours.start})`,
        input: hours.end,
      });
    }
    config.developers.forEach((dev, index) => {
      if (config.pool.size === 0 || !POOL_MEMBER_NAME.test(dev.name)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['developers', index, 'name'],
        message: "is a warm pool member's name (pool-<n>) and pool.size is not 0: choose another name",
        input: dev.name,
      });
    });
    const seen = new Map<string, number>();
    config.developers.forEach((dev, index) => {
      const first = seen.get(dev.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['developers', index, 'name'],
          message: `duplicates developers[${first}].name`,
          input: dev.name,
        });
      } else {
        seen.set(dev.name, index);
      }
    });
  });

export type TurboConfig = z.output<typeof configSchema>;
export type DeveloperConfig = TurboConfig['developers'][number];

type NodeSettings = Pick<TurboConfig['cluster'], 'instanceType' | 'instanceTypes' | 'nodes'>;

/** The instance types of `arch`, first the On-Demand one; undefined when the config names none for it. */
function instanceTypesOf(cluster: NodeSettings, arch: NodeArch): string[] | undefined {
  return cluster.instanceTypes[arch] ?? (arch === 'amd64' ? [cluster.instanceType] : undefined);
}

/**
 * Node types must exist in INSTANCE_SPECS, match their architecture and share one size (vCPUs and memory), so a
 * Spot shortage of one type never leaves a developer on a smaller node. The arm64 types are the amd64 ones' size
 * too: a developer's arch then changes the price, not the capacity (and `turbo cost` compares like with like).
 * Every arch someone uses needs its types.
 */
function nodeProblems(config: Pick<TurboConfig, 'cluster' | 'developers'>): { path: PropertyKey[]; message: string; input: unknown }[] {
  const cluster = config.cluster;
  const problems: { path: PropertyKey[]; message: string; input: unknown }[] = [];
  // Zod may run this refinement over a cluster that failed its own checks: those are reported on their own.
  if (!cluster?.instanceTypes || !cluster.nodes || !Array.isArray(config.developers)) return problems;
  const explicitAmd64 = cluster.instanceTypes.amd64;
  if (explicitAmd64 && explicitAmd64[0] !== cluster.instanceType) {
    problems.push({
      path: ['cluster', 'instanceTypes', 'amd64', 0],
      message: `must be cluster.instanceType (${cluster.instanceType}), the On-Demand type`,
      input: explicitAmd64[0],
    });
  }
  for (const arch of NODE_ARCHES) {
    const types = instanceTypesOf(cluster, arch);
    const path: PropertyKey[] = cluster.instanceTypes[arch] ? ['cluster', 'instanceTypes', arch] : ['cluster', 'instanceType'];
    types?.forEach((type, index) => {
      const at = cluster.instanceTypes[arch] ? [...path, index] : path;
      const spec = INSTANCE_SPECS[type];
      const first = INSTANCE_SPECS[types[0]!];
      if (!spec) {
        problems.push({
          path: at,
          message: `is not a known instance type (core/instance-types.json has ${Object.keys(INSTANCE_SPECS).join(', ')})`,
          input: type,
        });
      } else if (spec.arch !== arch) {
        const hint = arch === 'arm64' ? 'a Graviton type such as t4g.medium or m7g.large' : 'an x86_64 type such as t3.medium';
        problems.push({ path: at, message: `is an ${spec.arch} type: ${arch} nodes need ${hint}`, input: type });
      } else if (first && (spec.vcpus !== first.vcpus || spec.memoryGiB !== first.memoryGiB)) {
        problems.push({
          path: at,
          message: `has ${spec.vcpus} vCPUs and ${spec.memoryGiB} GiB, but ${types[0]} has ${first.vcpus} and ${first.memoryGiB}: one size for all`,
          input: type,
        });
      }
    });
  }
  const onDemand = INSTANCE_SPECS[cluster.instanceType];
  const graviton = cluster.instanceTypes.arm64?.[0];
  const gravitonSpec = graviton === undefined ? undefined : INSTANCE_SPECS[graviton];
  if (onDemand?.arch === 'amd64' && gravitonSpec?.arch === 'arm64') {
    if (gravitonSpec.vcpus !== onDemand.vcpus || gravitonSpec.memoryGiB !== onDemand.memoryGiB) {
      problems.push({
        path: ['cluster', 'instanceTypes', 'arm64', 0],
        message: `has ${gravitonSpec.vcpus} vCPUs and ${gravitonSpec.memoryGiB} GiB, but cluster.instanceType ${cluster.instanceType} has ${onDemand.vcpus} and ${onDemand.memoryGiB}: arm64 nodes are the size of amd64's`,
        input: graviton,
      });
    }
  }
  const users: [PropertyKey[], NodeArch][] = [
    [['cluster', 'nodes', 'arch'], cluster.nodes.arch],
    ...config.developers.map((dev, index): [PropertyKey[], NodeArch] => [
      ['developers', index, 'nodes', 'arch'],
      dev.nodes?.arch ?? cluster.nodes.arch,
    ]),
  ];
  for (const arch of NODE_ARCHES) {
    const user = users.find(([, used]) => used === arch);
    if (user && !instanceTypesOf(cluster, arch)) {
      problems.push({
        path: ['cluster', 'instanceTypes', arch],
        message: `is required: ${formatPath(user[0])} is ${arch} (list Graviton types of one size, such as [t4g.medium, c7g.large])`,
        input: undefined,
      });
    }
  }
  return problems;
}

/** A developer's nodes: the team's choice unless they override it, and the instance types of their arch. */
export interface DeveloperNodes {
  capacity: CapacityType;
  arch: NodeArch;
  /** The On-Demand type first; Spot uses all of them. */
  instanceTypes: string[];
}

export function nodesOf(config: Pick<TurboConfig, 'cluster'>, dev: Pick<DeveloperConfig, 'nodes'> | undefined): DeveloperNodes {
  const capacity = dev?.nodes?.capacity ?? config.cluster.nodes.capacity;
  const arch = dev?.nodes?.arch ?? config.cluster.nodes.arch;
  const instanceTypes = instanceTypesOf(config.cluster, arch);
  if (!instanceTypes)
    throw new Error(`cluster.instanceTypes.${arch} is not set, but ${arch} nodes are asked for (the schema refuses this)`);
  return { capacity, arch, instanceTypes };
}

/** A developer's schedule with the team defaults filled in. */
export interface DeveloperSchedule {
  name: string;
  slackUserId: string;
  iamPrincipalArn: string;
  timezone: string;
  workingDays: Weekday[];
  readyBy: string;
  teardownAt: string;
  holidays: string[];
  mode: Mode;
}

export function scheduleOf(config: TurboConfig, dev: DeveloperConfig): DeveloperSchedule {
  return {
    name: dev.name,
    slackUserId: dev.slackUserId,
    iamPrincipalArn: dev.iamPrincipalArn,
    timezone: dev.timezone ?? config.timezone,
    workingDays: dev.workingDays ?? config.workingDays,
    readyBy: dev.readyBy ?? config.readyBy,
    teardownAt: dev.teardownAt ?? config.teardownAt,
    holidays: dev.holidays ?? config.holidays,
    mode: dev.mode ?? config.mode,
  };
}

export interface ConfigProblem {
  /** The field path, e.g. `developers[2].name`. */
  path: string;
  message: string;
  /** The offending value, as found in the file (absent when the field is missing). */
  value?: unknown;
}

/** A valid config, and whether it left the runner's quota unstated (configWarnings says what that assumes). */
export type ConfigResult = { ok: true; config: TurboConfig; unstatedQuota?: true } | { ok: false; problems: ConfigProblem[] };

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The fields of the schema's object at `path` (array indexes, and wrappers such as defaults and transforms, looked through). */
function knownFieldsAt(path: readonly PropertyKey[]): string[] {
  type Node = { _zod: { def: { type: string; innerType?: Node; in?: Node; element?: Node } }; shape?: Record<string, Node> };
  const unwrap = (node: Node | undefined): Node | undefined => {
    // A transform is a pipe whose input is the object the user writes.
    while (node && (node._zod.def.innerType || node._zod.def.in)) node = node._zod.def.innerType ?? node._zod.def.in;
    return node;
  };
  let node = unwrap(configSchema as unknown as Node);
  for (const key of path) {
    node = unwrap(typeof key === 'number' ? node?._zod.def.element : node?.shape?.[String(key)]);
  }
  return Object.keys(node?.shape ?? {});
}

/** "did you mean timezone?" for a misspelt field: the nearest known one, if it is near enough to be a typo. */
function didYouMean(key: string, known: string[]): string {
  const nearest = closest(
    key.toLowerCase(),
    known.map((field) => field.toLowerCase()),
  );
  if (nearest === undefined || distance(key.toLowerCase(), nearest) > Math.max(2, Math.floor(key.length / 3))) return '';
  return `; did you mean ${known.find((field) => field.toLowerCase() === nearest)}?`;
}

/** Validates a parsed config object, reporting every problem with its field path and the bad value. */
export function validateConfig(raw: unknown): ConfigResult {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) {
    const unstatedQuota = valueAt(raw, ['runner', 'maxConcurrentJobs']) === undefined;
    return unstatedQuota ? { ok: true, config: parsed.data, unstatedQuota } : { ok: true, config: parsed.data };
  }
  const problems = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownFieldsAt(issue.path);
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: `is not a known field${didYouMean(key, known)}`,
        value: valueAt(raw, [...issue.path, key]),
      }));
    }
    const value = valueAt(raw, issue.path);
    const message = issue.code === 'invalid_type' && value === undefined ? `is required (${issue.expected})` : issue.message;
    return [{ path: formatPath(issue.path) || '(root)', message, value }];
  });
  return { ok: false, problems };
}

export function describeProblem(problem: ConfigProblem): string {
  const value = problem.value === undefined ? '' : ` (got ${JSON.stringify(problem.value)})`;
  return `${problem.path}: ${problem.message}${value}`;
}

/** The config of a validation, or InvalidConfigError naming every problem. */
export function configOrThrow(result: ConfigResult): TurboConfig {
  if (!result.ok) throw new InvalidConfigError(`invalid Turbo config: ${result.problems.map(describeProblem).join('; ')}`, result.problems);
  return result.config;
}

/** How often reconcile runs (serverless.yml's schedule): an up may start up to one tick after its ideal moment. */
export const RECONCILE_TICK_MINUTES = 15;

/** The files a config is looked for in, in order, when none is named. */
export const CONFIG_FILES = ['turbo.config.yml', 'turbo.config.yaml'] as const;

/** The first of CONFIG_FILES that exists, by the caller's test. */
export function findConfigFile(exists: (name: string) => boolean): string | undefined {
  return CONFIG_FILES.find(exists);
}

/** The example's placeholders: its AWS account and Slack IDs made of a word, zeros and a 1 (U0ALICE001, C0OPS00001). */
const EXAMPLE_ACCOUNT = '123456789012';
const EXAMPLE_SLACK_ID = /^[UWCG]0[A-Z]+0*1$/;

/**
 * What is valid but probably wrong: placeholders left from turbo.config.example.yml, and a lead time too short to
 * cover the apply and deploy jobs plus the wait for the next reconcile tick (so clusters would be ready late).
 */
export function configWarnings(config: TurboConfig, unstatedQuota = false): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  if (unstatedQuota) {
    warnings.push({
      path: 'runner.maxConcurrentJobs',
      message:
        `is not set: the planner staggers the day's ups for ${NEW_ACCOUNT_CONCURRENT_BUILDS} jobs at once, the lowest concurrent-build ` +
        "quota CodeBuild gives a new account; set your account's quota (Service Quotas), or Jenkins's executors",
    });
  }
  const slackIds: [PropertyKey[], string][] = [
    [['slack', 'opsChannel'], config.slack.opsChannel],
    ...config.ops.map((id, index): [PropertyKey[], string] => [['ops', index], id]),
    ...config.developers.map((dev, index): [PropertyKey[], string] => [['developers', index, 'slackUserId'], dev.slackUserId]),
  ];
  for (const [path, id] of slackIds) {
    if (EXAMPLE_SLACK_ID.test(id))
      warnings.push({ path: formatPath(path), message: "looks like the example's placeholder: put the real Slack ID", value: id });
  }
  config.developers.forEach((dev, index) => {
    if (dev.iamPrincipalArn.split(':')[4] === EXAMPLE_ACCOUNT) {
      warnings.push({
        path: `developers[${index}].iamPrincipalArn`,
        message: `is in the example's account ${EXAMPLE_ACCOUNT}: put the real ARN`,
        value: dev.iamPrincipalArn,
      });
    }
  });
  const cache = config.cluster.pullThroughCache;
  const [cacheAccount, , , cacheRegion] = cache?.split('.') ?? [];
  if (cache && cacheAccount === EXAMPLE_ACCOUNT) {
    warnings.push({
      path: 'cluster.pullThroughCache',
      message: `is in the example's account ${EXAMPLE_ACCOUNT}: put the real one`,
      value: cache,
    });
  }
  if (cache && cacheRegion !== config.region) {
    // It works, but every node's pulls then cross regions: slower, and billed as inter-region transfer.
    warnings.push({
      path: 'cluster.pullThroughCache',
      message: `is in ${cacheRegion}, not the clusters' region ${config.region}: every pull crosses regions`,
      value: cache,
    });
  }
  const spotTypes = NODE_ARCHES.filter((arch) =>
    config.developers.some((dev) => nodesOf(config, dev).capacity === 'spot' && nodesOf(config, dev).arch === arch),
  ).filter((arch) => nodesOf(config, { nodes: { arch } }).instanceTypes.length === 1);
  for (const arch of spotTypes) {
    warnings.push({
      path: config.cluster.instanceTypes[arch] ? `cluster.instanceTypes.${arch}` : 'cluster.instanceType',
      message: `Spot nodes with one ${arch} instance type: add types of the same size, so a shortage of one does not force On-Demand`,
      value: nodesOf(config, { nodes: { arch } }).instanceTypes,
    });
  }
  const needed = config.jobs.applyMinutes + config.jobs.deployMinutes + RECONCILE_TICK_MINUTES;
  const spotNeeded = needed + config.cluster.nodes.spotWaitMinutes;
  if (
    config.leadMinutes >= needed &&
    config.leadMinutes < spotNeeded &&
    config.developers.some((dev) => nodesOf(config, dev).capacity === 'spot')
  ) {
    warnings.push({
      path: 'leadMinutes',
      message:
        `cannot cover a Spot fallback: ${needed} min for the jobs and one tick + cluster.nodes.spotWaitMinutes ` +
        `(${config.cluster.nodes.spotWaitMinutes}) = ${spotNeeded}; on a day without Spot capacity, Spot clusters may be ready after readyBy`,
      value: config.leadMinutes,
    });
  }
  // A wake's lead is minutes: a Spot shortage then costs the wake's timeout and an On-Demand apply (README, Spot).
  const hibernatingOnSpot = config.developers.flatMap((dev, index) =>
    scheduleOf(config, dev).mode === 'hibernate' && nodesOf(config, dev).capacity === 'spot' ? [index] : [],
  );
  if (hibernatingOnSpot.length > 0) {
    const [first] = hibernatingOnSpot;
    const others = hibernatingOnSpot.length - 1;
    warnings.push({
      path: `developers[${first}]`,
      message:
        `hibernates on Spot nodes${others > 0 ? ` (and ${others} more developer${others === 1 ? '' : 's'})` : ''}: a morning without Spot ` +
        `capacity waits out the wake (10 min) and applies On-Demand (jobs.applyMinutes ${config.jobs.applyMinutes}), so it is late, ` +
        'and the cluster runs On-Demand that day (its evening hibernation puts the Spot node group back)',
      value: config.developers[first!]!.name,
    });
  }
  if (config.leadMinutes < needed) {
    warnings.push({
      path: 'leadMinutes',
      message:
        `cannot cover jobs.applyMinutes (${config.jobs.applyMinutes}) + jobs.deployMinutes (${config.jobs.deployMinutes}) + one reconcile ` +
        `tick (${RECONCILE_TICK_MINUTES}) = ${needed}: clusters may be ready after readyBy; set it to ${Math.ceil(needed)} or more`,
      value: config.leadMinutes,
    });
  }
  return warnings;
}

/** The tag that marks a cluster as Turbo's, with its developer as the value. */
export const OWNER_TAG = 'turbo:owner';

export function clusterNameOf(developer: string): string {
  return `turbo-${developer}`;
}

/**
 * Each roster's entries by name, built once per roster (and again if it grew or shrank): handlers look one developer
 * up in thousands on every call.
 */
const rosterIndexes = new WeakMap<readonly DeveloperConfig[], { size: number; byName: Map<string, DeveloperConfig> }>();

/** The roster entry of `name`, if it is on the roster (the first, as the roster is read). */
export function memberOf(config: Pick<TurboConfig, 'developers'>, name: string): DeveloperConfig | undefined {
  let index = rosterIndexes.get(config.developers);
  if (index?.size !== config.developers.length) {
    const byName = new Map<string, DeveloperConfig>();
    for (const dev of config.developers) if (!byName.has(dev.name)) byName.set(dev.name, dev);
    index = { size: config.developers.length, byName };
    rosterIndexes.set(config.developers, index);
  }
  return index.byName.get(name);
}

/** The roster entry whose Slack user is `slackUserId`, if any. */
export function memberBySlackUser(config: Pick<TurboConfig, 'developers'>, slackUserId: string): DeveloperConfig | undefined {
  return config.developers.find((dev) => dev.slackUserId === slackUserId);
}
