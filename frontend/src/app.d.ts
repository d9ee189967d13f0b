import type { FastifyInstance } from 'fastify';
import type { NotesRepository } from './repositories/types';

export interface Readiness {
  /** True from the first step of a graceful shutdown on: /readyz answers 503. */
  draining: boolean;
}
export const BODY_LIMIT_BYTES: number;
export function buildApp(options: {
  repository: NotesRepository;
  version: string;
  commit: string;
  logLevel?: string;
}): { app: FastifyInstance; readiness: Readiness };
