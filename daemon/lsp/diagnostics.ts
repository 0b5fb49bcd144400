/**
 * Diagnostics: every reference, in the text the editor holds, to an image that is a non-canonical member
 * of a duplicate group. The range is exactly the path text, so a fix edits only that.
 */
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver-protocol';
import type { Severities, SeverityName } from '../../protocol/severity';
import { languageOf, resolveReference, type RawReference } from '../refs';
import { formatBytes, TOOL_URI } from '../report/formats';
import type { LspHost, Membership } from './host';

export type { Severities } from '../../protocol/severity';
export { DEFAULT_SEVERITIES, severitiesFrom } from '../../protocol/severity';

const SEVERITY: Record<Exclude<SeverityName, 'off'>, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DuplicateReference {
  reference: RawReference;
  /** Absolute path of the referenced image. */
  target: string;
  membership: Membership;
}

/** What `data` carries for the code actions (also recomputed from the text when a client drops it). */
export interface DiagnosticData {
  target: string;
  canonical: string;
  group: string;
  text: string;
}

/** The duplicate a reference points at, if any (the reference resolves to a non-canonical group member). */
export function duplicateOf(path: string, reference: RawReference, host: LspHost): DuplicateReference | undefined {
  const target = resolveReference(path, reference.value, { ...host.resolveOptions(), kind: reference.kind });
  if (!target) return undefined;
  const membership = host.membership(target);
  if (!membership || membership.member.image === membership.group.canonical || membership.member.variant) return undefined;
  return { reference, target, membership };
}

/** References resolved per slice between which other requests run (a resolution may stat a file). */
const SLICE = 256;

/**
 * The references of a document that point at duplicates. `references` comes from the extraction worker
 * (every path-like candidate); resolving them and looking them up in the groups happens here, in slices.
 */
export async function duplicatesAmong(path: string, references: RawReference[], host: LspHost): Promise<DuplicateReference[]> {
  if (!languageOf(path)) return [];
  const found: DuplicateReference[] = [];
  for (let i = 0; i < references.length; i++) {
    if (i > 0 && i % SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const duplicate = duplicateOf(path, references[i], host);
    if (duplicate) found.push(duplicate);
  }
  return found;
}

export function describe(found: DuplicateReference, host: LspHost): string {
  const { member, group } = found.membership;
  const how =
    member.class === 'exact'
      ? 'an exact copy'
      : member.class === 'pixel'
        ? 'a pixel-identical copy'
        : `a near copy (${(Math.floor(member.similarity * 1000) / 10).toFixed(1)}% similar)`;
  return `${host.display(found.target)} is ${how} of ${host.display(group.canonical.path)}: use the canonical file (${formatBytes(member.image.bytes)} reclaimable)`;
}

/** Related information depends only on the group: computed once per group object (groups are rebuilt on change). */
const relatedCache = new WeakMap<object, Map<string, { related: DiagnosticRelatedInformation[]; message: string }>>();

function perMember(found: DuplicateReference, host: LspHost): { related: DiagnosticRelatedInformation[]; message: string } {
  const { member, group } = found.membership;
  let byMember = relatedCache.get(group);
  if (!byMember) relatedCache.set(group, (byMember = new Map()));
  const cached = byMember.get(member.image.path);
  if (cached) return cached;
  const related: DiagnosticRelatedInformation[] = [
    {
      location: {
        uri: pathToFileURL(group.canonical.path).href,
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      },
      message: `canonical (${group.rule}): ${host.display(group.canonical.path)}`,
    },
    ...group.members
      .filter((m) => m !== member && m.image !== group.canonical)
      .slice(0, 20)
      .map((m) => ({
        location: { uri: pathToFileURL(m.image.path).href, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
        message: `another copy (${m.class}): ${host.display(m.image.path)}`,
      })),
  ];
  const computed = { related, message: describe(found, host) };
  byMember.set(member.image.path, computed);
  return computed;
}

export function toDiagnostic(found: DuplicateReference, host: LspHost, severities: Severities): Diagnostic | undefined {
  const { member, group } = found.membership;
  const setting = severities[member.class];
  if (setting === 'off') return undefined;
  const { related, message } = perMember(found, host);
  const data: DiagnosticData = { target: found.target, canonical: group.canonical.path, group: group.id, text: found.reference.text };
  return {
    range: found.reference.range,
    severity: SEVERITY[setting],
    code: `duplicate-${member.class}`,
    codeDescription: { href: `${TOOL_URI}#${member.class}` },
    source: 'doublon',
    message,
    relatedInformation: related,
    data,
  };
}
