/**
 * The `doublon` command line. Exit codes: 0 success (for `check`: nothing new), 1 duplicates found by
 * `check`, 2 usage, configuration or environment error.
 */
import * as fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type ResolvedConfig } from '../config/load';
import { ConfigError } from '../config/validate';
import { analyse } from '../analysis';
import type { ScanReport } from '../../protocol/report';
import type { ScanStats } from '../scan/scanner';
import { BaselineError, findingsOf, makeBaseline, readBaseline, withoutBaseline, writeBaseline } from '../report/findings';
import { CHECK_FORMATS, formatCheck, type CheckFormat } from '../report/formats';
import { toScanReport } from '../report/scan-report';
import { DUPLICATE_CLASSES, type DuplicateClass } from '../../protocol/report';
import { progressReporter } from './progress';
import { formatReportText } from './scan-command';

export const EXIT = { ok: 0, duplicates: 1, error: 2 } as const;

interface CommonOptions {
  config?: string;
  index?: string;
  progress: boolean;
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

/** Scans in this process and returns the report with paths relative to `cwd`. */
async function run(config: ResolvedConfig, options: CommonOptions, quiet: boolean, cwd: string): Promise<{ report: ScanReport; stats?: ScanStats }> {
  const progress = progressReporter(options.progress && !quiet);
  try {
    const analysis = await analyse(config, { onProgress: (p) => progress.update(p) });
    return { report: toScanReport(analysis.groups, analysis.errors, cwd), stats: analysis.stats };
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
      .option('--no-progress', 'no progress bar, even on a terminal');

  common(program.command('scan'))
    .description('index the roots and list groups of duplicate images')
    .argument('[roots...]', 'folders to scan (default: the config roots, or the current folder)')
    .option('--json', 'print one JSON object (the stable report contract, version 1)')
    .action(async (roots: string[], options: CommonOptions & { json?: boolean }) => {
      const config = loadConfig({ cwd: io.cwd, configFile: options.config, roots, indexDir: options.index });
      const { report, stats } = await run(config, options, !!options.json, io.cwd);
      io.stdout(options.json ? JSON.stringify(report, null, 2) + '\n' : formatReportText(report, stats));
      setExit(EXIT.ok);
    });

  common(program.command('check'))
    .description('for CI: exit 1 when duplicate images are found (only new ones with --baseline)')
    .argument('[roots...]', 'folders to check (default: the config roots, or the current folder)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(CHECK_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--baseline <file>', 'known duplicates: fail only on duplicates not listed there')
    .option('--update-baseline', 'write the current duplicates to the --baseline file and exit 0')
    .option('--fail-on <classes>', 'classes that fail the check (default: the config failOn)', parseClasses)
    .action(async (roots: string[], options: CommonOptions & { format: CheckFormat; output?: string; baseline?: string; updateBaseline?: boolean; failOn?: DuplicateClass[] }) => {
      if (options.updateBaseline && !options.baseline) throw new CommanderError(EXIT.error, 'doublon.invalidArgument', '--update-baseline needs --baseline <file>');
      const config = loadConfig({ cwd: io.cwd, configFile: options.config, roots, indexDir: options.index });
      const { report } = await run(config, options, options.format !== 'text', io.cwd);
      const all = findingsOf(report.groups, options.failOn ?? config.settings.failOn);
      if (options.updateBaseline) {
        writeBaseline(options.baseline!, makeBaseline(all));
        io.stderr(`Wrote ${all.length} known duplicate${all.length === 1 ? '' : 's'} to ${options.baseline}.\n`);
        setExit(EXIT.ok);
        return;
      }
      const findings = options.baseline ? withoutBaseline(all, readBaseline(options.baseline)) : all;
      const text = formatCheck(options.format, { findings, report, known: all.length - findings.length });
      if (options.output) fs.writeFileSync(options.output, text);
      else io.stdout(text);
      setExit(findings.length > 0 ? EXIT.duplicates : EXIT.ok);
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
    if (error instanceof ConfigError || error instanceof BaselineError) {
      io.stderr(`doublon: ${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}
