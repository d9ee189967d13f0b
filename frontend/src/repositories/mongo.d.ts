import type { NotesRepository } from './types';
export function createMongoRepository(options: {
  uri: string;
  username?: string;
  password?: string;
  serverSelectionTimeoutMS?: number;
}): NotesRepository;
