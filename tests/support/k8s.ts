/**
 * A Kubernetes object as a test reads it: kubernetes-models' type with every optional field taken as set. What the tests
 * read (a rendered manifest, an API server's answer) sets the fields they read; where a field may be absent, the test
 * still checks for it, and one that is missing fails the test that reads it.
 */
export type Complete<T> = T extends readonly (infer U)[]
  ? Complete<U>[]
  : T extends object
    ? { [K in keyof T]-?: Complete<NonNullable<T[K]>> }
    : T;
