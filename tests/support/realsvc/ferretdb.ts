/**
 * FerretDB (built by tools/realsvc/build.sh) on loopback with its SQLite backend: a real MongoDB wire-protocol
 * server for the notes repository, reached with the real `mongodb` driver. It is not MongoDB; where the two differ
 * in something the app uses, the test that meets it says so.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, realBinaries, startDaemon, waitUntilReady } from './binaries';

export interface FerretDB {
  /** A mongodb:// URI for database `database` on this server. */
  uri(database: string): string;
  stop(): Promise<void>;
}

export async function startFerretDB(): Promise<FerretDB> {
  const dir = mkdtempSync(join(tmpdir(), 'turbo-ferretdb-'));
  mkdirSync(join(dir, 'data'));
  const port = await freePort();
  const daemon = startDaemon(
    'ferretdb',
    realBinaries('ferretdb').ferretdb,
    [
      `--listen-addr=127.0.0.1:${port}`,
      '--handler=sqlite',
      `--sqlite-url=file:${join(dir, 'data')}/`,
      `--state-dir=${dir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=WARN',
    ],
    dir,
  );
  const stop = async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(
      daemon,
      `it listened on port ${port}`,
      () =>
        new Promise<boolean>((done) => {
          const socket = connect(port, '127.0.0.1', () => (socket.destroy(), done(true)));
          socket.on('error', () => done(false));
        }),
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { uri: (database) => `mongodb://127.0.0.1:${port}/${database}`, stop };
}
