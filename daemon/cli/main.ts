/**
 * The `doublon` command line. Exit codes: 0 success (for `check`: nothing new), 1 duplicates found by
 * `check`, 2 usage, configuration or environment error.
 */
import * as fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type ResolvedConfig } from '../config/load';
import { ConfigError, validateConfig } from '../config/validate';
import type { DoublonConfig } from '../../protocol/settings';
import { analyse, resolveOptions } from '../analysis';
import { applyPlan, DEFAULT_CLASSES, formatPlan, makePlan, ReplaceError, undoLast } from '../replace';
import { toReplaceGroup } from '../replace/adapter';
import { formatBytes } from '../report/formats';
import type { ScanReport } from '../../protocol/report';
import type { ScanStats } from '../scan/scanner';
import { BaselineError, findingsOf, makeBaseline, readBaseline, withoutBaseline, writeBaseline } from '../report/findings';
import { CHECK_FORMATS, formatCheck, type CheckFormat } from '../report/formats';
import { displayPath, toScanReport } from '../report/scan-report';
import * as path from 'node:path';
import { REPORT_VERSION, type ReportError, type ReportGroup } from '../../protocol/report';
import type { DaemonStatus, GroupsResult } from '../../protocol/methods';
import { DaemonRunningError, findRunningDaemon } from '../server/lifecycle';
import { runDaemonForeground } from '../server/daemon';
import { DaemonClient } from './client';
import { bridgeStdio, ensureDaemon, formatStatus, stopDaemon } from './daemon-command';
import { DUPLICATE_CLASSES, type DuplicateClass } from '../../protocol/report';
import { progressReporter } from './progress';
import { formatReportText } from './scan-command';
import { serveDashboard } from '../dashboard/serve';
import { renderHtmlReport } from '../report/html';

export const EXIT = { ok: 0, duplicates: 1, error: 2, notRunning: 3 } as const;

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommanderError(EXIT.error, 'doublon.invalidArgument', `--port: expected an integer from 0 to 65535, received "${value}"`);
  return port;
}

/**
 * The report as JSON, one group at a time: on 100 000 files the whole string (tens of MB, then converted
 * again for the stream) was most of the command's peak memory.
 */
function writeReportJson(report: ScanReport, write: (text: string) => void): void {
  write(`{\n  "version": ${report.version},\n  "groups": [`);
  report.groups.forEach((group, i) => write(`${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(group)}`));
  write(`${report.groups.length > 0 ? '\n  ' : ''}],\n  "errors": ${JSON.stringify(report.errors)}\n}\n`);
}

