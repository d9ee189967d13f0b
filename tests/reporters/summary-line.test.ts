const SummaryLineReporter = require('./summary-line.cjs');

function run(results: object): string {
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    new SummaryLineReporter().onRunComplete(new Set(), results);
    return write.mock.calls.map((call) => String(call[0])).join('');
  } finally {
    write.mockRestore();
  }
}

const file = (name: string, statuses: Record<string, string>) => ({
  testFilePath: `${process.cwd()}/tests/${name}`,
  testResults: Object.entries(statuses).map(([fullName, status]) => ({ fullName, status })),
});

describe('summary line reporter', () => {
  it('counts and names every test that did not run, whatever jest calls it', () => {
    const output = run({
      numPassedTests: 2,
      numFailedTests: 1,
      numPendingTests: 1,
      numTodoTests: 1,
      numRuntimeErrorTestSuites: 0,
      testResults: [
        file('a.test.ts', { 'a works': 'passed', 'a breaks': 'failed', 'a on MongoDB (no server: MONGODB_URI unset)': 'pending' }),
        file('b.test.ts', { 'b works': 'passed', 'b later': 'todo', 'b elsewhere': 'disabled' }),
      ],
    });

    expect(output).toBe(
      '\nskipped (pending): tests/a.test.ts › a on MongoDB (no server: MONGODB_URI unset)\n' +
        'skipped (todo): tests/b.test.ts › b later\n' +
        'skipped (disabled): tests/b.test.ts › b elsewhere\n' +
        'tests: 2 passed, 1 failed, 3 skipped\n',
    );
  });

  it('says how many test files could not run at all', () => {
    const output = run({
      numPassedTests: 1,
      numFailedTests: 0,
      numRuntimeErrorTestSuites: 2,
      testResults: [file('a.test.ts', { ok: 'passed' })],
    });
    expect(output).toBe('\ntests: 1 passed, 0 failed, 0 skipped, 2 test files could not run\n');
  });
});
