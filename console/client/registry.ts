/** Rule sets and versions as the admin API lists them (GET /admin/api/rule-sets). */
import { apiGet } from './api.js';

export interface VersionListing {
  version: string;
  state: string;
  hash: string;
  publishedAt: string;
}

export interface RuleSetListing {
  id: string;
  title: string;
  activeVersion: string | null;
  versions: VersionListing[];
}

export async function listRuleSets(): Promise<RuleSetListing[]> {
  return (await apiGet<{ ruleSets: RuleSetListing[] }>('/rule-sets')).ruleSets;
}

export function versionLabel(v: VersionListing): string {
  return `${v.version} — ${v.state}`;
}

/** The version to preselect: the active one, else the newest. */
export function defaultVersion(rs: RuleSetListing): string | undefined {
  return rs.activeVersion ?? rs.versions[rs.versions.length - 1]?.version;
}

/** A second version to compare with: the newest one that is not `other`. */
export function otherVersion(rs: RuleSetListing, other: string | undefined): string | undefined {
  const candidates = rs.versions.filter((v) => v.version !== other);
  return candidates[candidates.length - 1]?.version;
}
