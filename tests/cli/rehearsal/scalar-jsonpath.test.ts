/** The unwrapped JSONPath the local Step Functions uses answers exactly as jsonpath-plus's own, scalars included. */
import { StateMachine } from 'aws-local-stepfunctions';
import { jsonPathModule, originalJsonPath, useUnwrappedJsonPath } from '../../../cli/rehearsal/scalar-jsonpath';

const json = {
  developer: 'alice',
  count: 3,
  zero: 0,
  none: null,
  flag: false,
  empty: '',
  items: [{ name: 'a' }, { name: 'b' }],
  nested: { deep: { x: 1 } },
};
const paths = [
  '$',
  '$.developer',
  '$.count',
  '$.zero',
  '$.none',
  '$.flag',
  '$.empty',
  '$.items',
  '$.items[1].name',
  '$.nested.deep',
  '$.missing',
  '$.items[*].name',
];

describe('the unwrapped JSONPath', () => {
  beforeAll(() => useUnwrappedJsonPath());

  it('is what aws-local-stepfunctions calls, once swapped in (twice is the same)', () => {
    const swapped = jsonPathModule.JSONPath;
    useUnwrappedJsonPath();
    expect(swapped).not.toBe(originalJsonPath);
    expect(jsonPathModule.JSONPath).toBe(swapped);
  });

  it.each(paths)('%s evaluates to what jsonpath-plus itself gives', (path) => {
    expect(jsonPathModule.JSONPath({ path, json, wrap: false })).toEqual(originalJsonPath({ path, json, wrap: false }));
  });

  it('leaves wrapped calls to jsonpath-plus', () => {
    expect(jsonPathModule.JSONPath({ path: '$.count', json })).toEqual([3]);
  });

  it('serves a state machine: a scalar through InputPath and Parameters, and a missing path still fails as States.Runtime', async () => {
    const machine = new StateMachine(
      {
        StartAt: 'Pick',
        States: {
          Pick: { Type: 'Pass', InputPath: '$.nested.deep', Parameters: { 'x.$': '$.x', 'name.$': '$$.Execution.Name' }, End: true },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    await expect(machine.run(json, { context: { Execution: { Name: 'run-1' } } }).result).resolves.toEqual({ x: 1, name: 'run-1' });
    const missing = new StateMachine(
      { StartAt: 'P', States: { P: { Type: 'Pass', InputPath: '$.missing', End: true } } },
      {
        validationOptions: { noValidate: true },
      },
    );
    await expect(missing.run(json).result).rejects.toThrow(/does not point to a value/);
    // The library's calls went through the swapped function (it would throw here if they did not reach it).
    const swapped = jsonPathModule.JSONPath;
    jsonPathModule.JSONPath = (() => {
      throw new Error('reached');
    }) as unknown as typeof swapped;
    try {
      await expect(machine.run(json).result).rejects.toThrow('reached');
    } finally {
      jsonPathModule.JSONPath = swapped;
    }
  });
});
