/**
 * The extension's settings (`doublon.*`), typed once: read with safe defaults (an unknown value falls back
 * instead of failing), mapped to what the daemon receives, and sorted by what a change needs (nothing, a
 * reconnection, a daemon restart). No `vscode` import: unit-tested in plain mocha.
 */
import type { DuplicateClass } from '../protocol/report';
import { DEFAULT_SEVERITIES as DEFAULT_SEVERITY, severityFrom, type SeverityName } from '../protocol/severity';

export interface ExtensionSettings {
  /** `doublon.enable`: false starts no daemon for the workspace. */
  enable: boolean;
  /** `doublon.hover.images`: thumbnails in hovers. */
  hoverImages: boolean;
  severity: Record<DuplicateClass, SeverityName>;
  /** Minimal similarity of a near duplicate, or undefined to keep doublon.config.json's. */
  nearThreshold: number | undefined;
  /** Folders to watch (relative to the workspace folder); empty: doublon.config.json's, or the folder. */
  roots: string[];
  /** Extra globs never indexed. */
  exclude: string[];
  /** Extra globs of the preferred library (canonical choice). */
  preferred: string[];
  /** Node executable that runs the daemon; undefined: the one VS Code runs on. */
  nodePath: string | undefined;
  /** The doublon CLI script (`bin/doublon.js` or `dist/cli.js`); undefined: the bundled one. */
  daemonPath: string | undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : [];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Reads every setting through `get` (a `WorkspaceConfiguration.get` of the `doublon` section). */
export function readSettings(get: (key: string) => unknown): ExtensionSettings {
  const threshold = get('nearThreshold');
  return {
    enable: get('enable') !== false,
    hoverImages: get('hover.images') !== false,
    severity: {
      exact: severityFrom(get('severity.exact'), DEFAULT_SEVERITY.exact),
      pixel: severityFrom(get('severity.pixel'), DEFAULT_SEVERITY.pixel),
      near: severityFrom(get('severity.near'), DEFAULT_SEVERITY.near),
    },
    nearThreshold: typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0 && threshold <= 1 ? threshold : undefined,
    roots: stringList(get('roots')),
    exclude: stringList(get('exclude')),
    preferred: stringList(get('canonical.preferred')),
    nodePath: optionalString(get('nodePath')),
    daemonPath: optionalString(get('daemonPath')),
  };
}

/** Config overrides the daemon is asked to apply over doublon.config.json (absent keys: keep the file's). */
export interface ConfigOverrides {
  thresholds?: { nearSimilarity: number };
  exclude?: string[];
  canonical?: { preferred: string[] };
}

/** What the extension sends as LSP `initializationOptions` (per connection; config overrides go to the daemon's start). */
export interface InitializationOptions {
  severity: Record<DuplicateClass, SeverityName>;
  hover: { images: boolean };
}

export function configOverrides(settings: ExtensionSettings): ConfigOverrides | undefined {
  const overrides: ConfigOverrides = {
    ...(settings.nearThreshold !== undefined ? { thresholds: { nearSimilarity: settings.nearThreshold } } : {}),
    ...(settings.exclude.length > 0 ? { exclude: settings.exclude } : {}),
    ...(settings.preferred.length > 0 ? { canonical: { preferred: settings.preferred } } : {}),
  };
  return Object.keys(overrides).length > 0 ? overrides : undefined;
}

export function initializationOptions(settings: ExtensionSettings): InitializationOptions {
  return { severity: { ...settings.severity }, hover: { images: settings.hoverImages } };
}

/** Settings whose change needs the daemon restarted (it reads them when it starts). */
export const RESTART_DAEMON_SETTINGS = [
  'doublon.roots',
  'doublon.exclude',
  'doublon.nearThreshold',
  'doublon.canonical.preferred',
  'doublon.nodePath',
  'doublon.daemonPath',
] as const;
/** Settings sent on `initialize`: a new connection applies them, the daemon keeps running. */
export const RECONNECT_SETTINGS = ['doublon.severity', 'doublon.hover.images', 'doublon.enable'] as const;

export type ChangeImpact = 'none' | 'reconnect' | 'restartDaemon';

/** What a configuration change needs; `affects` is `ConfigurationChangeEvent.affectsConfiguration`. */
export function changeImpact(affects: (section: string) => boolean): { impact: ChangeImpact; settings: string[] } {
  const restart = RESTART_DAEMON_SETTINGS.filter((s) => affects(s));
  if (restart.length > 0) return { impact: 'restartDaemon', settings: restart };
  const reconnect = RECONNECT_SETTINGS.filter((s) => affects(s));
  if (reconnect.length > 0) return { impact: 'reconnect', settings: reconnect };
  return { impact: 'none', settings: [] };
}

/** Minutes a daemon the extension started keeps running with no editor connected (VS Code closed). */
export const DAEMON_IDLE_EXIT_MINUTES = 10;

/** The CLI arguments that start a daemon in the foreground (the extension detaches it itself). */
export function daemonStartArgs(
  cli: string,
  indexDir: string,
  configFile: string | undefined,
  roots: string[],
  overrides?: ConfigOverrides,
): string[] {
  return [
    cli,
    'daemon',
    'start',
    '--foreground',
    '--restart-on-crash',
    '--index',
    indexDir,
    '--idle-exit',
    String(DAEMON_IDLE_EXIT_MINUTES),
    ...(configFile ? ['--config', configFile] : []),
    ...(overrides ? ['--overrides', JSON.stringify(overrides)] : []),
    ...roots,
  ];
}
