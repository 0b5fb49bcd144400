/** Output formats of `doublon check`: text for people, JSON for scripts, SARIF for code scanning, and
 * the annotation syntaxes of GitHub Actions and GitLab (Code Quality report). */
import { createHash } from 'node:crypto';
import type { ScanReport } from '../../protocol/report';
import type { Finding } from './findings';
import { displayPath } from './scan-report';

export const CHECK_FORMATS = ['text', 'json', 'sarif', 'github', 'gitlab'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export const TOOL_URI = 'https://example.invalid/doublon';
const VERSION = '0.1.0';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function findingMessage(finding: Finding, base: string): string {
  const { member, group } = finding;
  const canonical = displayPath(group.canonical.path, base);
  const how = member.class === 'near' ? `a near copy (${Math.round(member.similarity * 100)}% similar)` : member.class === 'pixel' ? 'a pixel-identical copy' : 'an exact copy';
  return `${displayPath(member.image.path, base)} is ${how} of ${canonical} (${formatBytes(member.image.bytes)} reclaimable)`;
}

export interface CheckOutput {
  findings: Finding[];
  report: ScanReport;
  base: string;
  /** Findings hidden by the baseline. */
  known: number;
}

export function formatText(out: CheckOutput): string {
  const lines = out.findings.map((f) => `${f.member.class.padEnd(5)}  ${findingMessage(f, out.base)}`);
  const bytes = out.findings.reduce((sum, f) => sum + f.member.image.bytes, 0);
  const known = out.known > 0 ? ` (${out.known} more in the baseline)` : '';
  lines.push(out.findings.length === 0 ? `No new duplicate images${known}.` : `${out.findings.length} duplicate image${out.findings.length === 1 ? '' : 's'}, ${formatBytes(bytes)} reclaimable${known}.`);
  for (const e of out.report.errors) lines.push(`error  ${e.path}: ${e.message}`);
  return lines.join('\n') + '\n';
}

export function formatJson(out: CheckOutput): string {
  const findings = out.findings.map((f) => ({
    path: displayPath(f.member.image.path, out.base),
    canonical: displayPath(f.group.canonical.path, out.base),
    class: f.member.class,
    similarity: Math.round(f.member.similarity * 1000) / 1000,
    bytes: f.member.image.bytes,
    group: f.group.id,
  }));
  return JSON.stringify({ ...out.report, findings, baselined: out.known }, null, 2) + '\n';
}

function fingerprintOf(f: Finding, base: string): string {
  return createHash('sha256').update(`${displayPath(f.member.image.path, base)}\0${f.member.image.sha256}`).digest('hex').slice(0, 32);
}

export function formatSarif(out: CheckOutput): string {
  const rules = ['exact', 'pixel', 'near'].map((id) => ({
    id: `duplicate-${id}`,
    name: `Duplicate${id[0].toUpperCase()}${id.slice(1)}Image`,
    shortDescription: { text: `${id === 'exact' ? 'Byte-identical' : id === 'pixel' ? 'Pixel-identical' : 'Visually near-identical'} copy of another image` },
    helpUri: `${TOOL_URI}#${id}`,
    defaultConfiguration: { level: id === 'near' ? 'note' : 'warning' },
  }));
  const results = out.findings.map((f) => ({
    ruleId: `duplicate-${f.member.class}`,
    level: f.member.class === 'near' ? 'note' : 'warning',
    message: { text: findingMessage(f, out.base) },
    locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(displayPath(f.member.image.path, out.base)), uriBaseId: '%SRCROOT%' } } }],
    relatedLocations: [{ id: 1, message: { text: 'canonical image' }, physicalLocation: { artifactLocation: { uri: encodeURI(displayPath(f.group.canonical.path, out.base)), uriBaseId: '%SRCROOT%' } } }],
    partialFingerprints: { 'doublon/v1': fingerprintOf(f, out.base) },
    properties: { group: f.group.id, similarity: f.member.similarity, bytes: f.member.image.bytes },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'doublon', version: VERSION, informationUri: TOOL_URI, rules } },
      results,
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
    const file = ghEscape(displayPath(f.member.image.path, out.base), true);
    return `::${level} file=${file},title=${ghEscape(`Duplicate image (${f.member.class})`, true)}::${ghEscape(findingMessage(f, out.base))}`;
  });
  for (const e of out.report.errors) lines.push(`::error file=${ghEscape(e.path, true)},title=Unreadable image::${ghEscape(e.message)}`);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** GitLab Code Quality report (a JSON array of issues). */
export function formatGitlab(out: CheckOutput): string {
  const issues = out.findings.map((f) => ({
    description: findingMessage(f, out.base),
    check_name: `duplicate-${f.member.class}`,
    fingerprint: fingerprintOf(f, out.base),
    severity: f.member.class === 'near' ? 'info' : 'minor',
    location: { path: displayPath(f.member.image.path, out.base), lines: { begin: 1 } },
  }));
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
