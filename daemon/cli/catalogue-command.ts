/**
 * The catalogue on the command line: `doublon publish` and the catalogue part of `doublon check`. The catalogue
 * is optional: without `--catalogue`, `DOUBLON_CATALOGUE` or `PG*` variables nothing here runs, and when it is
 * set but out of reach, `check` says so and still gives the local result.
 */
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import type { FailOn } from '../../protocol/settings';
import { nearThresholds } from '../groups/options';
import { SCHEMA_VERSION } from '../index/open';
import { CatalogueError, catalogueTarget, withCatalogue, type CatalogueTarget } from '../catalogue/connection';
import { crossSiteFindings, failsCheck } from '../catalogue/findings';
import type { CrossSiteFinding } from '../../protocol/catalogue';
import { publish, type PublishResult } from '../catalogue/publish';
import { keyCacheFile } from '../catalogue/key-cache';
import { git, openSite, repositoryName } from '../catalogue/site';
import { escapeControls, quotePath } from '../report/printable';
import { ghEscape, ghFile } from '../report/formats';

export interface CatalogueOptions {
  catalogue?: string;
  repository?: string;
}

/** The commit being published: CI's variables first (a detached checkout may have no branch), then git. */
function commitOf(config: ResolvedConfig): string | undefined {
  return process.env.GITHUB_SHA ?? process.env.CI_COMMIT_SHA ?? git(config.baseDir, ['rev-parse', 'HEAD']);
}

export function requireTarget(option: string | undefined): CatalogueTarget {
  const target = catalogueTarget(option);
  if (!target)
    throw new CatalogueError('no catalogue given: pass --catalogue <postgres://…>, or set DOUBLON_CATALOGUE or the PG* variables');
  return target;
}

export async function runPublish(
  config: ResolvedConfig,
  options: CatalogueOptions & { publicUrl?: string; library?: boolean },
): Promise<PublishResult> {
  const target = requireTarget(options.catalogue);
  const site = await openSite(config, { publicUrl: options.publicUrl });
  try {
    return await withCatalogue(target, (client) =>
      publish(client, site.images, site.fingerprintOf, {
        repository: repositoryName(config, options.repository),
        commit: commitOf(config),
        publicUrl: options.publicUrl,
        library: options.library,
        thresholds: nearThresholds(config),
        fingerprintVersion: SCHEMA_VERSION,
        keyCache: keyCacheFile(config.indexDir),
      }),
    );
  } finally {
    await site.close();
  }
}

export function formatPublish(result: PublishResult): string {
  return `Published ${result.repository} (revision ${result.revision}): ${result.added} added, ${result.changed} changed, ${result.removed} removed, ${result.unchanged} unchanged; ${result.newContents} new content${result.newContents === 1 ? '' : 's'}, ${result.pairs} near pair${result.pairs === 1 ? '' : 's'} with the catalogue.\n`;
}

export interface CatalogueCheck {
  findings: CrossSiteFinding[];
  /** Set when the catalogue could not be read: the local check still stands. */
  error?: string;
  failing: number;
}

/** The cross-site part of `check`, or undefined when no catalogue is configured. Never throws for the catalogue's sake. */
export async function checkCatalogue(
  config: ResolvedConfig,
  options: CatalogueOptions,
  failOn: readonly FailOn[],
): Promise<CatalogueCheck | undefined> {
  const target = catalogueTarget(options.catalogue);
  if (!target) return undefined;
  // The local check has just scanned: the index is current, no second scan.
  const site = await openSite(config, { scan: false });
  try {
    const findings = await withCatalogue(target, (client) =>
      crossSiteFindings(client, site.images, site.fingerprintOf, {
        repository: repositoryName(config, options.repository),
        thresholds: nearThresholds(config),
        fingerprintVersion: SCHEMA_VERSION,
        keyCache: keyCacheFile(config.indexDir),
      }),
    );
    return { findings, failing: findings.filter((f) => failsCheck(f, failOn)).length };
  } catch (error) {
    if (error instanceof CatalogueError) return { findings: [], failing: 0, error: error.message };
    throw error;
  } finally {
    await site.close();
  }
}

/** Findings with their paths relative to `to` instead of the site's folder (reports give paths from the cwd). */
export function rebaseFindings(findings: readonly CrossSiteFinding[], siteDir: string, to: string): CrossSiteFinding[] {
  return findings.map((f) => ({ ...f, path: path.relative(to, path.resolve(siteDir, f.path)).split(path.sep).join('/') }));
}

function describeCopy(f: CrossSiteFinding): string {
  const where = `${f.other.repository}:${f.other.path}${f.other.url ? ` (${f.other.url})` : ''}`;
  const how = f.class === 'exact' ? 'a copy of' : `${(f.similarity * 100).toFixed(1)} % like`;
  return `${quotePath(f.path)}: ${how} ${f.other.library ? 'library image' : 'an image of'} ${escapeControls(where)}`;
}

/** The catalogue section of `check`'s text output. */
export function formatCatalogueText(result: CatalogueCheck): string {
  if (result.error) return `\nCatalogue: not checked (${result.error}); the local result above stands.\n`;
  if (result.findings.length === 0) return '\nCatalogue: no copies of these images in other sites or libraries.\n';
  const lines = result.findings.map((f) => `  ${failsCheckMark(f)} ${describeCopy(f)}`);
  return `\nCatalogue: ${result.findings.length} cop${result.findings.length === 1 ? 'y' : 'ies'} elsewhere (${result.failing} of a library image: use the library's URL)\n${lines.join('\n')}\n`;
}

function failsCheckMark(f: CrossSiteFinding): string {
  return f.other.library ? '✗' : 'i';
}

/** GitHub Actions annotations for the catalogue findings (library copies as errors, the rest as notices). */
export function formatCatalogueGithub(result: CatalogueCheck): string {
  if (result.error) return `::warning title=Doublon catalogue::${ghEscape(escapeControls(result.error))}\n`;
  return result.findings
    .map((f) => `::${f.other.library ? 'error' : 'notice'} file=${ghFile(f.path)},title=Doublon catalogue::${ghEscape(describeCopy(f))}\n`)
    .join('');
}
