/** Turns groups (absolute paths) into the stable JSON contract of protocol/report.ts. */
import { REPORT_VERSION, type ReportGroup, type ScanReport } from '../../protocol/report';
import type { DuplicateGroup } from '../groups/build';
import { relativePosix } from '../scan/relative';
import { libraryUrl, type ImageReference, type ResolveOptions } from '../refs';

/** Relative to `base` with `/` separators: what users and CI annotations expect. */
export function displayPath(absolute: string, base: string): string {
  return relativePosix(base, absolute) || '.';
}

/** Where an image is referenced (absolute source paths), when references are indexed. */
export type ReferenceLookup = (imagePath: string) => Array<Pick<ImageReference, 'source' | 'range'>>;

export function toReportGroup(
  group: DuplicateGroup,
  base: string,
  referencesOf?: ReferenceLookup,
  libraries?: ResolveOptions['libraries'],
): ReportGroup {
  const url = libraries && libraryUrl(group.canonical.path, { libraries }, true);
  return {
    id: group.id,
    class: group.class,
    canonical: displayPath(group.canonical.path, base),
    ...(url ? { canonicalUrl: url } : {}),
    rule: group.rule,
    bytesReclaimable: group.bytesReclaimable,
    members: group.members.map((m) => ({
      path: displayPath(m.image.path, base),
      class: m.class,
      similarity: Math.round(m.similarity * 1000) / 1000,
      bytes: m.image.bytes,
      width: m.image.width,
      height: m.image.height,
      sha256: m.image.sha256,
      references: m.image.references,
      ...(referencesOf
        ? { referencedFrom: referencesOf(m.image.path).map((r) => ({ path: displayPath(r.source, base), ...r.range.start })) }
        : {}),
      ...(m.variant ? { variant: m.variant } : {}),
    })),
  };
}

/** A file that could not be indexed (absolute path): the shape of groups/entries.ts's FileProblem, named here so that
 * report/ does not import the pipeline above it. */
export interface UnreadableFile {
  path: string;
  message: string;
}

export function toScanReport(
  groups: DuplicateGroup[],
  errors: readonly UnreadableFile[],
  base: string,
  referencesOf?: ReferenceLookup,
  libraries?: ResolveOptions['libraries'],
): ScanReport {
  return {
    version: REPORT_VERSION,
    groups: groups.map((g) => toReportGroup(g, base, referencesOf, libraries)),
    errors: errors.map((e) => ({ path: displayPath(e.path, base), message: e.message })).sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
}
