import type { Note } from './repositories/types';
interface Build {
  version: string;
  commit: string;
}
export function escapeHtml(value: unknown): string;
export function notesPage(page: Build & { notes: Note[] }): string;
export function errorPage(page: Build & { statusCode: number; message: string }): string;