/** Settings given on the command line as JSON, merged over the config file's and validated like them. */
function withOverrides(config: ResolvedConfig, json: string | undefined): ResolvedConfig {
  if (json === undefined) return config;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigError('--overrides', [`not valid JSON: ${(error as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('--overrides', ['(top level): expected an object']);
  const given = raw as Partial<DoublonConfig>;
  const base = config.settings;
  const merged = { ...base, ...given, thresholds: { ...base.thresholds, ...given.thresholds }, canonical: { ...base.canonical, ...given.canonical } };
  return { ...config, settings: validateConfig(merged, '--overrides') };
}

/** The whole report from a daemon, paths made relative to `cwd` like a local scan's. */
async function reportFromDaemon(client: DaemonClient, firstRoot: string, cwd: string): Promise<ScanReport> {
  // A daemon still on its first scan would answer with half the groups: wait until it is idle.
  for (let delay = 20; (await client.request<DaemonStatus>('doublon/status')).state !== 'idle'; delay = Math.min(delay * 2, 500)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  const rebase = (p: string): string => displayPath(path.resolve(firstRoot, p), cwd);
  const groups: ReportGroup[] = [];
  let errors: ReportError[] = [];
  for (let offset = 0; ; offset += 10_000) {
    const page = await client.request<GroupsResult>('doublon/groups', { offset, limit: 10_000 });
    if (page.errors) errors = page.errors;
    groups.push(...page.groups);
    if (offset + page.groups.length >= page.total) break;
  }
  return {
    version: REPORT_VERSION,
    groups: groups.map((g) => ({ ...g, canonical: rebase(g.canonical), members: g.members.map((m) => ({ ...m, path: rebase(m.path) })) })),
    errors: errors.map((e) => ({ ...e, path: rebase(e.path) })),
  };
}

interface CommonOptions {
  config?: string;
  index?: string;
  progress: boolean;
  /** `--no-daemon`: scan in this process even if a daemon serves the index. */
  daemon: boolean;
}

interface Io {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function parseClasses(value: string): DuplicateClass[] {
  const classes = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of classes) {
    if (!DUPLICATE_CLASSES.includes(c as DuplicateClass)) throw new CommanderError(EXIT.error, 'doublon.invalidArgument', `--fail-on: expected a list of ${DUPLICATE_CLASSES.join(', ')}, received "${c}"`);
  }
  return classes as DuplicateClass[];
}

/** Scans (in a running daemon if one serves this index, else here) and returns the report with paths relative to `cwd`. */
async function run(config: ResolvedConfig, options: CommonOptions, quiet: boolean, cwd: string): Promise<{ report: ScanReport; stats?: ScanStats }> {
  if (options.daemon) {
    const info = await findRunningDaemon(config.indexDir);
    const sameRoots = info && [...info.roots].sort().join('\n') === [...config.roots].sort().join('\n');
    if (info && sameRoots) return { report: await reportFromDaemon(new DaemonClient(info), info.roots[0], cwd) };
  }
  const progress = progressReporter({ bar: options.progress && !quiet, lines: options.progress });
  try {
    const analysis = await analyse(config, { onProgress: (p) => progress.update(p) });
    return { report: toScanReport(analysis.groups, analysis.errors, cwd, analysis.referencesOf), stats: analysis.stats };
  } finally {
    progress.stop();
  }
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('doublon')
    .description('Find and remove duplicate images in web asset repositories.')
    .version('0.1.0')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError('(run doublon --help for usage)');

  const common = (command: Command): Command =>
    command
      .option('-c, --config <file>', 'configuration file (default: doublon.config.json in the folder or a parent)')
      .option('--index <dir>', 'index folder (default: .doublon beside the config, or in the first root)')
      .option('--no-progress', 'no progress bar, even on a terminal')
      .option('--no-daemon', 'scan in this process even when a daemon serves the index');
  const configOf = (roots: string[], options: { config?: string; index?: string }): ResolvedConfig =>
    loadConfig({ cwd: io.cwd, configFile: options.config, roots, indexDir: options.index });

  const daemon = program.command('daemon').description('the background process that watches the roots and serves editors');
  common(daemon.command('start'))
    .description('start the daemon for this index (in the background unless --foreground)')
    .argument('[roots...]', 'folders to watch (default: the config roots, or the current folder)')
    .option('--foreground', 'run in this process until SIGTERM/SIGINT (for services and tests)')
    .option('--port <port>', 'HTTP port on 127.0.0.1 (default: any free port)', (v) => parsePort(v))
    .option('--poll', 'watch by polling instead of native file events')
    .option('--overrides <json>', 'settings applied over doublon.config.json, as JSON (what the editor extension passes)')
    .action(async (roots: string[], options: { config?: string; index?: string; foreground?: boolean; port?: number; poll?: boolean; overrides?: string }) => {
      const config = withOverrides(configOf(roots, options), options.overrides);
      if (options.foreground) {
        await runDaemonForeground(config, { port: options.port, usePolling: options.poll });
        setExit(EXIT.ok);
        return;
      }
      const extra = [...(options.port !== undefined ? ['--port', String(options.port)] : []), ...(options.poll ? ['--poll'] : []), ...(options.overrides ? ['--overrides', options.overrides] : [])];
      const { info, started } = await ensureDaemon(config, extra);
      io.stdout(started
        ? `started the daemon: pid ${info.pid}, http://127.0.0.1:${info.port}, socket ${info.socket}\n`
        : `a daemon already runs for this index: pid ${info.pid}, http://127.0.0.1:${info.port}, socket ${info.socket}\n`);
      setExit(EXIT.ok);
    });
  daemon.command('stop')
    .description('stop the daemon of this index')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .action(async (options: { config?: string; index?: string }) => {
      const info = await stopDaemon(configOf([], options));
      io.stdout(info ? `stopped the daemon (pid ${info.pid})\n` : 'no daemon runs for this index\n');
      setExit(EXIT.ok);
    });
  daemon.command('status')
    .description('is a daemon running, and what does it see (exit 3 when none runs)')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .option('--json', 'print the status object')
    .action(async (options: { config?: string; index?: string; json?: boolean }) => {
      const info = await findRunningDaemon(configOf([], options).indexDir);
      if (!info) {
        io.stdout(options.json ? 'null\n' : 'no daemon runs for this index\n');
        setExit(EXIT.notRunning);
        return;
      }
      const status = await new DaemonClient(info).request<DaemonStatus>('doublon/status');
      io.stdout(options.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(info, status));
      setExit(EXIT.ok);
    });

  program.command('lsp')
    .description('speak LSP on stdio for any editor, through the daemon (started if needed)')
    .argument('[roots...]', 'folders to watch when the daemon must be started')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .option('--stdio', 'accepted for editors that always pass it')
    .action(async (roots: string[], options: { config?: string; index?: string }) => {
      setExit(await bridgeStdio(configOf(roots, options)));
    });

  program.command('serve')
    .description('open the dashboard: start the daemon for this folder if none runs, print its address')
    .argument('[roots...]', 'folders to watch when the daemon must be started')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .option('--port <port>', 'HTTP port on 127.0.0.1 when the daemon is started (default: any free port)', (v) => parsePort(v))
    .option('--poll', 'watch by polling instead of native file events')
    .option('--open', 'also open the address in the default browser')
    .action(async (roots: string[], options: { config?: string; index?: string; port?: number; poll?: boolean; open?: boolean }) => {
      io.stdout((await serveDashboard(configOf(roots, options), options)).text);
      setExit(EXIT.ok);
    });

  common(program.command('scan'))
    .description('index the roots and list groups of duplicate images')
    .argument('[roots...]', 'folders to scan (default: the config roots, or the current folder)')
    .option('--json', 'print one JSON object (the stable report contract, version 1)')
    .action(async (roots: string[], options: CommonOptions & { json?: boolean }) => {
      const config = configOf(roots, options);
      const { report, stats } = await run(config, options, !!options.json, io.cwd);
      if (options.json) writeReportJson(report, io.stdout);
      else io.stdout(formatReportText(report, stats));
      setExit(EXIT.ok);
    });

  common(program.command('check'))
    .description('for CI: exit 1 when duplicate images are found (only new ones with --baseline)')
    .argument('[roots...]', 'folders to check (default: the config roots, or the current folder)')
    .addOption(new Option('-f, --format <format>', 'output format (html needs --output)').choices([...CHECK_FORMATS, 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--baseline <file>', 'known duplicates: fail only on duplicates not listed there')
    .option('--update-baseline', 'write the current duplicates to the --baseline file and exit 0')
    .option('--fail-on <classes>', 'classes that fail the check (default: the config failOn)', parseClasses)
    .action(async (roots: string[], options: CommonOptions & { format: CheckFormat | 'html'; output?: string; baseline?: string; updateBaseline?: boolean; failOn?: DuplicateClass[] }) => {
      if (options.format === 'html' && !options.output) throw new CommanderError(EXIT.error, 'doublon.invalidArgument', '--format html writes a file: add --output <file>');
      const baselineFile = options.baseline && path.resolve(io.cwd, options.baseline);
      if (options.updateBaseline && !options.baseline) throw new CommanderError(EXIT.error, 'doublon.invalidArgument', '--update-baseline needs --baseline <file>');
      const config = configOf(roots, options);
      // The baseline and the report list image paths: reading them as sources would count references.
      for (const own of [baselineFile, options.output && path.resolve(io.cwd, options.output)]) {
        const root = own ? config.roots.find((r) => own.startsWith(r + path.sep)) : undefined;
        if (own && root) config.settings.exclude.push(path.relative(root, own).split(path.sep).join('/'));
      }
      const { report } = await run(config, options, options.format !== 'text', io.cwd);
      const all = findingsOf(report.groups, options.failOn ?? config.settings.failOn);
      if (options.updateBaseline) {
        writeBaseline(baselineFile!, makeBaseline(all));
        io.stderr(`Wrote ${all.length} known duplicate${all.length === 1 ? '' : 's'} to ${options.baseline}.\n`);
        setExit(EXIT.ok);
        return;
      }
      const findings = baselineFile ? withoutBaseline(all, readBaseline(baselineFile, options.baseline!)) : all;
      const text = options.format === 'html'
        ? await renderHtmlReport(report, { cwd: io.cwd, maxPixels: config.settings.maxPixels })
        : formatCheck(options.format, { findings, report, known: all.length - findings.length });
      if (options.output) fs.writeFileSync(path.resolve(io.cwd, options.output), text);
      else io.stdout(text);
      setExit(findings.length > 0 ? EXIT.duplicates : EXIT.ok);
    });

  common(program.command('replace'))
    .description('rewrite references to duplicates so they use the canonical file (a dry run unless --apply)')
    .argument('[roots...]', 'folders (default: the config roots, or the current folder)')
    .option('--apply', 'make the changes (atomic, journaled; `doublon undo` restores them)')
    .option('--class <classes>', 'member classes to replace (near only when asked)', parseClasses, DEFAULT_CLASSES)
    .option('--group <id>', 'only this group')
    .option('--delete', 'move copies left unreferenced to the trash folder of the index')
    .option('--json', 'print the plan (and the result) as JSON')
    .action(async (roots: string[], options: CommonOptions & { apply?: boolean; class: DuplicateClass[]; group?: string; delete?: boolean; json?: boolean }) => {
      const config = configOf(roots, options);
      const progress = progressReporter({ bar: options.progress && !options.json, lines: options.progress });
      let analysis;
      try {
        analysis = await analyse(config, { onProgress: (p) => progress.update(p) });
      } finally {
        progress.stop();
      }
      const referencesTo = analysis.referencesOf;
      const plan = await makePlan(
        { groups: analysis.groups.map(toReplaceGroup), referencesTo, resolve: resolveOptions(config) },
        { classes: options.class, groupId: options.group, delete: !!options.delete },
      );
      if (options.group && !analysis.groups.some((g) => g.id === options.group)) {
        throw new CommanderError(EXIT.error, 'doublon.invalidArgument', `--group: no group ${options.group} (list them with doublon scan)`);
      }
      if (!options.apply) {
        io.stdout(options.json ? JSON.stringify({ plan }, null, 2) + '\n' : `${formatPlan(plan, io.cwd)}\nDry run: nothing was changed. Run again with --apply to make these changes.\n`);
        setExit(EXIT.ok);
        return;
      }
      const result = await applyPlan(plan, { indexDir: config.indexDir, referencesTo });
      io.stdout(options.json
        ? JSON.stringify({ plan, result }, null, 2) + '\n'
        : `${formatPlan(plan, io.cwd)}\nApplied: ${result.editsApplied} reference${result.editsApplied === 1 ? '' : 's'} rewritten in ${result.filesWritten.length} file${result.filesWritten.length === 1 ? "" : "s"}, ${result.removed.length} image${result.removed.length === 1 ? '' : 's'} moved to the trash (${formatBytes(result.bytesReclaimed)} reclaimed). Undo with \`doublon undo\`.\n`);
      setExit(EXIT.ok);
    });

  program.command('undo')
    .description('restore the files changed by the last `doublon replace --apply`')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .option('--force', 'restore even files edited since (their current text is saved in the trash first)')
    .action(async (options: { config?: string; index?: string; force?: boolean }) => {
      const config = configOf([], options);
      const result = await undoLast({ indexDir: config.indexDir, force: !!options.force });
      io.stdout(`Undid the replacement ${result.journalId}: ${result.restored.length} file${result.restored.length === 1 ? '' : 's'} restored, ${result.movedBack.length} image${result.movedBack.length === 1 ? '' : 's'} moved back.\n`);
      for (const saved of result.forced) io.stdout(`  ${displayPath(saved.path, io.cwd)} had changed: its text was kept in ${displayPath(saved.savedAs, io.cwd)}\n`);
      setExit(EXIT.ok);
    });

  return program;
}

/** Runs the CLI; resolves to the exit code. `io` is injectable so tests can run it in-process. */
export async function main(argv: string[], io: Io = { cwd: process.cwd(), stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }): Promise<number> {
  let exit: number = EXIT.ok;
  const program = buildProgram(io, (code) => (exit = code));
  try {
    await program.parseAsync(argv);
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      if (error.exitCode === 0) return EXIT.ok;
      if (error.code === 'doublon.invalidArgument') io.stderr(`doublon: ${error.message}\n`);
      return EXIT.error;
    }
    if (error instanceof ConfigError || error instanceof BaselineError || error instanceof DaemonRunningError || error instanceof ReplaceError) {
      io.stderr(`doublon: ${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}
