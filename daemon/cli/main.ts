/* eslint-disable max-lines -- the command table: each command's options, help and exit codes as commander declares them; the bodies of scan, check and replace are still here (moving them to *-command.ts files like scan-command.ts is open work). */
/**
 * The `doublon` command line. Exit codes: 0 success (for `check`: nothing new), 1 duplicates found by
 * `check`, 2 usage, configuration or environment error.
 */
import * as fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type ResolvedConfig } from '../config/load';
import { ConfigError, validateConfig } from '../config/validate';
import type { DoublonConfig } from '../../protocol/settings';
import { analyse } from '../analysis';
import { resolveOptions } from '../refstore/open';
import { DiskFullError } from '../index/disk';
import { applyPlan, DEFAULT_CLASSES, formatPlan, makePlan, removeLeftoverTempFiles, ReplaceError, undoLast } from '../replace';
import { isUnder } from '../replace/scope';
import { toReplaceGroup } from '../replace/adapter';
import { formatBytes } from '../report/formats';
import type { ScanReport } from '../../protocol/report';
import type { ScanStats } from '../scan/scanner';
import { checkFails, findingsOf, onlyErrors, tally, unreadableOf } from '../report/findings';
import { BaselineError, makeBaseline, matchBaseline, readBaseline, writeBaseline } from '../report/baseline';
import { CHECK_FORMATS, formatCheck, type CheckFormat } from '../report/formats';
import { TOOL_VERSION } from '../report/tool';
import { FAIL_ON_VALUES, type FailOn } from '../../protocol/settings';
import { colorEnabled, styleFor } from './color';
import { CHECK_HELP, PROGRAM_HELP } from './help';
import { displayPath, toScanReport } from '../report/scan-report';
import { quotePath } from '../report/printable';
import * as path from 'node:path';
import { REPORT_VERSION, type ReportError, type ReportGroup } from '../../protocol/report';
import { GroupsRequest, StatusRequest } from '../../protocol/methods';
import { DaemonRunningError, UnsafeSocketFolderError, findRunningDaemon } from '../server/lifecycle';
import { runDaemonForeground } from '../process/daemon';
import { superviseDaemon } from '../process/supervisor';
import { stderrLogger } from '../server/service';
import { DaemonClient } from './client';
import { ensureDaemon, formatStatus, stopDaemon } from './daemon-command';
import { runLspBridge } from './lsp-bridge';
import { AFTER_CRASH_ENV } from './relaunch';
import { DUPLICATE_CLASSES, type DuplicateClass } from '../../protocol/report';
import { progressReporter } from './progress';
import { formatReportText } from './scan-command';
import { serveDashboard } from './serve-command';
import { renderHtmlReport } from '../dashboard/html-report';
import { CatalogueError } from '../catalogue/connection';
import { checkCatalogue, formatCatalogueGithub, formatCatalogueText, formatPublish, rebaseFindings, runPublish } from './catalogue-command';

export const EXIT = { ok: 0, duplicates: 1, error: 2, notRunning: 3 } as const;

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CommanderError(EXIT.error, 'doublon.invalidArgument', `--port: expected an integer from 0 to 65535, received "${value}"`);
  return port;
}

function parseMinutes(value: string): number {
  const minutes = Number(value);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 7 * 24 * 60)
    throw new CommanderError(
      EXIT.error,
      'doublon.invalidArgument',
      `--idle-exit: expected a number of minutes above 0 (at most a week), received "${value}"`,
    );
  return minutes;
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
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError('--overrides', ['(top level): expected an object']);
  const given = raw as Partial<DoublonConfig>;
  const base = config.settings;
  const merged = {
    ...base,
    ...given,
    thresholds: { ...base.thresholds, ...given.thresholds },
    canonical: { ...base.canonical, ...given.canonical },
  };
  return { ...config, settings: validateConfig(merged, '--overrides') };
}

