import { copyJson } from '../../../../functions/adapters/memory/json';

describe('copyJson', () => {
  it('copies nested objects and arrays, so that changing the copy leaves the original as it was', () => {
    const original = { developer: 'alice', jobs: { apply: { id: 'build-1', attempts: [1, 2] } }, notified: ['a:ready'] };
    const copy = copyJson(original);
    expect(copy).toEqual(original);
    copy.jobs.apply.attempts.push(3);
    copy.notified[0] = 'changed';
    (copy as { developer: string }).developer = 'bob';
    expect(original).toEqual({ developer: 'alice', jobs: { apply: { id: 'build-1', attempts: [1, 2] } }, notified: ['a:ready'] });
    expect(copy.jobs).not.toBe(original.jobs);
  });

  it('gives back what is not an object as it is: strings, numbers, booleans and null', () => {
    expect(copyJson('text')).toBe('text');
    expect(copyJson(42)).toBe(42);
    expect(copyJson(false)).toBe(false);
    expect(copyJson(null)).toBeNull();
    expect(copyJson([null, 'x', { y: [0] }])).toEqual([null, 'x', { y: [0] }]);
  });
});
