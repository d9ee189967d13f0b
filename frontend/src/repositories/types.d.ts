export interface Note {
  id: string;
  text: string;
  author: string;
  createdAt: Date;
}

export interface NewNote {
  text: string;
  author: string;
}

/** The app's only view of storage: MongoDB in clusters, memory for local runs and tests. */
export interface NotesRepository {
  readonly kind: 'memory' | 'mongodb';
  /** Newest first, at most 200. */
  list(): Promise<Note[]>;
  add(note: NewNote): Promise<Note>;
  /** False when no note has this id (a malformed id included). */
  remove(id: string): Promise<boolean>;
  /** Rejects while storage is unreachable: readiness follows it. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
