import type { NotesRepository } from './types';
export function createMemoryRepository(): NotesRepository;
