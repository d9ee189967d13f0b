import { EKS_VERSIONS, supportPhase, versionWarning, WARN_DAYS_BEFORE_EXTENDED } from '../../../functions/core/eksVersions';

describe('the EKS version calendar', () => {
  it('names its source and the day it was taken, and gives each version 14 months of standard and 12 of extended support', () => {
    expect(EKS_VERSIONS.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/eks\//);
    expect(EKS_VERSIONS.taken).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [version, dates] of Object.entries(EKS_VERSIONS.versions)) {
      const months = (from: string, to: string) =>
        (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));
      expect([
        version,
        months(dates.eksRelease, dates.endOfStandardSupport),
        months(dates.endOfStandardSupport, dates.endOfExtendedSupport),
      ]).toEqual([version, 14, 12]);
    }
  });

  it('puts 1.33 in extended support from 2026-07-29, and out of it on 2027-07-29', () => {
    expect(['2026-07-28', '2026-07-29', '2027-07-28', '2027-07-29'].map((day) => supportPhase('1.33', day))).toEqual([
      'standard',
      'extended',
      'extended',
      'unsupported',
    ]);
    expect(supportPhase('1.99', '2026-12-01')).toBe('unknown');
    expect(() => supportPhase('1.33', '1 Dec 2026')).toThrow('day "1 Dec 2026" is not a date such as 2026-12-01');
  });
});

describe('versionWarning', () => {
  it('says nothing while a version has more than 30 days of standard support left', () => {
    expect(versionWarning('1.35', '2026-12-01')).toBeUndefined();
    expect(versionWarning('1.35', '2027-02-24')).toBeUndefined();
  });

  it(`warns from ${WARN_DAYS_BEFORE_EXTENDED} days before standard support ends, in extended support, after it, and for an unknown version`, () => {
    expect(versionWarning('1.35', '2027-02-25')).toBe(
      'cluster.kubernetesVersion 1.35 leaves EKS standard support on 2027-03-27, in 30 days: then the control plane costs the extended-support price (EKS calendar of 2026-12-01)',
    );
    expect(versionWarning('1.34', '2026-12-01')).toMatch(
      /^cluster\.kubernetesVersion 1\.34 leaves EKS standard support on 2026-12-02, in 1 day:/,
    );
    expect(versionWarning('1.33', '2026-12-01')).toMatch(
      /^cluster\.kubernetesVersion 1\.33 is in EKS extended support since 2026-07-29: the control plane costs the extended-support price/,
    );
    expect(versionWarning('1.30', '2026-12-01')).toBe(
      'cluster.kubernetesVersion 1.30 left EKS extended support on 2026-07-23: EKS no longer creates it',
    );
    expect(versionWarning('1.99', '2026-12-01')).toMatch(
      /^cluster\.kubernetesVersion 1\.99 is not in the EKS calendar of 2026-12-01 \(known: 1\.29, .*1\.35\)/,
    );
  });
});

describe('the versions Turbo ships with', () => {
  const { readFileSync } = jest.requireActual('node:fs') as typeof import('node:fs');
  const { join } = jest.requireActual('node:path') as typeof import('node:path');
  const read = (path: string) => readFileSync(join(__dirname, '../../..', path), 'utf8');
  const DAY = '2026-12-01';

  it('defaults the cluster (example config, terraform.sh) to a version in standard support, with no warning on 2026-12-01', () => {
    const example = /kubernetesVersion: "(1\.\d+)"/.exec(read('turbo.config.example.yml'))![1]!;
    const script = /KUBERNETES_VERSION:=(1\.\d+)/.exec(read('scripts/terraform.sh'))![1]!;
    expect(script).toBe(example);
    expect([supportPhase(example, DAY), versionWarning(example, DAY)]).toEqual(['standard', undefined]);
  });

  it("pins kubectl in both buildspecs to the cluster's minor version (kubectl supports one minor of skew)", () => {
    const example = /kubernetesVersion: "(1\.\d+)"/.exec(read('turbo.config.example.yml'))![1]!;
    for (const spec of ['buildspecs/terraform.yml', 'buildspecs/deploy.yml']) {
      const pinned = /KUBECTL_VERSION: "(\d+\.\d+)\.\d+"/.exec(read(spec))![1]!;
      expect([spec, pinned]).toEqual([spec, example]);
    }
  });
});
