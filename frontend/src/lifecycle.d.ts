import type { Readiness } from './app';
import type { NotesRepository } from './repositories/types';

interface Log {
  info(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}
export function createGracefulShutdown(options: {
  app: { close(): Promise<unknown> };
  repository: Pick<NotesRepository, 'close' | 'kind'>;
  readiness: Readiness;
  delayMs: number;
  log: Log;
  exit: (code: number) => void;
}): (signal: string) => Promise<void>;
