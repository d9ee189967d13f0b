/** Errors that the state machines route on: their `name` is the ASL error name. */
export class OwnershipLostError extends Error {
  override name = 'Turbo.OwnershipLost';
}

export class ConfigurationError extends Error {
  override name = 'Turbo.ConfigurationError';
}

export class AuthenticationError extends Error {
  override name = 'Turbo.AuthenticationError';
}

/** A transient failure of an outside system that survived the adapter's own retries. Safe to retry later. */
export class TransientError extends Error {
  override name = 'Turbo.TransientError';
}
