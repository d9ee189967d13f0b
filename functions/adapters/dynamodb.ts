/**
 * EnvironmentStore on DynamoDB: one item per developer (partition key `developer`). Every change of ownership
 * is a conditional write, so two executions can never both own a developer, and a replay finds its own claim.
 */
import { DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand, paginateScan, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { OPS_RECORD, type AmendPatch, type ClaimRequest, type ClaimResult, type EnvironmentRecord, type RolloutLease } from '../core/types';
import type { EnvironmentStore } from '../core/ports';
import { TransientError } from '../core/errors';
import { awsErrorName, translateAwsError } from './retry';
import { decideAmend } from '../core/audit';
import { assertUpdatable, ownershipLost } from '../core/storeRules';

/** The table's keys and billing, for serverless.yml to mirror and tests to create the table with. */
export const ENVIRONMENT_TABLE_SCHEMA: Required<Pick<CreateTableCommandInput, 'AttributeDefinitions' | 'KeySchema' | 'BillingMode'>> = {
  AttributeDefinitions: [{ AttributeName: 'developer', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'developer', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
};

/** Amends that race each other re-read and try again this often before the caller is told to retry. */
const MAX_AMEND_ATTEMPTS = 5;
/** String sets in the table (ADD and DELETE are idempotent on them); the port speaks sorted arrays. */
const STRING_SET_FIELDS = ['notified', 'skipDates'];
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

export function createDocumentClient(region?: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

type Expression = Pick<UpdateCommandInput, 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/** SET for defined values, REMOVE for undefined ones; every name is a placeholder (`status` and `action` are reserved words). */
function assignments(fields: Record<string, unknown>): Expression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const set: string[] = [];
  const remove: string[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (!ATTRIBUTE_NAME.test(field)) throw new Error(`record field "${field}" is not a valid attribute name`);
    names[`#${field}`] = field;
    if (value === undefined) {
      remove.push(`#${field}`);
    } else {
      set.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  const clauses = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''];
  return { UpdateExpression: clauses.filter(Boolean).join(' '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

function toRecord(item: Record<string, unknown>): EnvironmentRecord {
  // `auditVersion` orders amends; `auditKeys` is what older versions kept (amend removes it). Neither is record data.
  const { auditKeys: _auditKeys, auditVersion: _auditVersion, ...record } = item;
  for (const field of STRING_SET_FIELDS) {
    const value = record[field];
    if (value instanceof Set) record[field] = [...value].map(String).sort();
  }
  return record as unknown as EnvironmentRecord;
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A conditional write that was refused, with the record as it stood. */
interface Refused {
  refused: true;
  current: EnvironmentRecord | undefined;
}

export class DynamoEnvironmentStore implements EnvironmentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(developer: string): Promise<EnvironmentRecord | undefined> {
    const item = await this.item(developer);
    return item ? toRecord(item) : undefined;
  }

  private async item(developer: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { developer }, ConsistentRead: true }));
      return Item;
    } catch (error) {
      throw translateAwsError(error, `DynamoDB GetItem ${developer} in ${this.tableName}`);
    }
  }

  async list(): Promise<EnvironmentRecord[]> {
    const records: EnvironmentRecord[] = [];
    try {
      for await (const page of paginateScan({ client: this.client }, { TableName: this.tableName, ConsistentRead: true })) {
        records.push(...(page.Items ?? []).filter((item) => item.developer !== OPS_RECORD).map(toRecord));
      }
    } catch (error) {
      throw translateAwsError(error, `DynamoDB Scan of ${this.tableName}`);
    }
    return records;
  }

  /**
   * Claims when the developer has no record, or one that no other run is provisioning or destroying.
   * A run that already owns the record writes nothing (its jobs and notifications stay) and gets 'already-owned'.
   */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const update = assignments({
      status: request.action === 'up' ? 'provisioning' : 'destroying',
      clusterName: request.clusterName,
      runId: request.runId,
      action: request.action,
      executionArn: request.executionArn,
      startedAt: request.now,
      updatedAt: request.now,
      // A new owner starts clean: the last run's error and jobs are not its own.
      lastError: undefined,
      jobs: undefined,
      jobAttempts: undefined,
      nodeCapacity: undefined,
      applyFinishedAt: undefined,
      applyQueuedSeconds: undefined,
      // An up takes a pool member for a developer, or fills it for nobody; a down keeps the taker to tell.
      ...(request.action === 'up' ? { takenBy: request.takenBy } : {}),
    });
    const take = request.takenBy !== undefined;
    const result = await this.write(
      {
        Key: { developer: request.developer },
        ...update,
        // An up on a ready record has nothing to do: another run already made the cluster (a replayed loser).
        // A run that died outside its failure path leaves a stale claim behind: another run may take it over.
        // A take is the other way round: only a ready pool member that nobody has taken yet.
        // A record claimed since by a run that started after this one is that run's (ClaimRequest.runStartedAt).
        ConditionExpression: take
          ? '#status = :ready AND attribute_not_exists(#takenBy) AND #runId <> :runId'
          : `(attribute_not_exists(#developer) OR (NOT (#status IN (:provisioning, :destroying${request.action === 'up' ? ', :ready' : ''})) AND (attribute_not_exists(#runId) OR #runId <> :runId))` +
            ' OR (#status IN (:provisioning, :destroying) AND #updatedAt < :staleBefore AND #runId <> :runId))' +
            (request.runStartedAt === undefined ? '' : ' AND (attribute_not_exists(#startedAt) OR #startedAt <= :runStartedAt)'),
        ExpressionAttributeNames: { ...update.ExpressionAttributeNames, ...(take ? {} : { '#developer': 'developer' }) },
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ...(take ? {} : { ':provisioning': 'provisioning', ':destroying': 'destroying', ':staleBefore': request.staleBefore }),
          ...(take || request.runStartedAt === undefined ? {} : { ':runStartedAt': request.runStartedAt }),
          ...(request.action === 'up' ? { ':ready': 'ready' } : {}),
        },
      },
      `claim of ${request.developer} by ${request.runId}`,
    );
    if (!('refused' in result)) return { outcome: 'claimed', record: result };
    if (!result.current) {
      throw new TransientError(`claim of ${request.developer} by ${request.runId} was refused, but the record is gone: retry the claim`);
    }
    return { outcome: result.current.runId === request.runId ? 'already-owned' : 'lost', record: result.current };
  }

  async update(developer: string, runId: string, patch: Partial<EnvironmentRecord>): Promise<EnvironmentRecord> {
    assertUpdatable(developer, patch);
    const update = assignments({ ...patch, updatedAt: patch.updatedAt ?? this.now().toISOString() });
    const result = await this.write(
      {
        Key: { developer },
        ...update,
        ConditionExpression: '#runId = :owner',
        ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#runId': 'runId' },
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':owner': runId },
      },
      `update of ${developer} by ${runId}`,
    );
    if ('refused' in result) throw ownershipLost(developer, runId, result.current);
    return result;
  }

  async markNotified(developer: string, key: string): Promise<boolean> {
    const result = await this.write(
      {
        Key: { developer },
        UpdateExpression: 'ADD #notified :keys',
        // Only the ops record is created by its first key: a developer's record is made by a claim or an amend.
        ConditionExpression: `${developer === OPS_RECORD ? '' : 'attribute_exists(#developer) AND '}NOT contains(#notified, :key)`,
        ExpressionAttributeNames: { '#notified': 'notified', ...(developer === OPS_RECORD ? {} : { '#developer': 'developer' }) },
        ExpressionAttributeValues: { ':keys': new Set([notificationKey(key)]), ':key': key },
      },
      `recording notification ${key} for ${developer}`,
    );
    if (!('refused' in result)) return true;
    if (!result.current) throw new Error(`there is no environment record for ${developer}: cannot record notification ${key}`);
    return false;
  }

  async unmarkNotified(developer: string, ...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    // Conditional so that releasing a key never creates a record; a missing record has nothing to release.
    await this.write(
      {
        Key: { developer },
        UpdateExpression: 'DELETE #notified :keys',
        ConditionExpression: 'attribute_exists(#developer)',
        ExpressionAttributeNames: { '#notified': 'notified', '#developer': 'developer' },
        ExpressionAttributeValues: { ':keys': new Set(keys.map(notificationKey)) },
      },
      `releasing notification ${keys.join(', ')} for ${developer}`,
    );
  }

  /**
   * Self-service and image-sync changes, whoever owns the record: never touches status, runId or jobs (a run in
   * progress keeps its claim). A conditional rewrite of the amend's own fields: read the record, decide
   * (core/audit: nothing to write, or the bounded trail with this entry), write only if no other amend came in
   * between (`auditVersion`), else read again. Skip dates are a string set.
   */
  async amend(developer: string, patch: AmendPatch): Promise<EnvironmentRecord> {
    for (const [field, value] of [
      ['addSkipDate', patch.addSkipDate],
      ['removeSkipDate', patch.removeSkipDate],
    ] as const) {
      if (value !== undefined && !LOCAL_DATE.test(value))
        throw new Error(`amend of ${developer}: ${field} "${value}" is not a date YYYY-MM-DD`);
    }
    if (patch.addSkipDate !== undefined && patch.removeSkipDate !== undefined) {
      throw new Error(`amend of ${developer}: addSkipDate and removeSkipDate cannot be given together`);
    }
    if (patch.keepUntil !== undefined && Number.isNaN(Date.parse(patch.keepUntil))) {
      throw new Error(`amend of ${developer}: keepUntil "${patch.keepUntil}" is not an ISO 8601 instant`);
    }
    for (let attempt = 1; attempt <= MAX_AMEND_ATTEMPTS; attempt += 1) {
      const item = await this.item(developer);
      const current = item ? toRecord(item) : undefined;
      const decision = decideAmend(current, patch);
      if (!decision.write) return current!;
      const version = typeof item?.auditVersion === 'number' ? item.auditVersion : undefined;
      const result = await this.write(
        this.amendUpdate(developer, patch, decision.audit, version),
        `amend of ${developer} (${patch.audit.action})`,
      );
      if (!('refused' in result)) return result;
    }
    throw new TransientError(`amend of ${developer} lost ${MAX_AMEND_ATTEMPTS} races with other amends of the same record: retry it`);
  }

  private amendUpdate(
    developer: string,
    patch: AmendPatch,
    audit: AmendPatch['audit'][],
    version: number | undefined,
  ): Omit<UpdateCommandInput, 'TableName'> {
    const set = [
      '#status = if_not_exists(#status, :absent)',
      '#clusterName = if_not_exists(#clusterName, :clusterName)',
      '#updatedAt = :now',
      '#audit = :audit',
      '#auditVersion = :nextVersion',
      ...(patch.keepUntil !== undefined ? ['#keepUntil = :keepUntil'] : []),
      ...(patch.images !== undefined ? ['#images = :images'] : []),
    ];
    const skipDate = patch.addSkipDate ?? patch.removeSkipDate;
    const skipDates =
      patch.addSkipDate !== undefined
        ? ' ADD #skipDates :skipDate'
        : patch.removeSkipDate !== undefined
          ? ' DELETE #skipDates :skipDate'
          : '';
    return {
      Key: { developer },
      UpdateExpression: `SET ${set.join(', ')}${skipDates} REMOVE #auditKeys`,
      // The version read, or no version (a new record, or one no amend of this kind has written yet).
      ConditionExpression: version === undefined ? 'attribute_not_exists(#auditVersion)' : '#auditVersion = :version',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#clusterName': 'clusterName',
        '#updatedAt': 'updatedAt',
        '#audit': 'audit',
        '#auditKeys': 'auditKeys',
        '#auditVersion': 'auditVersion',
        ...(patch.keepUntil !== undefined ? { '#keepUntil': 'keepUntil' } : {}),
        ...(patch.images !== undefined ? { '#images': 'images' } : {}),
        ...(skipDate !== undefined ? { '#skipDates': 'skipDates' } : {}),
      },
      ExpressionAttributeValues: {
        ':absent': 'absent',
        ':clusterName': patch.clusterName,
        ':now': this.now().toISOString(),
        ':audit': audit,
        ':nextVersion': (version ?? 0) + 1,
        ...(version !== undefined ? { ':version': version } : {}),
        ...(patch.keepUntil !== undefined ? { ':keepUntil': patch.keepUntil } : {}),
        ...(patch.images !== undefined ? { ':images': patch.images } : {}),
        ...(skipDate !== undefined ? { ':skipDate': new Set([skipDate]) } : {}),
      },
    };
  }

  /** core/storeRules rolloutLeaseRefused, negated, as a ConditionExpression. */
  async takeRolloutLease(lease: RolloutLease, now: string): Promise<{ taken: true } | { taken: false; holder: RolloutLease }> {
    const result = await this.write(
      {
        Key: { developer: OPS_RECORD },
        UpdateExpression: 'SET #lease = :lease',
        ConditionExpression:
          'attribute_not_exists(#lease) OR #lease.#execution = :execution OR #lease.#release <> :release OR #lease.#until <= :now',
        ExpressionAttributeNames: { '#lease': 'rolloutLease', '#execution': 'execution', '#release': 'release', '#until': 'until' },
        ExpressionAttributeValues: { ':lease': lease, ':execution': lease.execution, ':release': lease.release, ':now': now },
      },
      `rollout lease of ${lease.release} for ${lease.execution}`,
    );
    if (!('refused' in result)) return { taken: true };
    const holder = result.current?.rolloutLease;
    if (!holder) throw new TransientError(`the rollout lease for ${lease.execution} was refused, but nobody holds it: retry`);
    return { taken: false, holder };
  }

  async releaseRolloutLease(execution: string): Promise<void> {
    // Refused when another run holds the lease (or none does): then there is nothing of this run's to give up.
    await this.write(
      {
        Key: { developer: OPS_RECORD },
        UpdateExpression: 'REMOVE #lease',
        ConditionExpression: '#lease.#execution = :execution',
        ExpressionAttributeNames: { '#lease': 'rolloutLease', '#execution': 'execution' },
        ExpressionAttributeValues: { ':execution': execution },
      },
      `release of the rollout lease by ${execution}`,
    );
  }

  /** A conditional UpdateItem. A refusal comes back with the current record: from the error where DynamoDB sends it, else read. */
  private async write(input: Omit<UpdateCommandInput, 'TableName'>, doing: string): Promise<EnvironmentRecord | Refused> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({ ...input, TableName: this.tableName, ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );
      return toRecord(Attributes ?? {});
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') {
        throw translateAwsError(error, `DynamoDB UpdateItem (${doing}) in ${this.tableName}`);
      }
      const oldItem = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const current = oldItem ? toRecord(unmarshall(oldItem)) : await this.get(String(input.Key?.developer));
      return { refused: true, current };
    }
  }
}

function notificationKey(key: string): string {
  if (key.trim() === '') throw new Error('notification key must not be empty');
  return key;
}
