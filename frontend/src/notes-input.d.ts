import type { NewNote } from './repositories/types';
export class BadInputError extends Error {
  statusCode: 400;
}
export const LIMITS: Readonly<{ text: number; author: number }>;
export function parseNoteInput(body: unknown): NewNote;
