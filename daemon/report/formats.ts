/** Output formats of `doublon check`: text for people, JSON for scripts, SARIF for code scanning, and
 * the annotation syntaxes of GitHub Actions and GitLab (Code Quality report). Every format shows the same
 * findings with the same severity (findings.ts), and file names are never printed raw (printable.ts). */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { ReportLocation, ScanReport } from '../../protocol/report';
import { formatBytes } from '../../protocol/units';
import type { Finding, Severity, Tally, UnreadableImage } from './findings';
import { escapeControls, quotePath } from './printable';
import { ALL_RULES, CLASS_RULES, LIBRARY_COPY_RULE, REFERENCE_RULE, SITE_COPY_RULE, UNREADABLE_RULE } from './rules';
import type { CrossSiteFinding } from '../../protocol/catalogue';
import type { FailOn } from '../../protocol/settings';
import { REPOSITORY_URL, TOOL_NAME, TOOL_VERSION } from './tool';

export { formatBytes };

export const CHECK_FORMATS = ['text', 'json', 'sarif', 'github', 'gitlab'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

/** The project's home, for links that are not about one rule (the LSP's `codeDescription` uses rules.ts). */
export const TOOL_URI = REPOSITORY_URL;

/** Terminal styles; identity functions when colour is off. */
export interface Style {
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export const PLAIN: Style = { red: (t) => t, yellow: (t) => t, dim: (t) => t, bold: (t) => t };

export interface CheckOutput {
  /** Reported findings (after the baseline, and `--quiet`). */
  findings: Finding[];
  unreadable: UnreadableImage[];
  report: ScanReport;
  /** Counted over what is reported. */
  counts: Tally;
  /** Findings hidden by the baseline. */
  known: number;
  /** Copies found in the organisation's catalogue (`--catalogue`), paths relative to `srcRoot`. */
  catalogue?: { findings: CrossSiteFinding[]; failOn: readonly FailOn[] };
  /** Absolute folder the report's relative paths start from: SARIF's `%SRCROOT%`. */
  srcRoot: string;
  style?: Style;
}

export function findingMessage(finding: Finding): string {
  const { member, group } = finding;
  const how =
    member.class === 'near'
      ? `a near copy (${(Math.floor(member.similarity * 1000) / 10).toFixed(1)}% similar)`
      : member.class === 'pixel'
        ? 'a pixel-identical copy'
        : 'an exact copy';
  return `${quotePath(member.path)} is ${how} of ${canonicalOf(group)} (${formatBytes(member.bytes)} reclaimable)`;
}

/** The message at a line that references a duplicate: what to write instead. */
export function referenceMessage(finding: Finding): string {
  return `${quotePath(finding.member.path)} is a duplicate (${finding.member.class}) of ${canonicalOf(finding.group)}: reference the canonical file instead`;
}

/** The canonical as messages name it: its path, and its URL when it is a shared library's image. */
function canonicalOf(group: Finding['group']): string {
  return group.canonicalUrl
    ? `${quotePath(group.canonical)} (library image, ${escapeControls(group.canonicalUrl)})`
    : quotePath(group.canonical);
}

export function unreadableMessage(image: UnreadableImage): string {
  return `${quotePath(image.path)} cannot be read as an image: ${escapeControls(image.message)}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatText(out: CheckOutput): string {
  const style = out.style ?? PLAIN;
  const label = (s: Severity): string => (s === 'error' ? style.red('error  ') : style.yellow('warning'));
  const lines = out.findings.flatMap((f) => [
    `${label(f.severity)}  ${findingMessage(f)}  ${style.dim(CLASS_RULES[f.member.class].id)}`,
    ...(f.member.referencedFrom ?? []).map((r) =>
      style.dim(`           referenced at ${quotePath(r.path)}:${r.line + 1}:${r.character + 1}`),
    ),
  ]);
  for (const u of out.unreadable) lines.push(`${label(u.severity)}  ${unreadableMessage(u)}  ${style.dim(UNREADABLE_RULE.id)}`);
  const known = out.known > 0 ? ` (${out.known} more in the baseline)` : '';
  if (out.findings.length === 0 && out.unreadable.length === 0) {
    lines.push(`No new duplicate images${known}.`);
  } else {
    const bytes = out.findings.reduce((sum, f) => sum + f.member.bytes, 0);
    const parts = [`${plural(out.findings.length, 'duplicate image')}, ${formatBytes(bytes)} reclaimable`];
    if (out.unreadable.length > 0) parts.push(plural(out.unreadable.length, 'unreadable image'));
    const summary = `${parts.join(', ')}${known}: ${plural(out.counts.errors, 'error')}, ${plural(out.counts.warnings, 'warning')}.`;
    lines.push(out.counts.errors > 0 ? style.bold(style.red(summary)) : style.bold(summary));
  }
  return lines.join('\n') + '\n';
}

export function formatJson(out: CheckOutput): string {
  const findings = out.findings.map((f) => ({
    path: f.member.path,
    canonical: f.group.canonical,
    class: f.member.class,
    severity: f.severity,
    rule: CLASS_RULES[f.member.class].id,
    similarity: f.member.similarity,
    bytes: f.member.bytes,
    group: f.group.id,
  }));
  return JSON.stringify({ ...out.report, findings, unreadable: out.unreadable, ...out.counts, baselined: out.known }, null, 2) + '\n';
}

function fingerprint(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

/** One per finding: the copy's path and content. */
const memberFingerprint = (f: Finding): string => fingerprint('member', f.member.path, f.member.sha256);
/** One per reference: where it is (path, line, column) and what it points at. */
const referenceFingerprint = (f: Finding, r: ReportLocation): string =>
  fingerprint('reference', r.path, r.line, r.character, f.member.path, f.member.sha256);
const unreadableFingerprint = (u: UnreadableImage): string => fingerprint('unreadable', u.path);

const sarifLevel = (s: Severity): 'error' | 'warning' => s;

/**
 * A catalogue finding's severity: a copy of a library image is an error when its class fails the check (the
 * site should use the library's URL), else a warning; a copy in another site is a note (the site cannot fix it).
 */
export function catalogueSeverity(f: CrossSiteFinding, failOn: readonly FailOn[]): Severity | 'note' {
  if (!f.other.library) return 'note';
  return failOn.includes(f.class) ? 'error' : 'warning';
}

export function catalogueMessage(f: CrossSiteFinding): string {
  const how = f.class === 'exact' ? 'a copy' : `a near copy (${(Math.floor(f.similarity * 1000) / 10).toFixed(1)}% similar)`;
  const where = `${f.other.repository}:${f.other.path}`;
  const url = f.other.url ? `, served at ${f.other.url}` : '';
  return escapeControls(
    f.other.library
      ? `${quotePath(f.path)} is ${how} of the library image ${where}${url}: use the library's URL instead`
      : `${quotePath(f.path)} is ${how} of ${where}${url} in another site of the catalogue`,
  );
}

const catalogueRule = (f: CrossSiteFinding) => (f.other.library ? LIBRARY_COPY_RULE : SITE_COPY_RULE);
const catalogueFingerprint = (f: CrossSiteFinding): string => fingerprint('catalogue', f.path, f.sha256, f.other.repository, f.other.path);

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations: Array<{
    physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number; startColumn: number } };
  }>;
  relatedLocations?: Array<{
    id: number;
    message: { text: string };
    physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } };
  }>;
  partialFingerprints: Record<string, string>;
  properties?: Record<string, unknown>;
}

