import { MAX_NAMED_FAILURES, tallyStarts } from '../../../functions/core/fanout';

describe('tallyStarts', () => {
  it('is zero failures for no results and for results without failures: a clean tick', () => {
    expect(tallyStarts([])).toEqual({ count: 0, failed: [] });
    expect(
      tallyStarts([
        { count: 0, failed: [] },
        { count: 0, failed: [] },
      ]),
    ).toEqual({ count: 0, failed: [] });
  });

  it('sums the counts of starts and of batches alike, names in order', () => {
    expect(
      tallyStarts([
        { count: 1, failed: ['bob-up-20261124: X'] },
        { count: 0, failed: [] },
        { count: 2, failed: ['a: Y', 'c: Z'] },
      ]),
    ).toEqual({
      count: 3,
      failed: ['bob-up-20261124: X', 'a: Y', 'c: Z'],
    });
  });

  it('keeps the count exact and the names bounded when thousands fail', () => {
    const batch = { count: 100, failed: Array.from({ length: 100 }, (_, i) => `dev${i}-up-20261124: StepFunctions.ThrottlingException`) };
    const tally = tallyStarts(Array.from({ length: 50 }, () => batch));
    expect(tally.count).toBe(5000);
    expect(tally.failed).toHaveLength(MAX_NAMED_FAILURES);
  });
});