/** The whole report from a daemon, paths made relative to `cwd` like a local scan's. */
async function reportFromDaemon(client: DaemonClient, firstRoot: string, cwd: string): Promise<ScanReport> {
  // A daemon still on its first scan would answer with half the groups: wait until it is idle.
  for (let delay = 20; (await client.send(StatusRequest.type)).state !== 'idle'; delay = Math.min(delay * 2, 500)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  const rebase = (p: string): string => displayPath(path.resolve(firstRoot, p), cwd);
  const groups: ReportGroup[] = [];
  let errors: ReportError[] = [];
  for (let offset = 0; ; offset += 10_000) {
    const page = await client.send(GroupsRequest.type, { offset, limit: 10_000 });
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

export interface Io {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (colour by default); false when absent. */
  isTTY?: boolean;
  /** For NO_COLOR and FORCE_COLOR; none when absent (tests stay independent of the caller's environment). */
  env?: NodeJS.ProcessEnv;
}

/** One stderr line about the index itself (a damaged index moved aside and rebuilt). */
function notice(io: Io): (text: string) => void {
  return (text) => io.stderr(`doublon: ${text}\n`);
}

function parseList<T extends string>(option: string, allowed: readonly T[]) {
  return (value: string): T[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      if (!allowed.includes(item as T))
        throw new CommanderError(
          EXIT.error,
          'doublon.invalidArgument',
          `${option}: expected a list of ${allowed.join(', ')}, received "${item}"`,
        );
    }
    return items as T[];
  };
}

function parseMaxWarnings(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1)
    throw new CommanderError(
      EXIT.error,
      'doublon.invalidArgument',
      `--max-warnings: expected an integer of -1 (no limit) or more, received "${value}"`,
    );
  return n;
}

/** A file the user names, absolute, its folder resolved through symbolic links (a baseline's paths are relative to it). */
function userFile(cwd: string, given: string, option: string): string {
  const absolute = path.resolve(cwd, given);
  try {
    return path.join(fs.realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    throw new CommanderError(EXIT.error, 'doublon.invalidArgument', `${option}: the folder of ${given} does not exist`);
  }
}

/** Scans (in a running daemon if one serves this index, else here) and returns the report with paths relative to `cwd`. */
async function run(
  config: ResolvedConfig,
  options: CommonOptions,
  quiet: boolean,
  cwd: string,
  onNotice: (text: string) => void,
): Promise<{ report: ScanReport; stats?: ScanStats }> {
  if (options.daemon) {
    const info = await findRunningDaemon(config.indexDir);
    const sameRoots = info && [...info.roots].sort().join('\n') === [...config.roots].sort().join('\n');
    if (info && sameRoots) return { report: await reportFromDaemon(new DaemonClient(info), info.roots[0], cwd) };
  }
  const progress = progressReporter({ bar: options.progress && !quiet, lines: options.progress });
  try {
    // Set by the parent when this command's first run crashed (relaunch.ts).
    const afterCrash = process.env[AFTER_CRASH_ENV];
    const analysis = await analyse(config, { onProgress: (p) => progress.update(p), onNotice, afterCrash });
    return { report: toScanReport(analysis.groups, analysis.errors, cwd, analysis.referencesOf, config.libraries), stats: analysis.stats };
  } finally {
    progress.stop();
  }
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('doublon')
    .description('Find and remove duplicate images in web asset repositories.')
    .version(TOOL_VERSION, '-v, --version', 'print the version')
    .option('--cwd <dir>', 'run as if started in this folder (paths in arguments and output are relative to it)')
    .option('--color', 'colour the text output even when it is not a terminal')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .addHelpText('after', PROGRAM_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError('(run doublon --help for usage)');
  // Global options are read before any command runs: the working folder every path is resolved from.
  program.hook('preAction', () => {
    const given = program.opts<{ cwd?: string }>().cwd;
    if (given === undefined) return;
    const cwd = path.resolve(io.cwd, given);
    if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory())
      throw new CommanderError(EXIT.error, 'doublon.invalidArgument', `--cwd: ${given} is not a folder`);
    io.cwd = cwd;
  });
  const useColor = (): boolean => colorEnabled({ flag: program.opts<{ color?: boolean }>().color, env: io.env ?? {}, isTTY: !!io.isTTY });

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
    .option(
      '--restart-on-crash',
      'with --foreground: run the daemon in a child process, started again if it crashes (what a background start does)',
    )
    .option('--port <port>', 'HTTP port on 127.0.0.1 (default: any free port)', (v) => parsePort(v))
    .option('--poll', 'watch by polling instead of native file events')
    .option('--overrides <json>', 'settings applied over doublon.config.json, as JSON (what the editor extension passes)')
    .option('--idle-exit <minutes>', 'stop after this many minutes with no client connected (editors start it so)', (v) => parseMinutes(v))
    .action(
      async (
        roots: string[],
        options: {
          config?: string;
          index?: string;
          foreground?: boolean;
          restartOnCrash?: boolean;
          port?: number;
          poll?: boolean;
          overrides?: string;
          idleExit?: number;
        },
      ) => {
        const config = withOverrides(configOf(roots, options), options.overrides);
        if (options.foreground && options.restartOnCrash) {
          const args = [...process.execArgv, ...process.argv.slice(1).filter((arg) => arg !== '--restart-on-crash')];
          setExit(await superviseDaemon({ node: process.execPath, args, indexDir: config.indexDir }, stderrLogger));
          return;
        }
        if (options.foreground) {
          await runDaemonForeground(config, {
            port: options.port,
            usePolling: options.poll,
            idleExitMs: options.idleExit === undefined ? undefined : options.idleExit * 60_000,
          });
          setExit(EXIT.ok);
          return;
        }
        const extra = [
          ...(options.port !== undefined ? ['--port', String(options.port)] : []),
          ...(options.poll ? ['--poll'] : []),
          ...(options.overrides ? ['--overrides', options.overrides] : []),
          ...(options.idleExit !== undefined ? ['--idle-exit', String(options.idleExit)] : []),
        ];
        const { info, started } = await ensureDaemon(config, extra);
        io.stdout(
          started
            ? `started the daemon: pid ${info.pid}, http://127.0.0.1:${info.port}, socket ${quotePath(info.socket)}\n`
            : `a daemon already runs for this index: pid ${info.pid}, http://127.0.0.1:${info.port}, socket ${quotePath(info.socket)}\n`,
        );
        setExit(EXIT.ok);
      },
    );
  daemon
    .command('stop')
    .description('stop the daemon of this index')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .action(async (options: { config?: string; index?: string }) => {
      const info = await stopDaemon(configOf([], options));
      io.stdout(info ? `stopped the daemon (pid ${info.pid})\n` : 'no daemon runs for this index\n');
      setExit(EXIT.ok);
    });
  daemon
    .command('status')
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
      const status = await new DaemonClient(info).send(StatusRequest.type);
      io.stdout(options.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(info, status));
      setExit(EXIT.ok);
    });

  program
    .command('lsp')
    .description('speak LSP on stdio for any editor, through the daemon of the workspace the editor names (started if needed)')
    .argument('[roots...]', 'folders to watch, instead of the workspace folders the editor sends in initialize')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .option('--stdio', 'accepted for editors that always pass it')
    .action(async (roots: string[], options: { config?: string; index?: string }) => {
      setExit(
        await runLspBridge({
          cwd: io.cwd,
          roots,
          configFile: options.config,
          indexDir: options.index,
          input: process.stdin,
          output: process.stdout,
          ensureDaemon: (config, extra) => ensureDaemon(config, extra),
          log: (line) => io.stderr(`${line}\n`),
        }),
      );
    });

  program
    .command('serve')
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
      const { report, stats } = await run(config, options, !!options.json, io.cwd, notice(io));
      if (options.json) writeReportJson(report, io.stdout);
      else io.stdout(formatReportText(report, stats));
      setExit(EXIT.ok);
    });

  common(program.command('check'))
    .description('for CI: exit 1 when duplicate images are found (only new ones with --baseline)')
    .argument('[roots...]', 'folders to check (default: the config roots, or the current folder)')
    .addOption(
      new Option('-f, --format <format>', 'output format (html needs --output)').choices([...CHECK_FORMATS, 'html']).default('text'),
    )
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--baseline <file>', 'known duplicates: report only duplicates not listed there (paths relative to the file)')
    .option('--update-baseline', 'write the current duplicates to the --baseline file and exit 0')
    .option('--prune-baseline', 'remove from the --baseline file the entries that match no current duplicate')
    .option(
      '--fail-on <list>',
      `what is an error: ${FAIL_ON_VALUES.join(', ')} (default: the config failOn)`,
      parseList<FailOn>('--fail-on', FAIL_ON_VALUES),
    )
    .option('--max-warnings <n>', 'fail when there are more warnings than this (-1: no limit)', parseMaxWarnings, -1)
    .option('-q, --quiet', 'report errors only (warnings are neither shown nor counted)')
    .option(
      '--catalogue <url>',
      'also report copies in other sites and libraries of this PostgreSQL catalogue (default: DOUBLON_CATALOGUE or PG* variables)',
    )
    .option('--repository <name>', "this site's name in the catalogue (default: its git remote's name, or its folder's)")
    .addHelpText('after', CHECK_HELP)
    .action(
      async (
        roots: string[],
        options: CommonOptions & {
          format: CheckFormat | 'html';
          output?: string;
          baseline?: string;
          updateBaseline?: boolean;
          pruneBaseline?: boolean;
          failOn?: FailOn[];
          maxWarnings: number;
          quiet?: boolean;
          catalogue?: string;
          repository?: string;
        },
      ) => {
        if (options.format === 'html' && !options.output)
          throw new CommanderError(EXIT.error, 'doublon.invalidArgument', '--format html writes a file: add --output <file>');
        const baselineFile = options.baseline !== undefined ? userFile(io.cwd, options.baseline, '--baseline') : undefined;
        if ((options.updateBaseline || options.pruneBaseline) && !options.baseline)
          throw new CommanderError(
            EXIT.error,
            'doublon.invalidArgument',
            `${options.updateBaseline ? '--update-baseline' : '--prune-baseline'} needs --baseline <file>`,
          );
        const config = configOf(roots, options);
        // The baseline and the report list image paths: reading them as sources would count references.
        for (const own of [baselineFile, options.output && path.resolve(io.cwd, options.output)]) {
          const root = own ? config.roots.find((r) => own.startsWith(r + path.sep)) : undefined;
          if (own && root) config.settings.exclude.push(path.relative(root, own).split(path.sep).join('/'));
        }
        const { report } = await run(config, options, options.format !== 'text', io.cwd, notice(io));
        const failOn = options.failOn ?? config.settings.failOn;
        const all = findingsOf(report.groups, failOn);
        const shownBaseline = quotePath(options.baseline ?? '');
        if (baselineFile && options.updateBaseline) {
          writeBaseline(baselineFile, makeBaseline(all, io.cwd, baselineFile));
          io.stderr(`Wrote ${all.length} known duplicate${all.length === 1 ? '' : 's'} to ${shownBaseline}.\n`);
          setExit(EXIT.ok);
          return;
        }
        let findings = all;
        let known = 0;
        if (baselineFile) {
          const match = matchBaseline(all, readBaseline({ file: baselineFile, shown: shownBaseline }, io.cwd), io.cwd);
          if (options.pruneBaseline) {
            writeBaseline(baselineFile, makeBaseline(match.known, io.cwd, baselineFile));
            io.stderr(
              `Removed ${match.stale.length} stale entr${match.stale.length === 1 ? 'y' : 'ies'} from ${shownBaseline} (${match.known.length} kept).\n`,
            );
          }
          findings = match.fresh;
          known = match.known.length;
        }
        let unreadable = unreadableOf(report.errors, failOn);
        if (options.quiet) {
          findings = onlyErrors(findings);
          unreadable = onlyErrors(unreadable);
        }
        const counts = tally(findings, unreadable);
        const colored = options.format === 'text' && !options.output && useColor();
        const catalogue = await checkCatalogue(config, options, failOn);
        // SARIF and GitLab carry the catalogue's findings as results of their own rules (paths from the cwd, like the rest).
        const carried =
          catalogue && !catalogue.error && (options.format === 'sarif' || options.format === 'gitlab')
            ? { findings: rebaseFindings(catalogue.findings, config.baseDir, io.cwd), failOn }
            : undefined;
        let text =
          options.format === 'html'
            ? await renderHtmlReport(report, { cwd: io.cwd, maxPixels: config.settings.maxPixels })
            : formatCheck(options.format, {
                findings,
                unreadable,
                report,
                counts,
                known,
                srcRoot: io.cwd,
                style: styleFor(colored),
                ...(carried ? { catalogue: carried } : {}),
              });
        if (catalogue) {
          if (options.format === 'text') text += formatCatalogueText(catalogue);
          else if (options.format === 'json') text = JSON.stringify({ ...(JSON.parse(text) as object), catalogue }, null, 2) + '\n';
          else if (options.format === 'github') text += formatCatalogueGithub(catalogue);
          else if (!carried) io.stderr(formatCatalogueText(catalogue).trimStart());
        }
        if (options.output) fs.writeFileSync(path.resolve(io.cwd, options.output), text);
        else io.stdout(text);
        setExit(checkFails(counts, options.maxWarnings) || (catalogue?.failing ?? 0) > 0 ? EXIT.duplicates : EXIT.ok);
      },
    );

  common(program.command('publish'))
    .description("send this site's image fingerprints to the PostgreSQL catalogue (only what changed since its last publish)")
    .argument('[roots...]', 'folders (default: the config roots, or the current folder)')
    .option(
      '--catalogue <url>',
      'postgres:// connection string (default: DOUBLON_CATALOGUE or PG* variables; prefer them to keep the password out of the process list)',
    )
    .option('--repository <name>', "this site's name in the catalogue (default: its git remote's name, or its folder's)")
    .option('--public-url <url>', 'the base URL the site (its web roots) is served from: each image is published with its URL')
    .option('--library', 'publish as a shared library: copies of its images in other sites fail their check')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        roots: string[],
        options: CommonOptions & { catalogue?: string; repository?: string; publicUrl?: string; library?: boolean; json?: boolean },
      ) => {
        const result = await runPublish(configOf(roots, options), options);
        io.stdout(options.json ? JSON.stringify(result, null, 2) + '\n' : formatPublish(result));
        setExit(EXIT.ok);
      },
    );

  common(program.command('replace'))
    .description('rewrite references to duplicates so they use the canonical file (a dry run unless --apply)')
    .argument('[roots...]', 'folders (default: the config roots, or the current folder)')
    .option('--apply', 'make the changes (atomic, journaled; `doublon undo` restores them)')
    .option(
      '--class <classes>',
      'member classes to replace (near only when asked)',
      parseList<DuplicateClass>('--class', DUPLICATE_CLASSES),
      DEFAULT_CLASSES,
    )
    .option('--group <id>', 'only this group')
    .option('--delete', 'move copies left unreferenced to the trash folder of the index')
    .option('--json', 'print the plan (and the result) as JSON')
    .action(
      async (
        roots: string[],
        options: CommonOptions & { apply?: boolean; class: DuplicateClass[]; group?: string; delete?: boolean; json?: boolean },
      ) => {
        const config = configOf(roots, options);
        const progress = progressReporter({ bar: options.progress && !options.json, lines: options.progress });
        let analysis;
        try {
          analysis = await analyse(config, { onProgress: (p) => progress.update(p), onNotice: notice(io) });
        } finally {
          progress.stop();
        }
        const leftovers = await removeLeftovers(config);
        const input = {
          groups: analysis.groups.map(toReplaceGroup),
          referencesTo: analysis.referencesOf,
          resolve: resolveOptions(config),
          indexDir: config.indexDir,
          mentionsOf: analysis.mentionsOf,
        };
        const plan = await makePlan(input, { classes: options.class, groupId: options.group, delete: !!options.delete });
        if (options.group && !analysis.groups.some((g) => g.id === options.group)) {
          throw new CommanderError(
            EXIT.error,
            'doublon.invalidArgument',
            `--group: no group ${options.group} (list them with doublon scan)`,
          );
        }
        if (!options.json)
          for (const file of leftovers)
            io.stderr(`Removed ${displayPath(file, io.cwd)}, a temporary file left by an interrupted replace or undo.\n`);
        if (!options.apply) {
          io.stdout(
            options.json
              ? JSON.stringify({ plan, leftoversRemoved: leftovers }, null, 2) + '\n'
              : `${formatPlan(plan, io.cwd)}\nDry run: nothing was changed. Run again with --apply to make these changes.\n`,
          );
          setExit(EXIT.ok);
          return;
        }
        const result = await applyPlan(plan, { ...input, indexDir: config.indexDir });
        io.stdout(
          options.json
            ? JSON.stringify({ plan, result, leftoversRemoved: leftovers }, null, 2) + '\n'
            : `${formatPlan(plan, io.cwd)}\nApplied: ${result.editsApplied} reference${result.editsApplied === 1 ? '' : 's'} rewritten in ${result.filesWritten.length} file${result.filesWritten.length === 1 ? '' : 's'}, ${result.removed.length} image${result.removed.length === 1 ? '' : 's'} moved to the trash (${formatBytes(result.bytesReclaimed)} reclaimed). Undo with \`doublon undo\`.\n`,
        );
        setExit(EXIT.ok);
      },
    );

  program
    .command('undo')
    .description('restore the files changed by the last `doublon replace --apply`')
    .option('-c, --config <file>', 'configuration file')
    .option('--index <dir>', 'index folder')
    .option('--force', 'restore even files edited since (their current text is saved in the trash first)')
    .action(async (options: { config?: string; index?: string; force?: boolean }) => {
      const config = configOf([], options);
      for (const file of await removeLeftovers(config))
        io.stderr(`Removed ${displayPath(file, io.cwd)}, a temporary file left by an interrupted replace or undo.\n`);
      const result = await undoLast({ indexDir: config.indexDir, roots: config.roots, force: !!options.force });
      io.stdout(
        `Undid the replacement ${result.journalId}: ${result.restored.length} file${result.restored.length === 1 ? '' : 's'} restored, ${result.movedBack.length} image${result.movedBack.length === 1 ? '' : 's'} moved back.\n`,
      );
      for (const saved of result.forced)
        io.stdout(
          `  ${quotePath(displayPath(saved.path, io.cwd))} had changed: its text was kept in ${quotePath(displayPath(saved.savedAs, io.cwd))}\n`,
        );
      setExit(EXIT.ok);
    });

  return program;
}

/** Temporary files an interrupted apply or undo left in the roots or the index folder (removed before a replace or undo). */
function removeLeftovers(config: ResolvedConfig): Promise<string[]> {
  return removeLeftoverTempFiles(isUnder(config.indexDir, config.roots) ? config.roots : [...config.roots, config.indexDir]);
}

/** Runs the CLI; resolves to the exit code. `io` is injectable so tests can run it in-process. */
export async function main(
  argv: string[],
  given: Io = {
    cwd: process.cwd(),
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: process.stdout.isTTY,
    env: process.env,
  },
): Promise<number> {
  let exit: number = EXIT.ok;
  const io = { ...given }; // --cwd changes io.cwd for this run only
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
    if (
      error instanceof ConfigError ||
      error instanceof BaselineError ||
      error instanceof DaemonRunningError ||
      error instanceof ReplaceError ||
      error instanceof DiskFullError ||
      error instanceof UnsafeSocketFolderError ||
      error instanceof CatalogueError
    ) {
      io.stderr(`doublon: ${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}
