/**
 * A deployed stage as the CLI sees it. The region is --region, else AWS_REGION, else the config's; the table is
 * `turbo-<stage>-environments`; the state machines `turbo-<stage>-environment` and `turbo-<stage>-reconcile` are
 * found with ListStateMachines (their ARNs hold the account ID, which the CLI does not know). Clients use the
 * default credential chain. Also here: what an AWS failure means to the person at the terminal.
 */
import { paginateListStateMachines, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createDocumentClient, DynamoEnvironmentStore } from '../functions/adapters/dynamodb';
import { createSfnClient } from '../functions/adapters/stepfunctions';
import { memberOf, type DeveloperConfig, type TurboConfig } from '../functions/core/config';

/** The names serverless.yml gives a stage's resources (`${self:service}-${sls:stage}-…`, service `turbo`). */
export function stageResourceNames(stage: string) {
  return {
    table: `turbo-${stage}-environments`,
    environmentMachine: `turbo-${stage}-environment`,
    reconcileMachine: `turbo-${stage}-reconcile`,
    /** Failed asynchronous invocations (resources/operations.yml): `turbo dlq`. */
    deadLetterQueue: `turbo-${stage}-async-failures`,
  };
}

/** A failure the person can act on, said in one line (the command exits 1). */
export class StageFailure extends Error {
  override name = 'StageFailure';
}

export const NO_CREDENTIALS_MESSAGE =
  'no AWS credentials found: run `aws configure` (or `aws sso login --profile <name>` and set AWS_PROFILE), ' +
  'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

export interface StageMachines {
  environment: string;
  reconcile: string;
}

export class Stage {
  readonly names: ReturnType<typeof stageResourceNames>;
  readonly store: DynamoEnvironmentStore;
  readonly sfn: SFNClient;
  private readonly sts: STSClient;
  private machinesFound?: Promise<StageMachines>;
  private callerFound?: Promise<string>;

  constructor(
    readonly name: string,
    readonly region: string,
    readonly config: TurboConfig,
  ) {
    this.names = stageResourceNames(name);
    this.store = new DynamoEnvironmentStore(createDocumentClient(region), this.names.table);
    this.sfn = createSfnClient(region);
    this.sts = new STSClient({ region });
  }

  /** Where the stage is, for headers and error messages. */
  describe(): string {
    return `stage "${this.name}" in ${this.region}`;
  }

  /** The roster entry, or a failure that names the developer and lists the roster. */
  developer(name: string): DeveloperConfig {
    const found = memberOf(this.config, name);
    if (found) return found;
    const roster = this.config.developers.map((dev) => dev.name).join(', ');
    throw new StageFailure(`unknown developer "${name}": the roster of team ${this.config.team} is ${roster}`);
  }

  /** Both state machines' ARNs, looked up once. A stage without them was not deployed in this region. */
  machines(): Promise<StageMachines> {
    this.machinesFound ??= this.findMachines();
    return this.machinesFound;
  }

  /** The IAM identity running the CLI: written to the audit entry of every change. */
  callerArn(): Promise<string> {
    this.callerFound ??= this.sts.send(new GetCallerIdentityCommand({})).then(({ Arn }) => {
      if (!Arn) throw new Error('STS GetCallerIdentity returned no ARN');
      return Arn;
    });
    return this.callerFound;
  }

  private async findMachines(): Promise<StageMachines> {
    const wanted = { environment: this.names.environmentMachine, reconcile: this.names.reconcileMachine };
    const kinds = Object.keys(wanted) as (keyof StageMachines)[];
    const found: Partial<StageMachines> = {};
    for await (const page of paginateListStateMachines({ client: this.sfn }, {})) {
      for (const machine of page.stateMachines ?? []) {
        const kind = kinds.find((candidate) => wanted[candidate] === machine.name);
        if (kind && machine.stateMachineArn) found[kind] = machine.stateMachineArn;
      }
      if (kinds.every((kind) => found[kind])) break;
    }
    const missing = kinds.filter((kind) => !found[kind]).map((kind) => wanted[kind]);
    if (missing.length > 0) {
      throw new StageFailure(
        `${this.describe()} was not found: there is no state machine ${missing.join(' or ')} (check --stage and --region)`,
      );
    }
    return found as StageMachines;
  }
}

/** The stage named by --stage, in --region, else AWS_REGION, else the config's region. */
export function openStage(stage: string, regionFlag: string | undefined, config: TurboConfig, env: NodeJS.ProcessEnv = process.env): Stage {
  return new Stage(stage, regionFlag ?? (env.AWS_REGION || config.region), config);
}

function* causes(error: unknown): Generator<{ name?: string; message?: string }> {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    yield current as { name?: string; message?: string };
  }
}

const isMissingCredentials = (error: { name?: string; message?: string }) =>
  error.name === 'CredentialsProviderError' || /CredentialsProviderError|Could not load credentials/.test(error.message ?? '');

/** One line for any failure of a stage command: the usual mistakes get a sentence that says what to do. */
export function describeFailure(error: unknown, stage: Stage): string {
  const chain = [...causes(error)];
  if (chain.some(isMissingCredentials)) return NO_CREDENTIALS_MESSAGE;
  if (chain.some((link) => link.name === 'ResourceNotFoundException')) {
    return `${stage.describe()} was not found: there is no table ${stage.names.table} (check --stage and --region)`;
  }
  if (chain.some((link) => link.name === 'StateMachineDoesNotExist')) {
    return `${stage.describe()} was not found: its state machine does not exist (check --stage and --region)`;
  }
  return chain[0]?.message ?? String(error);
}
