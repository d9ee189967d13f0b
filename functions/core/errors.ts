/**
 * Every error Turbo raises on purpose. Its `name` is the error name the state machines see (the Lambda
 * integration passes it through as `Error`), so it is part of the contract with statemachines/*.yml.
 *
 * | error                      | raised by                                   | state machines              |
 * |----------------------------|---------------------------------------------|-----------------------------|
 * | Turbo.TransientError       | adapters (429, 5xx, timeouts after retries) | Retry (2 s, ×2, 5 attempts) |
 * | Lambda.* service errors    | the Lambda service itself                   | Retry (same)                |
 * | Turbo.OwnershipLost        | store.update, StartJob                      | Catch                       |
 * | Turbo.ConfigurationError   | adapters: a setting or name is wrong        | Catch                       |
 * | Turbo.AuthenticationError  | adapters: credentials refused               | Catch                       |
 * | Turbo.InvalidInput         | every handler's input schema, Slack parsing | Catch                       |
 * | Turbo.InvalidConfig        | the bundled config fails its schema         | Catch                       |
 * | Turbo.JobFailed            | CheckJob: the runner's job failed           | Catch                       |
 * | Turbo.WaitExhausted        | CheckJob, CheckCluster: the bound is hit    | Catch                       |
 * | Turbo.ClusterFailed        | CheckCluster: EKS reports FAILED            | Catch                       |
 * | Turbo.RunFailed            | FailOrResume: the run ends failed           | ends the execution          |
 * | Turbo.NoRelease            | ResolveImages: no semver tag                | Catch                       |
 * | Turbo.WorkloadMissing      | RollOut: the app's workload is not there    | Catch (per cluster)         |
 * | Turbo.RolloutFailed        | CheckRollout: the rollout failed            | Catch (per cluster)         |
 * | Turbo.UnknownPrice         | core/cost: region missing from prices.json  | (CLI and weekly report)     |
 *
 * Only Turbo.TransientError (and the Lambda service's own errors) is retried: anything else goes to the state's
 * Catch, which records the error and tells the developer and ops. Turbo.CanaryFailed and Turbo.StartFailed are
 * raised by Fail states in the ASL itself. An error translated from another keeps it as `cause`.
 */

export abstract class TurboError extends Error {
  abstract override readonly name: `Turbo.${string}`;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Another run owns the developer's record now: this one must stop without touching anything. */
export class OwnershipLostError extends TurboError {
  override readonly name = 'Turbo.OwnershipLost';
}

export class ConfigurationError extends TurboError {
  override readonly name = 'Turbo.ConfigurationError';
}

export class AuthenticationError extends TurboError {
  override readonly name = 'Turbo.AuthenticationError';
}

/** A transient failure of an outside system that survived the adapter's own retries. Safe to retry later. */
export class TransientError extends TurboError {
  override readonly name = 'Turbo.TransientError';
}

/** Input that fails its schema: a handler's event, a Slack command. The message names the field and the value. */
export class InvalidInputError extends TurboError {
  override readonly name = 'Turbo.InvalidInput';
}

/** The config fails its schema; `problems` name each field, its rule and the value found. */
export class InvalidConfigError extends TurboError {
  override readonly name = 'Turbo.InvalidConfig';

  constructor(
    message: string,
    readonly problems: readonly { path: string; message: string; value?: unknown }[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class JobFailedError extends TurboError {
  override readonly name = 'Turbo.JobFailed';
}

export class WaitExhaustedError extends TurboError {
  override readonly name = 'Turbo.WaitExhausted';
}

export class ClusterFailedError extends TurboError {
  override readonly name = 'Turbo.ClusterFailed';
}

export class RunFailedError extends TurboError {
  override readonly name = 'Turbo.RunFailed';
}

export class NoReleaseError extends TurboError {
  override readonly name = 'Turbo.NoRelease';
}

export class WorkloadMissingError extends TurboError {
  override readonly name = 'Turbo.WorkloadMissing';
}

export class RolloutFailedError extends TurboError {
  override readonly name = 'Turbo.RolloutFailed';
}

export class UnknownPriceError extends TurboError {
  override readonly name = 'Turbo.UnknownPrice';
}
