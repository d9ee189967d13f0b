/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that any CI log reader understands.
 * Every test that did not run counts as skipped and is named above that line (its title says why), and a test file
 * that could not run at all is counted too: nothing passes as if it ran.
 */
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const lines = [];
    let skipped = 0;
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === 'passed' || test.status === 'failed') continue;
        skipped += 1;
        lines.push(`skipped (${test.status}): ${relative(file.testFilePath)} › ${test.fullName}`);
      }
    }
    const broken = results.numRuntimeErrorTestSuites;
    const files = broken ? `, ${broken} test file${broken === 1 ? '' : 's'} could not run` : '';
    lines.push(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped${files}`);
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}

function relative(path) {
  const root = `${process.cwd()}/`;
  return path.startsWith(root) ? path.slice(root.length) : path;
}

module.exports = SummaryLineReporter;
