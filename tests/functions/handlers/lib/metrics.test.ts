import { emit, flushMetrics, observeMetrics } from '../../../../functions/handlers/lib/metrics';
import { METRIC } from '../../../../functions/core/metrics';

type Emf = { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] }; [key: string]: unknown };

describe('emit', () => {
  const published: Emf[] = [];
  beforeAll(() => {
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'Turbo/test';
    observeMetrics((emf) => published.push(emf as Emf));
  });
  afterAll(() => observeMetrics(undefined));
  beforeEach(() => {
    published.length = 0;
  });

  it('publishes a metric with dimensions on its own, each time with only its own value and dimensions', () => {
    const name = Object.values(METRIC)[0]!;
    emit(name, 1, 'Count', { step: 'apply' });
    emit(name, 2, 'Count', { step: 'apply' });
    emit(name, 3, 'Count', { step: 'deploy' });
    expect(published.map((emf) => [emf.step, emf[name]])).toEqual([
      ['apply', 1],
      ['apply', 2],
      ['deploy', 3],
    ]);
    for (const emf of published) expect(emf._aws.CloudWatchMetrics[0]!.Dimensions[0]).toContain('step');
  });

  it('keeps a metric without dimensions for the invocation’s flush, apart from those with dimensions', () => {
    const name = Object.values(METRIC)[0]!;
    emit(name, 5);
    emit(name, 7, 'Count', { step: 'apply' });
    expect(published.map((emf) => emf[name])).toEqual([7]);
    flushMetrics();
    expect(published.map((emf) => [emf.step ?? null, emf[name]])).toEqual([
      ['apply', 7],
      [null, 5],
    ]);
  });
});
