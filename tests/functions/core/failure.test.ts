import { RUN_FAILED_ERROR, runPathOf, unreportedEnd } from '../../../functions/core/failure';

describe('runPathOf: the path a failed run was on, from the jobs it started', () => {
  it('is hibernate for a down that started its hibernate job, wake for an up that started its wake job (even past its deploy)', () => {
    expect(runPathOf('down', ['hibernate'])).toBe('hibernate');
    expect(runPathOf('up', ['wake', 'deploy'])).toBe('wake');
  });

  it('is none for a destroy, an apply, or a run that failed before starting a job', () => {
    expect([runPathOf('down', ['destroy']), runPathOf('up', ['apply', 'deploy']), runPathOf('down', [])]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('unreportedEnd: an environment execution that ended where its failure path could not run', () => {
  it('is a failure to record and tell when the run timed out or was aborted', () => {
    expect(unreportedEnd({ status: 'TIMED_OUT', error: null, cause: null }, 4)).toEqual({
      Error: 'States.Timeout',
      Cause: 'the run did not finish within 4 h and was stopped',
    });
    expect(unreportedEnd({ status: 'ABORTED' }, 4)).toEqual({
      Error: 'States.Aborted',
      Cause: 'the run was aborted (stopped by hand or by a deployment)',
    });
    expect(unreportedEnd({ status: 'ABORTED', cause: 'stopped by ops-lead' }, 4)?.Cause).toBe(
      'the run was aborted (stopped by hand or by a deployment): stopped by ops-lead',
    );
  });

  it('is a failure when the run failed other than through FailOrResume (a States.Runtime error, say)', () => {
    expect(
      unreportedEnd({ status: 'FAILED', error: 'States.Runtime', cause: "The JSONPath '$.job.handle' could not be found" }, 4),
    ).toEqual({
      Error: 'States.Runtime',
      Cause: "the run failed outside its failure path: The JSONPath '$.job.handle' could not be found",
    });
  });

  it('is nothing when the failure path told everyone, or the run succeeded', () => {
    expect(unreportedEnd({ status: 'FAILED', error: RUN_FAILED_ERROR, cause: 'apply job failed' }, 4)).toBeUndefined();
    expect(unreportedEnd({ status: 'SUCCEEDED' }, 4)).toBeUndefined();
    expect(RUN_FAILED_ERROR).toBe('Turbo.RunFailed');
  });
});
