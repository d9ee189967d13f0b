/** A CommandIo that records what a command writes, working in a fresh temporary folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo } from '../../cli/io';

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

const root = mkdtempSync(join(tmpdir(), 'turbo-cli-'));
// Registered for every test file that imports this helper.
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh folder holding the given files (name → text), removed after the test file. */
export function folderWith(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(root, 'case-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
