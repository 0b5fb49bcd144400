/**
 * What `doublon check` reports, and how it decides its exit code.
 *
 * Policy (docs/cli.md, "Severities"): every non-canonical member of a group is a finding; it is an `error`
 * when its class is in `failOn` (the check fails on it), a `warning` otherwise. An unreadable image (corrupt,
 * truncated, over the pixel limit) is a `warning` unless `failOn` lists `unreadable`. The severity is the
 * same in every output format, and the exit code follows it: 1 when there is an error, or more warnings
 * than `--max-warnings`. A baseline hides the duplicates it records (so CI fails only on new ones).
 * Works on the report contract, so it is the same whether the groups come from this process or a daemon.
 */
import { DUPLICATE_CLASSES, type DuplicateClass, type ReportError, type ReportGroup, type ReportMember } from '../../protocol/report';
import type { FailOn } from '../../protocol/settings';

export type Severity = 'error' | 'warning';

export interface Finding {
  group: ReportGroup;
  member: ReportMember;
  severity: Severity;
}

export interface UnreadableImage extends ReportError {
  severity: Severity;
}

export { DUPLICATE_CLASSES };

export function findingsOf(groups: ReportGroup[], failOn: readonly FailOn[]): Finding[] {
  return groups.flatMap((group) =>
    group.members
      .slice(1)
      .filter((m) => !m.variant)
      .map((member) => ({ group, member, severity: failOn.includes(member.class) ? ('error' as const) : ('warning' as const) })),
  );
}

export function unreadableOf(errors: ReportError[], failOn: readonly FailOn[]): UnreadableImage[] {
  const severity: Severity = failOn.includes('unreadable') ? 'error' : 'warning';
  return errors.map((e) => ({ ...e, severity }));
}

export interface Tally {
  errors: number;
  warnings: number;
}

export function tally(findings: readonly Finding[], unreadable: readonly UnreadableImage[]): Tally {
  const all = [...findings, ...unreadable];
  const errors = all.filter((f) => f.severity === 'error').length;
  return { errors, warnings: all.length - errors };
}

/** `--quiet`: errors only, as ESLint does. */
export function onlyErrors<T extends { severity: Severity }>(items: readonly T[]): T[] {
  return items.filter((i) => i.severity === 'error');
}

/** Whether the check fails: any error, or more warnings than allowed (`maxWarnings` < 0: no limit). */
export function checkFails(counts: Tally, maxWarnings: number): boolean {
  return counts.errors > 0 || (maxWarnings >= 0 && counts.warnings > maxWarnings);
}

export function isDuplicateClass(value: string): value is DuplicateClass {
  return (DUPLICATE_CLASSES as readonly string[]).includes(value);
}
