/** A CommandIo that records what a command writes, working in a fresh temporary folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo } from '../../cli/main';

export interface Captured {
  io: CommandIo;
  stdout(): string;
  stderr(): string;
}

export function captureIn(cwd: string): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (text) => void out.push(text), stderr: (text) => void err.push(text), cwd },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

/** A fresh folder holding the given files (name → text). */
export function folderWith(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'turbo-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
