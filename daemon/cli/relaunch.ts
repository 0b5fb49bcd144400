/**
 * The CLI's commands that decode images in this process start it again with the allocator settings of
 * protocol/allocator.ts, which glibc reads only at start-up (one more Node start-up, and an idle Node process
 * while the command runs; a cold scan of the photo benchmark peaked 75 MB lower). The other commands (the
 * daemon's, `lsp`, `serve`, `undo`, …) run as they are: the daemon started by a client gets the settings
 * from its launch environment (discovery.ts), and a foreground daemon handles its own signals, which a
 * parent in between would deliver twice.
 *
 * The parent also stands between a crash and the user. LMDB reading a page damaged in a way the check at
 * open cannot see may end the process in its C code (SIGSEGV, SIGBUS, or its own abort: CRASH_SIGNALS): a
 * `scan` or `check` that dies so is run once more, and that run sets the index aside unopened and rebuilds
 * it (a page the walk at open passes can crash the next run the same way: it did, in a fresh-clone run). No
 * report is lost or doubled: it is printed only after the index is closed.
 */
import { spawn } from 'node:child_process';
import { withAllocatorSettings } from '../../protocol/allocator';
import { CRASH_SIGNALS } from '../process/supervisor';

/** Commands that may scan (decode) in this process. */
const DECODING_COMMANDS = new Set(['scan', 'check', 'publish', 'replace']);

/** Set for the run after a crash, to what ended the first one: that run sets the index aside unopened (analysis.ts). */
export const AFTER_CRASH_ENV = 'DOUBLON_AFTER_CRASH';

/** Commands run once more after a crash: they read the roots and write only the index (a cache). */
const RETRIED_COMMANDS = new Set(['scan', 'check']);

function commandOf(argv: string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith('-'));
}

/** Signals a parent alone receives (`kill PID`, `timeout`): passed on. SIGINT from a terminal reaches both processes already. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

/**
 * The environment to run `argv` again with (Linux, a decoding command, settings missing), else undefined.
 * `argv` is process.argv: node, the script, then the arguments.
 */
export function relaunchEnv(argv: string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform): NodeJS.ProcessEnv | undefined {
  if (platform !== 'linux') return undefined;
  const command = commandOf(argv);
  if (command === undefined || !DECODING_COMMANDS.has(command)) return undefined;
  return withAllocatorSettings(env);
}

/**
 * Runs this command again in a child with the allocator settings and Node's options (a profiler's too: the
 * child's profile is the command's) and resolves with its exit code; a child killed by a signal kills this
 * process with the same signal. Undefined when this process runs it itself.
 */
export function relaunchTuned(argv: string[] = process.argv): Promise<number> | undefined {
  // Under a debugger the command runs here, where it is being debugged (a child would not get the port).
  if (process.execArgv.some((option) => option.startsWith('--inspect'))) return undefined;
  const env = relaunchEnv(argv, process.env, process.platform);
  if (!env) return undefined;
  const command = commandOf(argv) ?? '';
  return (async () => {
    let ended = await runChild(argv, env);
    if (ended.signal && CRASH_SIGNALS.has(ended.signal) && RETRIED_COMMANDS.has(command)) {
      process.stderr.write(
        `doublon: the ${command} crashed (signal ${ended.signal}), likely on a damaged index: running it once more on a new index\n`,
      );
      ended = await runChild(argv, { ...env, [AFTER_CRASH_ENV]: `signal ${ended.signal}` });
    }
    if (ended.signal) process.kill(process.pid, ended.signal);
    return ended.code ?? 1;
  })();
}

/** Runs the command in a child with these settings, passing signals on; resolves with how it ended. */
function runChild(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...argv.slice(1)], { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    const ignore = (): void => undefined; // the terminal's SIGINT reaches the child too: wait for its exit
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    process.on('SIGINT', ignore);
    const detach = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      process.off('SIGINT', ignore);
    };
    child.once('error', (error) => {
      detach();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      detach();
      resolve({ code, signal });
    });
  });
}
