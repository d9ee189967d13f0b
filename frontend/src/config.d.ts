export interface AppConfig {
  port: number;
  host: string;
  mongodbUri?: string;
  mongodbUsername?: string;
  mongodbPassword?: string;
  version: string;
  commit: string;
  shutdownDelayMs: number;
  logLevel: string;
}
export function readConfig(env: Record<string, string | undefined>): AppConfig;
