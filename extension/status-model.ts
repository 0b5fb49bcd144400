/**
 * One status, one render function: everything the status bar item shows is computed here from a
 * `ConnectionState`, so the item is never half-updated. No `vscode` import: unit-tested in plain mocha.
 */
import type { DaemonStatus } from '../protocol/methods';
import { formatBytes } from '../protocol/units';

export type ConnectionState =
  | { kind: 'stopped' }
  | { kind: 'starting'; detail?: string }
  | { kind: 'connected'; status: DaemonStatus; lsp: boolean; dashboard?: string }
  | { kind: 'restarting'; attempt: number; of: number; reason: string }
  | { kind: 'failed'; message: string };

export interface StatusView {
  text: string;
  /** Markdown (trusted: holds `command:` links). */
  tooltip: string;
  /** `error`/`warning` pick the status bar's error/warning background. */
  level: 'normal' | 'warning' | 'error';
  /** Command run on click. */
  command: string;
}

/** Same units as the CLI's report: the status bar and `doublon scan` agree. */
export { formatBytes };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const LINKS = {
  log: '[Show Log](command:doublon.showLog)',
  restart: '[Restart Daemon](command:doublon.restartDaemon)',
  dashboard: '[Open Dashboard](command:doublon.openDashboard)',
};

function links(dashboard: boolean): string {
  return [LINKS.log, LINKS.restart, ...(dashboard ? [LINKS.dashboard] : [])].join(' · ');
}

/** Markdown-escapes text that comes from outside (paths, messages). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export function renderStatus(state: ConnectionState): StatusView {
  switch (state.kind) {
    case 'stopped':
      return {
        text: '$(circle-slash) Doublon',
        tooltip: `**Doublon**: the daemon is stopped.\n\n${links(false)}`,
        level: 'normal',
        command: 'doublon.restartDaemon',
      };
    case 'starting':
      return {
        text: '$(sync~spin) Doublon',
        tooltip: `**Doublon**: starting the daemon${state.detail ? ` — ${escapeMarkdown(state.detail)}` : ''}…\n\n${links(false)}`,
        level: 'normal',
        command: 'doublon.showLog',
      };
    case 'restarting':
      return {
        text: '$(sync~spin) Doublon',
        tooltip: `**Doublon**: the daemon stopped (${escapeMarkdown(state.reason)}); restarting, try ${state.attempt} of ${state.of}…\n\n${links(false)}`,
        level: 'warning',
        command: 'doublon.showLog',
      };
    case 'failed':
      return {
        text: '$(error) Doublon',
        tooltip: `**Doublon** is not running: ${escapeMarkdown(state.message)}\n\n${links(false)}`,
        level: 'error',
        command: 'doublon.showLog',
      };
    case 'connected':
      return renderConnected(state.status, state.lsp, state.dashboard !== undefined);
  }
}

function renderConnected(status: DaemonStatus, lsp: boolean, dashboard: boolean): StatusView {
  const lines: string[] = [];
  let text: string;
  let level: StatusView['level'] = 'normal';
  const busy = status.state === 'starting' || status.state === 'scanning';
  if (busy) {
    const p = status.progress;
    text = p && p.total > 0 ? `$(sync~spin) Doublon ${p.done}/${p.total}` : '$(sync~spin) Doublon';
    lines.push(p && p.total > 0 ? `Indexing: ${p.done} of ${plural(p.total, 'image')}.` : 'Indexing…');
  } else if (status.state === 'stopping') {
    text = '$(sync~spin) Doublon';
    lines.push('The daemon is stopping.');
  } else {
    text = status.groups === 0 ? '$(check) Doublon' : `$(files) ${status.groups} · ${formatBytes(status.bytesReclaimable)}`;
  }
  lines.push(
    status.groups === 0
      ? `No duplicates among ${plural(status.files, 'image')}.`
      : `${plural(status.groups, 'group')} of duplicates (${plural(status.duplicates, 'copy', 'copies')}) among ${plural(status.files, 'image')}: ${formatBytes(status.bytesReclaimable)} reclaimable.`,
  );
  if (status.errors > 0) {
    lines.push(`$(warning) ${plural(status.errors, 'file')} could not be read or decoded.`);
    level = 'warning';
  }
  if (status.watcher.mode !== 'native') {
    lines.push(
      `$(warning) File watching: ${status.watcher.mode}${status.watcher.problem ? ` — ${escapeMarkdown(status.watcher.problem)}` : ''}.`,
    );
    level = 'warning';
    if (!busy) text = `$(warning) ${text.replace(/^\$\([a-z-~]+\) /, '')}`;
  }
  // What the daemon found wrong with its index or itself (a damaged index rebuilt, a restart after a crash):
  // said once by a message when it happened, and kept here while the daemon runs.
  for (const notice of status.indexNotices ?? []) {
    lines.push(`$(warning) ${escapeMarkdown(notice)}`);
    level = 'warning';
  }
  if (!lsp) lines.push('The daemon does not speak LSP: no squiggles or quick fixes (the view and the counts work).');
  lines.push(`Daemon ${escapeMarkdown(status.version)}, pid ${status.pid}, index ${escapeMarkdown(status.indexDir)}.`);
  const tooltip = `**Doublon**\n\n${lines.join('\n\n')}\n\n${links(dashboard)}`;
  return { text, tooltip, level, command: status.groups > 0 ? 'doublon.focusView' : 'doublon.showLog' };
}
