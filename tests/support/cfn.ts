/** The parts of a CloudFormation template that the stack tests read; a resource's other properties stay unknown. */
import type { PolicyStatement } from '../../cli/rehearsal/iam';

/** A policy statement is the IAM checker's own type. */
export type { PolicyStatement };

export interface InlinePolicy {
  PolicyName: string;
  PolicyDocument: { Version?: string; Statement: PolicyStatement[] };
}

export interface CfnResource<Properties = Record<string, unknown>> {
  Type: string;
  Properties: Properties;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

/** The statements of a role's inline policies, in order. */
export function inlineStatementsOf(role: CfnResource): PolicyStatement[] {
  const policies = (role.Properties.Policies ?? []) as InlinePolicy[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

/** A statement's actions as a list (IAM allows one string or a list). */
export const actionsOf = (statement: PolicyStatement): string[] => [statement.Action ?? []].flat();
