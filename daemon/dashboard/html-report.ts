/**
 * `doublon check --format html --output report.html`: ONE self-contained file for CI artifacts. The
 * dashboard's CSS and script are inlined and run read-only on the embedded report; thumbnails are small
 * WebP `data:` URLs (one per distinct content). A Content-Security-Policy forbids any network access, so
 * the file opens offline and cannot leak anything.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { ScanReport } from '../../protocol/report';
import { readAssets } from './assets';
import { renderThumb } from './thumbs';

export interface HtmlReportOptions {
  /** The folder the report's paths are relative to (the command's working directory). */
  cwd: string;
  /** Input pixel limit for the thumbnails (the config's maxPixels). */
  maxPixels: number;
  /** Longest side of a thumbnail in pixels (default 120). */
  thumbSize?: number;
  /** Thumbnails rendered at a time (default 2). */
  concurrency?: number;
  title?: string;
  /** For tests: the generation time shown. */
  now?: Date;
}

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** JSON that is safe inside <script>: no `</script>`, no `<!--`, no line separators that older parsers mind. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Thumbnails of every distinct content in the report, keyed by sha256 (a file that cannot be rendered gets none). */
async function thumbnails(report: ScanReport, options: HtmlReportOptions): Promise<Record<string, string>> {
  const wanted = new Map<string, string>();
  for (const group of report.groups)
    for (const m of group.members) if (!wanted.has(m.sha256)) wanted.set(m.sha256, path.resolve(options.cwd, m.path));
  const out: Record<string, string> = {};
  const queue = [...wanted];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [sha, file] = next;
      try {
        const thumb = await renderThumb(await fs.promises.readFile(file), {
          size: options.thumbSize ?? 120,
          maxPixels: options.maxPixels,
          quality: 60,
        });
        out[sha] = `data:image/webp;base64,${thumb.toString('base64')}`;
      } catch {
        // Gone or undecodable since the scan: the page shows "no preview" with the path.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return out;
}

export async function renderHtmlReport(report: ScanReport, options: HtmlReportOptions): Promise<string> {
  const assets = readAssets();
  const data = {
    version: report.version,
    generatedAt: (options.now ?? new Date()).toISOString(),
    report,
    thumbs: await thumbnails(report, options),
  };
  const title = options.title ?? `Doublon report: ${report.groups.length} duplicate group${report.groups.length === 1 ? '' : 's'}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${assets['app.css'].replace(/<\/style/gi, '<\\/style')}\n</style>`,
    '</head>',
    '<body>',
    '<div id="app"><noscript><p class="notice">This report needs JavaScript to show the groups.</p></noscript></div>',
    `<script type="application/json" id="doublon-report">${scriptJson(data)}</script>`,
    `<script>\n${assets['app.js'].replace(/<\/script/gi, '<\\/script')}\n</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