interface CodeQualityIssue {
  type: 'issue';
  description: string;
  check_name: string;
  categories: string[];
  fingerprint: string;
  severity: 'major' | 'minor' | 'info';
  location: { path: string; lines: { begin: number } } | { path: string; positions: { begin: { line: number; column: number } } };
}

function artifact(relative: string): { uri: string; uriBaseId: string } {
  return { uri: encodeURI(relative), uriBaseId: '%SRCROOT%' };
}

export function formatSarif(out: CheckOutput): string {
  const rules = ALL_RULES.map((r) => ({
    id: r.id,
    name: r.name,
    shortDescription: { text: r.short },
    fullDescription: { text: r.full },
    help: { text: r.help, markdown: r.helpMarkdown },
    helpUri: r.helpUri,
    defaultConfiguration: { level: r === UNREADABLE_RULE ? 'warning' : r === SITE_COPY_RULE ? 'note' : 'error' },
    properties: { tags: ['maintainability'], precision: r === CLASS_RULES.near ? 'high' : 'very-high' },
  }));
  const ruleIndex = (id: string): number => rules.findIndex((r) => r.id === id);
  const canonical = (f: Finding) => [
    { id: 1, message: { text: 'canonical image' }, physicalLocation: { artifactLocation: artifact(f.group.canonical) } },
  ];
  const results: SarifResult[] = out.findings.flatMap((f): SarifResult[] => {
    const rule = CLASS_RULES[f.member.class];
    return [
      {
        ruleId: rule.id,
        ruleIndex: ruleIndex(rule.id),
        level: sarifLevel(f.severity),
        message: { text: findingMessage(f) },
        locations: [{ physicalLocation: { artifactLocation: artifact(f.member.path) } }],
        relatedLocations: canonical(f),
        partialFingerprints: { 'doublon/v2': memberFingerprint(f) },
        properties: { group: f.group.id, similarity: f.member.similarity, bytes: f.member.bytes },
      },
      ...(f.member.referencedFrom ?? []).map((r) => ({
        ruleId: REFERENCE_RULE.id,
        ruleIndex: ruleIndex(REFERENCE_RULE.id),
        level: sarifLevel(f.severity),
        message: { text: referenceMessage(f) },
        locations: [
          { physicalLocation: { artifactLocation: artifact(r.path), region: { startLine: r.line + 1, startColumn: r.character + 1 } } },
        ],
        relatedLocations: canonical(f),
        partialFingerprints: { 'doublon/v2': referenceFingerprint(f, r) },
        properties: { group: f.group.id },
      })),
    ];
  });
  for (const f of out.catalogue?.findings ?? []) {
    const rule = catalogueRule(f);
    results.push({
      ruleId: rule.id,
      ruleIndex: ruleIndex(rule.id),
      level: catalogueSeverity(f, out.catalogue?.failOn ?? []),
      message: { text: catalogueMessage(f) },
      locations: [{ physicalLocation: { artifactLocation: artifact(f.path) } }],
      partialFingerprints: { 'doublon/v2': catalogueFingerprint(f) },
      properties: {
        class: f.class,
        similarity: f.similarity,
        repository: f.other.repository,
        otherPath: f.other.path,
        library: f.other.library,
        ...(f.other.url ? { url: f.other.url } : {}),
      },
    });
  }
  for (const u of out.unreadable) {
    results.push({
      ruleId: UNREADABLE_RULE.id,
      ruleIndex: ruleIndex(UNREADABLE_RULE.id),
      level: sarifLevel(u.severity),
      message: { text: unreadableMessage(u) },
      locations: [{ physicalLocation: { artifactLocation: artifact(u.path) } }],
      partialFingerprints: { 'doublon/v2': unreadableFingerprint(u) },
    });
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: TOOL_VERSION, semanticVersion: TOOL_VERSION, informationUri: REPOSITORY_URL, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(out.srcRoot.endsWith('/') ? out.srcRoot : out.srcRoot + '/').href } },
        results,
        invocations: [{ executionSuccessful: true }],
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/** GitHub Actions workflow commands: values escape %, CR, LF; properties also ':' and ','. */
export function ghEscape(value: string, property = false): string {
  let s = value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  if (property) s = s.replace(/:/g, '%3A').replace(/,/g, '%2C');
  return s;
}

