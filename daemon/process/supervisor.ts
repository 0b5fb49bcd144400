/**
 * Keeps a daemon running through crashes. A daemon can die where no code of its own can catch it: a read
 * through a page of the index damaged under LMDB's memory map faults inside LMDB's C code (SIGSEGV). The
 * background daemon (`doublon daemon start`, and the one an editor starts) therefore runs as the child of
 * this small process, which starts it again after a crash; the new daemon opens the index, finds the damage
 * and rebuilds it (server/index-recovery.ts), and says it restarted in `doublon/status`.
 *
 * A crash is a fatal signal, or a failure exit after the daemon served (its daemon.json names it). Any other
 * exit ends the supervisor with the same code: a stop, an idle exit, a lost start race, a bad configuration.
 * Restarts are bounded (MAX_RESTARTS within RESTART_WINDOW_MS, each after a longer delay): a daemon that
 * crashes at every start is left down, and the log says why.
 */
import { spawn } from 'node:child_process';
import { readDaemonInfo } from '../../protocol/discovery';
import type { Logger } from '../server/service';

/** Signals that mean the process crashed (not SIGKILL: that is a user's or the kernel's decision to end it). */
export const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE']);
/**
 * Signals that stop the supervisor: the daemon is sent SIGTERM (its clean stop; a terminal's SIGINT reaches
 * it too, and its stop runs once), and the supervisor ends when it has stopped.
 */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Environment of the daemon child: the supervisor's pid (daemon.json records it) and why it was restarted. */
export const SUPERVISOR_ENV = 'DOUBLON_SUPERVISOR';
export const RESTART_REASON_ENV = 'DOUBLON_RESTARTED_AFTER';

export interface SupervisionLimits {
  maxRestarts: number;
  windowMs: number;
  /** Delay before the first restart; doubled for each further one within the window. */
  firstDelayMs: number;
}

export const DEFAULT_LIMITS: SupervisionLimits = { maxRestarts: 5, windowMs: 10 * 60_000, firstDelayMs: 1000 };

export interface SupervisedCommand {
  node: string;
  args: string[];
  /** The daemon's index folder: where its daemon.json says whether it was serving. */
  indexDir: string;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What ended the child, if it was a crash; undefined for any other exit. */
function crashOf(exit: Exit, pid: number | undefined, indexDir: string): string | undefined {
  if (exit.signal) return CRASH_SIGNALS.has(exit.signal) ? `signal ${exit.signal}` : undefined;
  if (exit.code === 0 || pid === undefined) return undefined;
  return readDaemonInfo(indexDir)?.pid === pid ? `exit code ${exit.code}` : undefined;
}

/** Runs the daemon command as a child, again after each crash (within the limits); resolves with the exit code to end with. */
export async function superviseDaemon(
  command: SupervisedCommand,
  log: Logger,
  limits: SupervisionLimits = DEFAULT_LIMITS,
): Promise<number> {
  const restarts: number[] = [];
  let stopSignal: NodeJS.Signals | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  let wakeFromDelay: (() => void) | undefined;
  const onStop = (signal: NodeJS.Signals): void => {
    stopSignal = signal;
    child?.kill('SIGTERM');
    wakeFromDelay?.();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStop);
  try {
    let reason: string | undefined;
    for (;;) {
      const env: NodeJS.ProcessEnv = { ...process.env, [SUPERVISOR_ENV]: String(process.pid) };
      delete env[RESTART_REASON_ENV];
      if (reason) env[RESTART_REASON_ENV] = reason;
      const running = spawn(command.node, command.args, { stdio: 'inherit', env });
      child = running;
      const exit = await new Promise<Exit>((resolve) => {
        running.once('error', () => resolve({ code: 1, signal: null }));
        running.once('exit', (code, signal) => resolve({ code, signal }));
      });
      child = undefined;
      const crash = stopSignal ? undefined : crashOf(exit, running.pid, command.indexDir);
      if (!crash) return exit.code ?? 1;
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0] >= limits.windowMs) restarts.shift();
      if (restarts.length >= limits.maxRestarts) {
        log(
          `the daemon (pid ${running.pid}) crashed (${crash}) ${restarts.length + 1} times within ${limits.windowMs / 60_000} min: not starting it again`,
        );
        return 1;
      }
      restarts.push(now);
      const delay = limits.firstDelayMs * 2 ** (restarts.length - 1);
      log(
        `the daemon (pid ${running.pid}) crashed (${crash}): starting it again in ${delay / 1000} s (restart ${restarts.length} of at most ${limits.maxRestarts} within ${limits.windowMs / 60_000} min)`,
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeFromDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeFromDelay = undefined;
      if (stopSignal) return 0;
      reason = `${crash} at ${new Date(now).toISOString()}`;
    }
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onStop);
  }
}
