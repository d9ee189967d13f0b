/**
 * The proof that a rolling update loses no request: real app processes behind a proxy that routes only to
 * ready instances (as a Service's endpoints do), steady load, and a roll of both instances. The harness is
 * bench/frontend.ts, which also prints the figures.
 */
import { rollingUpdateUnderLoad } from '../../bench/frontend';
import { startFerretDB } from '../support/realsvc/ferretdb';

describe('rolling update under load', () => {
  it('answers every one of at least 5,000 requests while both instances are replaced', async () => {
    const roll = await rollingUpdateUnderLoad({ minRequests: 5000, shutdownDelayMs: 1000, fromVersion: '1.0.0', toVersion: '1.1.0' });

    expect(roll.requests).toBeGreaterThanOrEqual(5000);
    expect({ failed: roll.failed, non2xx: roll.non2xx, errors: roll.errors, timeouts: roll.timeouts }).toEqual({
      failed: 0,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
    });
    // The load really went through all four instances, and the old ones drained and exited cleanly.
    expect(Object.keys(roll.servedBy)).toEqual(['1.0.0#1', '1.0.0#2', '1.1.0#3', '1.1.0#4']);
    for (const served of Object.values(roll.servedBy)) expect(served).toBeGreaterThan(0);
    expect(roll.oldExits).toEqual([0, 0]);
    expect(roll.finalPage).toContain('<span class="version">v1.1.0</span>');
  });

  it('answers every request with both instances on FerretDB, each old one draining its real database connection', async () => {
    const ferretdb = await startFerretDB();
    try {
      const roll = await rollingUpdateUnderLoad({ minRequests: 3000, shutdownDelayMs: 1000, mongodbUri: ferretdb.uri('turbo-notes-roll') });

      expect({ failed: roll.failed, non2xx: roll.non2xx, errors: roll.errors, timeouts: roll.timeouts }).toEqual({
        failed: 0,
        non2xx: 0,
        errors: 0,
        timeouts: 0,
      });
      expect(roll.requests).toBeGreaterThanOrEqual(3000);
      for (const served of Object.values(roll.servedBy)) expect(served).toBeGreaterThan(0);
      // Exit 0 means the shutdown closed the MongoDB client cleanly after the drain (lifecycle.js exits 1 otherwise).
      expect(roll.oldExits).toEqual([0, 0]);
      expect(roll.finalPage).toContain('<span class="version">v1.1.0</span>');
    } finally {
      await ferretdb.stop();
    }
  });

  it('would catch lost requests: killing instances without a drain fails some (the control)', async () => {
    const roll = await rollingUpdateUnderLoad({ minRequests: 1000, stopSignal: 'SIGKILL' });
    expect(roll.oldExits).toEqual(['SIGKILL', 'SIGKILL']);
    expect(roll.failed).toBeGreaterThan(0);
  });
});
