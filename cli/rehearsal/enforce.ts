/**
 * IAM enforced by execution in rehearsals, soaks, workflow tests and the fault matrix: every AWS call a handler makes
 * through the in-memory cloud (its `onAwsCall(action, resource name)`) is turned into the ARN the real adapter would
 * ask for, in the rehearsal's account, region and stage, and judged against the calling function's own role in the
 * packaged template (iam.ts). Each state machine's service integrations (lambda:InvokeFunction, states:StartExecution,
 * the ItemReader's s3:GetObject, a Distributed Map's child executions) are judged against the machine's role. A call
 * the role does not allow fails as AWS fails it, and is recorded with who made it, in which execution.
 */
import type { TurboConfig } from '../../functions/core/config';
import { codebuildProjectsOf } from '../../functions/core/jobs';
import { translateAwsError } from '../../functions/adapters/retry';
import { decide, type Decision, resolveValue, resourcesOf, roleOf, type AwsEnv, type SdkInput, type Template } from './iam';
import { ACCOUNT_ID, type PackagedStack } from './packaged';
import type { Invocation, LocalExecution } from './local-sfn';

export interface DeniedCall {
  /** The function's or the state machine's packaged name. */
  principal: string;
  action: string;
  resource: string;
  execution?: string;
  developer?: string;
  at: number;
  reason: string;
}

/** One denied call in words, for the rehearsal's output, the fault matrix and the soak's findings. */
export function describeDenied(denied: DeniedCall): string {
  const execution = denied.execution ? `, in ${denied.execution.split(':').pop()}` : '';
  return `AccessDenied: ${denied.principal} may not ${denied.action} on ${denied.resource} (${denied.reason}${execution})`;
}

const SECRETS_MANAGER_PREFIX = 'secretsmanager:';

