/**
 * Baselines: the duplicates a project has accepted, so `check` fails only on new ones. Paths are relative to
 * the baseline file's folder (version 2), so the same file works from any working folder and on any machine;
 * entries are sorted and one per line pair, so a change to the baseline reads well in a diff. A duplicate is
 * recorded by path and content: a copy that is edited or moved is new again. Version 1 files (paths relative
 * to the working folder) are still read, relative to the working folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuplicateClass } from '../../protocol/report';
import { relativePosix } from '../scan/relative';
import type { Finding } from './findings';

export interface BaselineEntry {
  /** Relative to the baseline file's folder, `/` separators. */
  path: string;
  sha256: string;
  class: DuplicateClass;
}

export interface Baseline {
  version: 2;
  duplicates: BaselineEntry[];
}

export class BaselineError extends Error {}

/** Where a baseline's paths are relative to, and the name to quote in messages. */
export interface BaselineFile {
  /** Absolute. */
  file: string;
  /** As the user wrote it. */
  shown: string;
}

/** An entry's key: the file (absolute) and its content. */
type Key = string;
const keyOf = (absolute: string, sha256: string): Key => `${absolute}\0${sha256}`;

export interface LoadedBaseline {
  entries: BaselineEntry[];
  /** The absolute key of each entry, in the same order. */
  keys: Key[];
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0;
}

export function readBaseline(where: BaselineFile, cwd: string): LoadedBaseline {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(where.file, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new BaselineError(
      e.code === 'ENOENT'
        ? `baseline ${where.shown} does not exist (create it with --update-baseline)`
        : `baseline ${where.shown} cannot be read: ${e.message}`,
    );
  }
  const baseline = raw as { version?: unknown; duplicates?: unknown };
  if (
    typeof raw !== 'object' ||
    raw === null ||
    (baseline.version !== 1 && baseline.version !== 2) ||
    !Array.isArray(baseline.duplicates)
  ) {
    throw new BaselineError(`baseline ${where.shown}: expected { "version": 2, "duplicates": [...] }, received something else`);
  }
  const entries = (baseline.duplicates as unknown[]).filter(
    (d): d is BaselineEntry =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as BaselineEntry).path === 'string' &&
      typeof (d as BaselineEntry).sha256 === 'string',
  );
  const base = baseline.version === 1 ? cwd : path.dirname(where.file);
  return { entries, keys: entries.map((e) => keyOf(path.resolve(base, e.path), e.sha256)) };
}

function entryOf(finding: Finding, cwd: string, baselineFile: string): BaselineEntry {
  return {
    path: relativePosix(path.dirname(baselineFile), path.resolve(cwd, finding.member.path)),
    sha256: finding.member.sha256,
    class: finding.member.class,
  };
}

export function makeBaseline(findings: readonly Finding[], cwd: string, baselineFile: string): Baseline {
  return { version: 2, duplicates: findings.map((f) => entryOf(f, cwd, baselineFile)).sort(compareEntries) };
}

export function writeBaseline(file: string, baseline: Baseline): void {
  // One entry per line: a diff of the baseline shows the duplicates added and removed, nothing else.
  const lines = baseline.duplicates.map((d) => `    ${JSON.stringify(d)}`);
  fs.writeFileSync(
    file,
    `{\n  "version": ${baseline.version},\n  "duplicates": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`,
  );
}

export interface BaselineMatch {
  /** Findings the baseline does not record. */
  fresh: Finding[];
  /** Findings it records. */
  known: Finding[];
  /** Entries that match no current finding (the duplicate was removed, edited or moved): `--prune-baseline` drops them. */
  stale: BaselineEntry[];
}

export function matchBaseline(findings: readonly Finding[], baseline: LoadedBaseline, cwd: string): BaselineMatch {
  const keyOfFinding = (f: Finding): Key => keyOf(path.resolve(cwd, f.member.path), f.member.sha256);
  const current = new Set(findings.map(keyOfFinding));
  const recorded = new Set(baseline.keys);
  return {
    fresh: findings.filter((f) => !recorded.has(keyOfFinding(f))),
    known: findings.filter((f) => recorded.has(keyOfFinding(f))),
    stale: baseline.entries.filter((_, i) => !current.has(baseline.keys[i])),
  };
}
