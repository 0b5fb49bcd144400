/** Output formats of `doublon check`: text for people, JSON for scripts, SARIF for code scanning, and
 * the annotation syntaxes of GitHub Actions and GitLab (Code Quality report). */
import { createHash } from 'node:crypto';
import type { ScanReport } from '../../protocol/report';
import type { Finding } from './findings';

export const CHECK_FORMATS = ['text', 'json', 'sarif', 'github', 'gitlab'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export const TOOL_URI = 'https://example.invalid/doublon';
const VERSION = '0.1.0';

import { formatBytes } from '../../protocol/units';

export { formatBytes };

export function findingMessage(finding: Finding): string {
  const { member, group } = finding;
  const how = member.class === 'near' ? `a near copy (${(Math.floor(member.similarity * 1000) / 10).toFixed(1)}% similar)` : member.class === 'pixel' ? 'a pixel-identical copy' : 'an exact copy';
  return `${member.path} is ${how} of ${group.canonical} (${formatBytes(member.bytes)} reclaimable)`;
}

export interface CheckOutput {
  findings: Finding[];
  report: ScanReport;
  /** Findings hidden by the baseline. */
  known: number;
}

/** The message at a line that references a duplicate: what to write instead. */
export function referenceMessage(finding: Finding): string {
  return `${finding.member.path} is a duplicate (${finding.member.class}) of ${finding.group.canonical}: reference the canonical file instead`;
}

export function formatText(out: CheckOutput): string {
  const lines = out.findings.flatMap((f) => [
    `${f.member.class.padEnd(5)}  ${findingMessage(f)}`,
    ...(f.member.referencedFrom ?? []).map((r) => `         referenced at ${r.path}:${r.line + 1}:${r.character + 1}`),
  ]);
  const bytes = out.findings.reduce((sum, f) => sum + f.member.bytes, 0);
  const known = out.known > 0 ? ` (${out.known} more in the baseline)` : '';
  lines.push(out.findings.length === 0 ? `No new duplicate images${known}.` : `${out.findings.length} duplicate image${out.findings.length === 1 ? '' : 's'}, ${formatBytes(bytes)} reclaimable${known}.`);
  for (const e of out.report.errors) lines.push(`error  ${e.path}: ${e.message}`);
  return lines.join('\n') + '\n';
}

export function formatJson(out: CheckOutput): string {
  const findings = out.findings.map((f) => ({
    path: f.member.path,
    canonical: f.group.canonical,
    class: f.member.class,
    similarity: f.member.similarity,
    bytes: f.member.bytes,
    group: f.group.id,
  }));
  return JSON.stringify({ ...out.report, findings, baselined: out.known }, null, 2) + '\n';
}

function fingerprintOf(f: Finding): string {
  return createHash('sha256').update(`${f.member.path}\0${f.member.sha256}`).digest('hex').slice(0, 32);
}

export function formatSarif(out: CheckOutput): string {
  const rules = ['exact', 'pixel', 'near'].map((id) => ({
    id: `duplicate-${id}`,
    name: `Duplicate${id[0].toUpperCase()}${id.slice(1)}Image`,
    shortDescription: { text: `${id === 'exact' ? 'Byte-identical' : id === 'pixel' ? 'Pixel-identical' : 'Visually near-identical'} copy of another image` },
    helpUri: `${TOOL_URI}#${id}`,
    defaultConfiguration: { level: id === 'near' ? 'note' : 'warning' },
  }));
  rules.push({
    id: 'reference-to-duplicate',
    name: 'ReferenceToDuplicateImage',
    shortDescription: { text: 'A source file references a duplicate image instead of its canonical file' },
    helpUri: `${TOOL_URI}#references`,
    defaultConfiguration: { level: 'warning' },
  });
  const referenceResults = out.findings.flatMap((f) => (f.member.referencedFrom ?? []).map((r) => ({
    ruleId: 'reference-to-duplicate',
    level: f.member.class === 'near' ? 'note' : 'warning',
    message: { text: referenceMessage(f) },
    locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(r.path), uriBaseId: '%SRCROOT%' }, region: { startLine: r.line + 1, startColumn: r.character + 1 } } }],
    relatedLocations: [{ id: 1, message: { text: 'canonical image' }, physicalLocation: { artifactLocation: { uri: encodeURI(f.group.canonical), uriBaseId: '%SRCROOT%' } } }],
    partialFingerprints: { 'doublon/v1': createHash('sha256').update(`${r.path}\0${f.member.sha256}\0${f.group.canonical}`).digest('hex').slice(0, 32) },
  })));
  const results = out.findings.map((f) => ({
    ruleId: `duplicate-${f.member.class}`,
    level: f.member.class === 'near' ? 'note' : 'warning',
    message: { text: findingMessage(f) },
    locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.member.path), uriBaseId: '%SRCROOT%' } } }],
    relatedLocations: [{ id: 1, message: { text: 'canonical image' }, physicalLocation: { artifactLocation: { uri: encodeURI(f.group.canonical), uriBaseId: '%SRCROOT%' } } }],
    partialFingerprints: { 'doublon/v1': fingerprintOf(f) },
    properties: { group: f.group.id, similarity: f.member.similarity, bytes: f.member.bytes },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'doublon', version: VERSION, informationUri: TOOL_URI, rules } },
      results: [...results, ...referenceResults],
      invocations: [{
        executionSuccessful: true,
        toolExecutionNotifications: out.report.errors.map((e) => ({
          level: 'warning',
          message: { text: `${e.path}: ${e.message}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(e.path), uriBaseId: '%SRCROOT%' } } }],
        })),
      }],
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/** GitHub Actions workflow commands: values escape %, CR, LF; properties also ':' and ','. */
function ghEscape(value: string, property = false): string {
  let s = value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  if (property) s = s.replace(/:/g, '%3A').replace(/,/g, '%2C');
  return s;
}

export function formatGithub(out: CheckOutput): string {
  const lines = out.findings.map((f) => {
    const level = f.member.class === 'near' ? 'notice' : 'warning';
    const file = ghEscape(f.member.path, true);
    return [
      `::${level} file=${file},title=${ghEscape(`Duplicate image (${f.member.class})`, true)}::${ghEscape(findingMessage(f))}`,
      ...(f.member.referencedFrom ?? []).map((r) =>
        `::${level} file=${ghEscape(r.path, true)},line=${r.line + 1},col=${r.character + 1},title=${ghEscape('Reference to a duplicate image', true)}::${ghEscape(referenceMessage(f))}`),
    ];
  }).flat();
  for (const e of out.report.errors) lines.push(`::error file=${ghEscape(e.path, true)},title=Unreadable image::${ghEscape(e.message)}`);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** GitLab Code Quality report (a JSON array of issues). */
export function formatGitlab(out: CheckOutput): string {
  const issues = out.findings.flatMap((f) => [
    {
      description: findingMessage(f),
      check_name: `duplicate-${f.member.class}`,
      fingerprint: fingerprintOf(f),
      severity: f.member.class === 'near' ? 'info' : 'minor',
      location: { path: f.member.path, lines: { begin: 1 } },
    },
    ...(f.member.referencedFrom ?? []).map((r) => ({
      description: referenceMessage(f),
      check_name: 'reference-to-duplicate',
      fingerprint: createHash('sha256').update(`${r.path}\0${r.line}\0${f.member.sha256}`).digest('hex').slice(0, 32),
      severity: f.member.class === 'near' ? 'info' : 'minor',
      location: { path: r.path, lines: { begin: r.line + 1 } },
    })),
  ]);
  return JSON.stringify(issues, null, 2) + '\n';
}

export function formatCheck(format: CheckFormat, out: CheckOutput): string {
  switch (format) {
    case 'text': return formatText(out);
    case 'json': return formatJson(out);
    case 'sarif': return formatSarif(out);
    case 'github': return formatGithub(out);
    case 'gitlab': return formatGitlab(out);
  }
}