/** What IAM says when no statement allows a call, as the SDK's error carries it. */
function accessDenied(role: string, session: string, action: string, resource: string, reason: string): Error {
  const because = reason === 'explicit deny' ? 'with an explicit deny' : `because no identity-based policy allows the ${action} action`;
  const message = `User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role}/${session} is not authorized to perform: ${action} on resource: ${resource} ${because}`;
  return Object.assign(new Error(message), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
}

/** Enforcers whose findings nobody has read yet: the tests' setup fails a test that leaves a denial unread. */
const unread = new Set<IamEnforcer>();

/** The denied and unattributed calls of every enforcer whose findings were not read (then forgets them all). */
export function unreadIamFindings(): string[] {
  const findings = [...unread].flatMap((enforcer) => [
    ...enforcer.denied.map(describeDenied),
    ...enforcer.unattributed.map((call) => `unattributed: ${call.action} on ${call.resource}`),
  ]);
  unread.clear();
  return findings;
}

export class IamEnforcer {
  private readonly deniedCalls: DeniedCall[] = [];
  private readonly unattributedCalls: { action: string; resource: string }[] = [];
  private readonly env: AwsEnv;
  private readonly template: Template;
  private readonly environments = new Map<string, Record<string, string>>();
  private readonly machineRoles = new Map<string, string>();
  private readonly decisions = new Map<string, Decision>();
  private readonly resources = new Map<string, string[]>();

  constructor(
    private readonly stack: PackagedStack,
    private readonly config: TurboConfig,
  ) {
    unread.add(this);
    this.env = { region: stack.region, accountId: ACCOUNT_ID, partition: 'aws' };
    this.template = stack.template as unknown as Template;
    for (const [key, machine] of Object.entries(stack.stateMachines)) {
      const resource = Object.values(this.template.Resources).find(
        (candidate) => candidate.Type === 'AWS::StepFunctions::StateMachine' && candidate.Properties?.StateMachineName === machine.name,
      );
      const role = (resource?.Properties?.RoleArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
      if (!role) throw new Error(`state machine ${machine.name} names its role as no GetAtt of a role in the template`);
      this.machineRoles.set(key, role);
    }
  }

  /** The calls a role refused, each with who made it, where, in which execution (reading them is heeding them). */
  get denied(): DeniedCall[] {
    unread.delete(this);
    return this.deniedCalls;
  }

  /** AWS calls made with no Lambda running and no operator named: a lost invocation context, which a test shows is none. */
  get unattributed(): { action: string; resource: string }[] {
    unread.delete(this);
    return this.unattributedCalls;
  }

  /** A function's environment as the template gives it: the names its real adapters would use. */
  private environmentOf(logicalId: string): Record<string, string> {
    let variables = this.environments.get(logicalId);
    if (!variables) {
      const environment = resolveValue(this.template, this.template.Resources[logicalId]?.Properties?.Environment, this.env) as {
        Variables?: Record<string, string>;
      } | null;
      variables = environment?.Variables ?? {};
      this.environments.set(logicalId, variables);
    }
    return variables;
  }

  /** The SDK input the real adapter sends for an in-memory call on `name` (a developer, a job kind, a cluster, a key). */
  private inputOf(logicalId: string, action: string, name: string): SdkInput {
    const variables = this.environmentOf(logicalId);
    const [service] = action.split(':');
    if (service === 'dynamodb') return { TableName: variables.TURBO_TABLE ?? '(TURBO_TABLE is not set)' };
    if (service === 'codebuild') {
      const projects = codebuildProjectsOf(this.config.runner.codebuild, variables.TURBO_STAGE ?? '');
      const project = name === 'deploy' ? projects.deployProject : projects.terraformProject;
      return { projectName: project, ids: [`${project}:0b1c2d3e-0000-4000-8000-000000000000`] };
    }
    if (service === 'eks') return { name, clusterName: name, nodegroupName: 'default' };
    if (service === 'ssm') return { Name: name };
    if (service === 'secretsmanager') return { SecretId: name.slice(SECRETS_MANAGER_PREFIX.length) };
    if (service === 's3') {
      const slash = name.indexOf('/');
      return { Bucket: name.slice(0, slash), Key: name.slice(slash + 1) };
    }
    throw new Error(`no in-memory resource mapping for ${action} (${name}): add it to cli/rehearsal/enforce.ts`);
  }

  /**
   * A call a Lambda makes through a port, on a resource named as the in-memory cloud names it (or an ARN). Denied,
   * it throws what the real adapter throws for an AccessDeniedException (translateAwsError).
   */
  lambdaCall(caller: Invocation | undefined, action: string, name: string): void {
    if (!caller) {
      this.unattributedCalls.push({ action, resource: name });
      return;
    }
    // The operator's own credentials (the console, the CLI) are no role of the stack.
    if (caller.logicalId === undefined) return;
    // The in-memory runner stands for Jenkins too, which is HTTP with credentials, not IAM.
    if (action.startsWith('codebuild:') && this.config.runner.type !== 'codebuild') return;
    const key = `${caller.logicalId}\n${action}\n${name}`;
    let resources = this.resources.get(key);
    if (!resources) {
      resources = name.startsWith('arn:') ? [name] : resourcesOf(action, this.inputOf(caller.logicalId, action, name), this.env);
      this.resources.set(key, resources);
    }
    for (const resource of resources) {
      const denial = this.judge(caller.logicalId, caller.functionName, action, resource, caller.execution);
      if (denial) throw translateAwsError(denial, `${action} on ${resource}`);
    }
  }

  /** A state machine's service integration; denied, it throws the error the state fails with, named `errorName`. */
  machineCall(execution: LocalExecution, action: string, resource: string, errorName: string): void {
    // A Distributed Map's children (`<machine>/<state>`) run under their parent's role.
    const key = execution.machine.split('/')[0]!;
    const role = this.machineRoles.get(key);
    if (!role) throw new Error(`no packaged state machine ${key}`);
    const denial = this.judge(role, this.stack.stateMachines[key]!.name, action, resource, execution);
    if (denial) throw Object.assign(denial, { name: errorName });
  }

  /** The AccessDenied error for a call the principal's role does not allow (recorded), or undefined when allowed. */
  private judge(principal: string, name: string, action: string, resource: string, execution?: LocalExecution): Error | undefined {
    // The template and the request context are fixed, so each (role, action, resource) is decided once: a soak asks millions.
    const key = `${principal}\n${action}\n${resource}`;
    let decision = this.decisions.get(key);
    if (!decision) this.decisions.set(key, (decision = decide(this.template, principal, action, resource, {}, this.env)));
    if (decision.allowed) return undefined;
    const developer = execution?.input.developer;
    this.deniedCalls.push({
      principal: name,
      action,
      resource,
      execution: execution?.arn,
      developer: typeof developer === 'string' ? developer : undefined,
      at: Date.now(),
      reason: decision.reason,
    });
    const roleId = roleOf(this.template, principal);
    const role = resolveValue(this.template, this.template.Resources[roleId]!.Properties?.RoleName ?? roleId, this.env);
    return accessDenied(String(role), name, action, resource, decision.reason);
  }
}
