/**
 * The one schema for turbo.config.yml, used at package time (serverless.yml), by the CLI and by every handler.
 * Developer names become DNS labels, cluster names, Terraform state keys and shell arguments, so they are
 * held to DNS-1123 and a length that fits every name derived from them.
 */
import { IANAZone, DateTime } from 'luxon';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** `turbo-<name>` must fit EKS, IAM role name prefixes (38) and execution names: keep names short. */
export const MAX_DEVELOPER_NAME = 24;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockTime = z.string().regex(CLOCK_TIME, { message: 'must be a 24-hour time HH:MM' });

const isoDate = z.string().refine((value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value).isValid, {
  message: 'must be a calendar date YYYY-MM-DD',
});

const timeZone = z.string().refine((value) => IANAZone.isValidZone(value), {
  message: 'must be an IANA time zone such as Europe/Berlin',
});

const developerName = z
  .string()
  .max(MAX_DEVELOPER_NAME, { message: `must be at most ${MAX_DEVELOPER_NAME} characters (it becomes a cluster name)` })
  .regex(DNS_LABEL, { message: 'must be a DNS-1123 label: lower-case letters, digits and inner hyphens' });

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{6,20}$/, { message: 'must be a Slack user ID such as U0123ABCD' });
const slackChannelId = z
  .string()
  .regex(/^[CG][A-Z0-9]{6,20}$/, { message: 'must be a Slack channel ID such as C0123ABCD' });
const iamPrincipalArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:(user|role|assumed-role)\/[\w+=,.@\/-]{1,512}$/, {
    message: 'must be an IAM user or role ARN such as arn:aws:iam::123456789012:user/alice',
  });
/** SSM parameter names or Secrets Manager names: never the secret itself. */
const secretName = z.string().regex(/^(\/[\w.\-]+)+$|^secretsmanager:[\w\/+=.@-]+$/, {
  message: 'must be an SSM parameter name such as /turbo/slack/bot-token, or secretsmanager:<name>',
});

const imageRepository = z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*\/[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
  message: 'must be a Docker Hub repository such as acme/turbo-notes (no host, no tag)',
});

const schedule = {
  timezone: timeZone,
  workingDays: z.array(z.enum(WEEKDAYS)).min(1).refine((days) => new Set(days).size === days.length, {
    message: 'must not repeat a day',
  }),
  readyBy: clockTime,
  teardownAt: clockTime,
  holidays: z.array(isoDate),
};

const developer = z
  .object({
    name: developerName,
    slackUserId,
    iamPrincipalArn,
    timezone: schedule.timezone.optional(),
    workingDays: schedule.workingDays.optional(),
    readyBy: schedule.readyBy.optional(),
    teardownAt: schedule.teardownAt.optional(),
    holidays: schedule.holidays.optional(),
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
  webhookTokenParameter: '/turbo/image-sync/webhook-token',
} as const;
const imageSync = z
  .object({
    /** Whether a pre-release tag such as 1.4.0-rc.1 may become the newest version. */
    includePrerelease: z.boolean().default(DEFAULT_IMAGE_SYNC.includePrerelease),
    /** `follow`: the MongoDB StatefulSet rolls like the frontend; `manual`: image-sync never touches it. */
    mongoPolicy: z.enum(['follow', 'manual']).default(DEFAULT_IMAGE_SYNC.mongoPolicy),
    /** The Docker Hub API that lists tags. */
    hubApiUrl: httpUrl.default(DEFAULT_IMAGE_SYNC.hubApiUrl),
    /** The registry (v2 API) that answers manifest HEADs with digests. */
    registryUrl: httpUrl.default(DEFAULT_IMAGE_SYNC.registryUrl),
    /** A rollout not finished this long after its patch has failed. */
    rolloutDeadlineSeconds: z.number().int().min(60).max(3600).default(DEFAULT_IMAGE_SYNC.rolloutDeadlineSeconds),
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
  });

export const configSchema = z
  .object({
    team: developerName,
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'must be an AWS region such as eu-west-1' }),
    ...schedule,
    holidays: schedule.holidays.default([]),
    /** Expected minutes from `up` to a ready cluster: reconcile starts this long before readyBy. */
    leadMinutes: z.number().int().min(5).max(180).default(25),
    /** The latest local time a keep-alive may reach. */
    maxKeepUntil: clockTime.default('23:00'),
    /** The pre-teardown warning (with "keep" and "destroy now" buttons) goes out this long before teardown. */
    warnMinutesBeforeTeardown: z.number().int().min(5).max(240).default(30),
    runner: z
      .object({
        type: z.enum(['codebuild', 'jenkins']),
        codebuild: codebuildRunner.default({ terraformProject: 'turbo-terraform', deployProject: 'turbo-deploy' }),
        jenkins: jenkinsRunner.optional(),
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
        timeoutMinutes: z.number().int().min(5).max(480).default(60),
      })
      .strict()
      .default({ applyMinutes: 12, deployMinutes: 1, destroyMinutes: 10, timeoutMinutes: 60 }),
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
        instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'must be an EC2 instance type such as t3.medium' }),
        nodes: z
          .object({
            min: z.number().int().min(1).max(20),
            desired: z.number().int().min(1).max(20),
            max: z.number().int().min(1).max(20),
          })
          .strict()
          .refine((n) => n.min <= n.desired && n.desired <= n.max, { message: 'must satisfy min <= desired <= max' }),
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
      refuseTeardownBeforeReadyBy(['developers', index], dev.readyBy ?? config.readyBy, dev.teardownAt ?? config.teardownAt, dev.teardownAt !== undefined);
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
  };
}

export interface ConfigProblem {
  /** The field path, e.g. `developers[2].name`. */
  path: string;
  message: string;
  /** The offending value, as found in the file (absent when the field is missing). */
  value?: unknown;
}

export type ConfigResult = { ok: true; config: TurboConfig } | { ok: false; problems: ConfigProblem[] };

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

/** Validates a parsed config object, reporting every problem with its field path and the bad value. */
export function validateConfig(raw: unknown): ConfigResult {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
    const value = valueAt(raw, path);
    const message =
      keys.length > 0
        ? `is not a known field${keys.length > 1 ? ` (also: ${keys.slice(1).join(', ')})` : ''}`
        : issue.code === 'invalid_type' && value === undefined
          ? `is required (${issue.expected})`
          : issue.message;
    return { path: formatPath(path) || '(root)', message, value };
  });
  return { ok: false, problems };
}

/** Parses and validates YAML text. YAML syntax errors are reported as problems too, with their line. */
export function parseConfig(text: string): ConfigResult {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message.split('\n')[0]!.replace(/:$/, '') : String(error);
    return { ok: false, problems: [{ path: '(file)', message: `is not valid YAML: ${message}` }] };
  }
  return validateConfig(raw);
}

export function describeProblem(problem: ConfigProblem): string {
  const value = problem.value === undefined ? '' : ` (got ${JSON.stringify(problem.value)})`;
  return `${problem.path}: ${problem.message}${value}`;
}

export class InvalidConfigError extends Error {
  override name = 'Turbo.InvalidConfig';
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid Turbo config: ${problems.map(describeProblem).join('; ')}`);
  }
}

/** Parses, validates and returns the config, or throws InvalidConfigError naming every problem. */
export function loadConfigText(text: string): TurboConfig {
  const result = parseConfig(text);
  if (!result.ok) throw new InvalidConfigError(result.problems);
  return result.config;
}

export function clusterNameOf(developer: string): string {
  return `turbo-${developer}`;
}
