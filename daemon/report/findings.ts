/**
 * What `doublon check` reports: every non-canonical member of a group whose class fails the check, minus
 * those already recorded in a baseline (so CI fails only on duplicates a change adds). Works on the
 * report contract, so it is the same whether the groups come from this process or from a daemon.
 */
import * as fs from 'node:fs';
import type { DuplicateClass, ReportGroup, ReportMember } from '../../protocol/report';

export interface Finding {
  group: ReportGroup;
  member: ReportMember;
}

export function findingsOf(groups: ReportGroup[], failOn: DuplicateClass[]): Finding[] {
  return groups.flatMap((group) =>
    group.members.slice(1).filter((m) => failOn.includes(m.class) && !m.variant).map((member) => ({ group, member })),
  );
}

/** A baseline records duplicates by path and content: a copy that is edited or moved is new again. */
export interface BaselineEntry {
  path: string;
  sha256: string;
  class: DuplicateClass;
}

export interface Baseline {
  version: 1;
  duplicates: BaselineEntry[];
}

export class BaselineError extends Error {}

/** `shown` is the name the user gave (messages quote it), `file` the resolved path. */
export function readBaseline(file: string, shown = file): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new BaselineError(
      e.code === 'ENOENT'
        ? `baseline ${shown} does not exist (create it with --update-baseline)`
        : `baseline ${shown} cannot be read: ${e.message}`,
    );
  }
  const baseline = raw as Partial<Baseline>;
  if (typeof raw !== 'object' || raw === null || baseline.version !== 1 || !Array.isArray(baseline.duplicates)) {
    throw new BaselineError(`baseline ${shown}: expected { "version": 1, "duplicates": [...] }, received something else`);
  }
  return baseline as Baseline;
}

export function makeBaseline(findings: Finding[]): Baseline {
  const duplicates = findings
    .map((f) => ({ path: f.member.path, sha256: f.member.sha256, class: f.member.class }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { version: 1, duplicates };
}

export function writeBaseline(file: string, baseline: Baseline): void {
  fs.writeFileSync(file, JSON.stringify(baseline, null, 2) + '\n');
}

export function withoutBaseline(findings: Finding[], baseline: Baseline): Finding[] {
  const known = new Set(baseline.duplicates.map((d) => `${d.path}\0${d.sha256}`));
  return findings.filter((f) => !known.has(`${f.member.path}\0${f.member.sha256}`));
}