/** A path in a workflow command: shown escaped when it holds control characters, then command-escaped. */
export const ghFile = (p: string): string => ghEscape(quotePath(p), true);

export function formatGithub(out: CheckOutput): string {
  const lines = out.findings.flatMap((f) => [
    `::${f.severity} file=${ghFile(f.member.path)},title=${ghEscape(`Duplicate image (${f.member.class})`, true)}::${ghEscape(findingMessage(f))}`,
    ...(f.member.referencedFrom ?? []).map(
      (r) =>
        `::${f.severity} file=${ghFile(r.path)},line=${r.line + 1},col=${r.character + 1},title=${ghEscape('Reference to a duplicate image', true)}::${ghEscape(referenceMessage(f))}`,
    ),
  ]);
  for (const u of out.unreadable)
    lines.push(`::${u.severity} file=${ghFile(u.path)},title=Unreadable image::${ghEscape(unreadableMessage(u))}`);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** GitLab Code Quality (Code Climate issue subset): an error fails the check, so it is `major`. */
const gitlabSeverity = (s: Severity): 'major' | 'minor' => (s === 'error' ? 'major' : 'minor');

/** GitLab Code Quality report (a JSON array of issues). */
export function formatGitlab(out: CheckOutput): string {
  const issues: CodeQualityIssue[] = out.findings.flatMap((f): CodeQualityIssue[] => [
    {
      type: 'issue' as const,
      description: findingMessage(f),
      check_name: CLASS_RULES[f.member.class].id,
      categories: ['Duplication'],
      fingerprint: memberFingerprint(f),
      severity: gitlabSeverity(f.severity),
      location: { path: f.member.path, lines: { begin: 1 } },
    },
    ...(f.member.referencedFrom ?? []).map((r) => ({
      type: 'issue' as const,
      description: referenceMessage(f),
      check_name: REFERENCE_RULE.id,
      categories: ['Duplication'],
      fingerprint: referenceFingerprint(f, r),
      severity: gitlabSeverity(f.severity),
      location: { path: r.path, positions: { begin: { line: r.line + 1, column: r.character + 1 } } },
    })),
  ]);
  for (const f of out.catalogue?.findings ?? []) {
    const severity = catalogueSeverity(f, out.catalogue?.failOn ?? []);
    issues.push({
      type: 'issue' as const,
      description: catalogueMessage(f),
      check_name: catalogueRule(f).id,
      categories: ['Duplication'],
      fingerprint: catalogueFingerprint(f),
      severity: severity === 'note' ? 'info' : gitlabSeverity(severity),
      location: { path: f.path, lines: { begin: 1 } },
    });
  }
  for (const u of out.unreadable) {
    issues.push({
      type: 'issue' as const,
      description: unreadableMessage(u),
      check_name: UNREADABLE_RULE.id,
      categories: ['Bug Risk'],
      fingerprint: unreadableFingerprint(u),
      severity: gitlabSeverity(u.severity),
      location: { path: u.path, lines: { begin: 1 } },
    });
  }
  return JSON.stringify(issues, null, 2) + '\n';
}

export function formatCheck(format: CheckFormat, out: CheckOutput): string {
  switch (format) {
    case 'text':
      return formatText(out);
    case 'json':
      return formatJson(out);
    case 'sarif':
      return formatSarif(out);
    case 'github':
      return formatGithub(out);
    case 'gitlab':
      return formatGitlab(out);
  }
}
