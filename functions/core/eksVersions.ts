/**
 * Where a Kubernetes minor version stands in Amazon EKS's support calendar on a given day (eks-versions.json, with
 * its source and the day it was taken). Pure: the day is a parameter. Extended support costs more per cluster hour
 * (prices.json), and a cluster whose upgrade policy is STANDARD is upgraded by EKS when standard support ends.
 */
import calendar from './eks-versions.json';

export interface VersionDates {
  eksRelease: string;
  endOfStandardSupport: string;
  endOfExtendedSupport: string;
}

export const EKS_VERSIONS = calendar as {
  source: string;
  crossChecked: string;
  taken: string;
  note: string;
  versions: Record<string, VersionDates>;
};

/** How long before standard support ends `turbo validate` starts to warn. */
export const WARN_DAYS_BEFORE_EXTENDED = 30;

export type SupportPhase = 'standard' | 'extended' | 'unsupported' | 'unknown';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

export function supportPhase(version: string, day: string): SupportPhase {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`day "${day}" is not a date such as 2026-12-01`);
  const dates = EKS_VERSIONS.versions[version];
  if (!dates) return 'unknown';
  if (day < dates.endOfStandardSupport) return 'standard';
  return day < dates.endOfExtendedSupport ? 'extended' : 'unsupported';
}

/** What `turbo validate` says about a configured version on `day`: nothing while it is safely in standard support. */
export function versionWarning(version: string, day: string): string | undefined {
  const phase = supportPhase(version, day);
  const dates = EKS_VERSIONS.versions[version];
  const known = Object.keys(EKS_VERSIONS.versions).join(', ');
  const source = `EKS calendar of ${EKS_VERSIONS.taken}`;
  switch (phase) {
    case 'unknown':
      return `cluster.kubernetesVersion ${version} is not in the ${source} (known: ${known}): its support and price cannot be checked`;
    case 'unsupported':
      return `cluster.kubernetesVersion ${version} left EKS extended support on ${dates!.endOfExtendedSupport}: EKS no longer creates it`;
    case 'extended':
      return `cluster.kubernetesVersion ${version} is in EKS extended support since ${dates!.endOfStandardSupport}: the control plane costs the extended-support price (${source})`;
    case 'standard': {
      const left = daysBetween(day, dates!.endOfStandardSupport);
      return left <= WARN_DAYS_BEFORE_EXTENDED
        ? `cluster.kubernetesVersion ${version} leaves EKS standard support on ${dates!.endOfStandardSupport}, in ${left} day${left === 1 ? '' : 's'}: then the control plane costs the extended-support price (${source})`
        : undefined;
    }
  }
}
