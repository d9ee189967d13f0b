export interface UserSpec {
  user: string;
  pwd: string;
  roles: { role: string; db: string }[];
}
export interface MongoshDb {
  getSiblingDB(name: string): {
    getUser(name: string): unknown;
    createUser(spec: UserSpec): unknown;
    updateUser(name: string, update: Omit<UserSpec, 'user'>): unknown;
    getCollection(name: string): { createIndex(keys: object, options: object): unknown };
  };
}
export function appUserSpec(input: { username: string; password: string; database: string }): UserSpec;
export function readSecretFile(fs: { readFileSync(path: string, encoding: 'utf8'): string }, path: string, what: string): string;
export function createAppUser(input: {
  db: MongoshDb;
  fs: { readFileSync(path: string, encoding: 'utf8'): string };
  env: Record<string, string | undefined>;
}): { database: string; user: string; created: boolean };
