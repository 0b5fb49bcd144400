/**
 * Finding or starting the daemon that serves a workspace folder's index. Node only (no `vscode`): the
 * context passes in what it read from the settings and where to log. The finding and starting themselves
 * are protocol/discovery.ts's, shared with the CLI (the extension imports nothing of ours but protocol/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_NAME, DEFAULT_CONFIG } from '../protocol/settings';
import { DaemonStartError, findConfigFile, findRunningDaemon, logPath, startDaemonProcess, type DaemonInfo } from '../protocol/discovery';
import { daemonStartArgs, type ConfigOverrides } from './settings';

export { DaemonStartError };

export interface DaemonTarget {
  /** doublon.config.json governing the folder (in it or a parent), if any. */
  configFile: string | undefined;
  indexDir: string;
  /** Roots given on the command line (absolute); empty: the config's. */
  roots: string[];
  /** Working folder of the daemon. */
  cwd: string;
  /** The user's doublon.* settings that override the config file, passed when the daemon starts. */
  overrides?: ConfigOverrides;
}

/**
 * Where the index of `folder` lives, located like the CLI does: beside the config, or in the folder. The
 * other folders of a multi-root workspace that the first one's roots do not cover become roots of the same
 * daemon (one index, in the first folder's place).
 */
export function locateTarget(folder: string, rootSettings: string[], otherFolders: string[] = []): DaemonTarget {
  const configFile = findConfigFile(folder);
  let indexSetting = DEFAULT_CONFIG.indexDir;
  let configRoots = DEFAULT_CONFIG.roots;
  if (configFile) {
    try {
      const raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { indexDir?: unknown; roots?: unknown };
      if (typeof raw.indexDir === 'string' && raw.indexDir !== '') indexSetting = raw.indexDir;
      if (Array.isArray(raw.roots) && raw.roots.every((r) => typeof r === 'string')) configRoots = raw.roots as string[];
    } catch {
      // An invalid config is reported by the daemon itself when it starts, with the key at fault.
    }
  }
  const base = configFile ? path.dirname(configFile) : folder;
  let roots = rootSettings.length > 0 ? rootSettings.map((r) => path.resolve(folder, r)) : configFile ? [] : [folder];
  const covering = roots.length > 0 ? roots : configRoots.map((r) => path.resolve(base, r));
  const inside = (f: string): boolean => covering.some((r) => f === r || f.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  const extra = otherFolders.filter((f) => !inside(f));
  // Roots on the command line replace the config's: list the config's own when adding folders to them.
  if (extra.length > 0) roots = [...covering, ...extra];
  return { configFile, indexDir: path.resolve(base, indexSetting), roots, cwd: base };
}

export function describeTarget(target: DaemonTarget): string {
  return `index ${target.indexDir}, ${target.configFile ? `config ${target.configFile}` : `no ${CONFIG_FILE_NAME} (defaults)`}${target.roots.length ? `, roots ${target.roots.join(', ')}` : ''}`;
}

export interface Launcher {
  /** Executable running the CLI (VS Code's own, or `doublon.nodePath`). */
  node: string;
  /** Extra environment (`ELECTRON_RUN_AS_NODE=1` for VS Code's executable). */
  env: NodeJS.ProcessEnv;
  /** The CLI script. */
  cli: string;
}

/** Resolves with the running daemon for `target`, starting one (detached, outliving VS Code) if none answers. */
export async function ensureDaemon(
  target: DaemonTarget,
  launcher: Launcher,
  log: (line: string) => void,
  timeoutMs = 60_000,
): Promise<{ info: DaemonInfo; started: boolean }> {
  const running = await findRunningDaemon(target.indexDir);
  if (running) return { info: running, started: false };
  if (!fs.existsSync(launcher.cli))
    throw new DaemonStartError(`the doublon CLI is missing: ${launcher.cli} (check doublon.daemonPath, or reinstall the extension)`);
  const args = daemonStartArgs(launcher.cli, target.indexDir, target.configFile, target.roots, target.overrides);
  log(
    `starting the daemon: ${launcher.node} ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')} (log: ${logPath(target.indexDir)})`,
  );
  return startDaemonProcess(target.indexDir, { node: launcher.node, args, env: launcher.env, cwd: target.cwd }, timeoutMs);
}
