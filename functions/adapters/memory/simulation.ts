/** What the in-memory cloud's fakes share: realistic durations, varied deterministically per developer, and the AWS call hook. */

export interface Durations {
  applySeconds: number;
  /** From the start of apply until the control plane is ACTIVE; the node group follows a minute later. */
  clusterReadySeconds: number;
  deploySeconds: number;
  destroySeconds: number;
  /** Each duration varies by up to this fraction, deterministically per developer. */
  jitter: number;
}

export const REALISTIC_DURATIONS: Durations = {
  applySeconds: 12 * 60,
  clusterReadySeconds: 10 * 60,
  deploySeconds: 60,
  destroySeconds: 10 * 60,
  jitter: 0.02,
};

/** A deterministic fraction in [-1, 1] from a string, so that rehearsals are repeatable. */
export function spread(key: string): number {
  let hash = 2166136261;
  for (const char of key) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return ((hash >>> 0) / 0xffffffff) * 2 - 1;
}

/** `seconds` varied by the jitter for `key`, in milliseconds. */
export function jitteredMs(durations: Durations, seconds: number, key: string): number {
  return Math.round(seconds * (1 + durations.jitter * spread(key)) * 1000);
}

/** Told of every AWS API call a fake makes, with the IAM action the real adapter needs. */
export type AwsCallListener = (action: string, resource: string) => void;
