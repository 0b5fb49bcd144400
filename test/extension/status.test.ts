import * as assert from 'node:assert/strict';
import type { DaemonStatus } from '../../protocol/methods';
import { escapeMarkdown, formatBytes, renderStatus } from '../../extension/status-model';

function status(overrides: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    protocolVersion: 1,
    capabilities: [],
    version: '0.1.0',
    pid: 42,
    state: 'idle',
    clock: 3,
    roots: ['/w'],
    indexDir: '/w/.doublon',
    files: 21,
    groups: 6,
    duplicates: 10,
    bytesReclaimable: 176_128,
    errors: 0,
    watcher: { mode: 'native' },
    ...overrides,
  };
}

describe('extension: status bar rendering', () => {
  it('formats bytes like the CLI (1024-based)', () => {
    assert.equal(formatBytes(900), '900 B');
    assert.equal(formatBytes(176_128), '172 KB');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MB');
  });

  it('shows the groups and reclaimable bytes when idle, with the dashboard link', () => {
    const view = renderStatus({ kind: 'connected', status: status(), lsp: true, dashboard: 'http://127.0.0.1:1/?token=t' });
    assert.equal(view.text, '$(files) 6 · 172 KB');
    assert.equal(view.level, 'normal');
    assert.equal(view.command, 'doublon.focusView');
    assert.match(view.tooltip, /6 groups of duplicates \(10 copies\) among 21 images: 172 KB reclaimable/);
    assert.match(
      view.tooltip,
      /\[Show Log\]\(command:doublon\.showLog\) · \[Restart Daemon\]\(command:doublon\.restartDaemon\) · \[Open Dashboard\]\(command:doublon\.openDashboard\)/,
    );
  });

  it('spins with n/total while indexing', () => {
    const view = renderStatus({ kind: 'connected', status: status({ state: 'scanning', progress: { done: 7, total: 21 } }), lsp: true });
    assert.equal(view.text, '$(sync~spin) Doublon 7/21');
    assert.match(view.tooltip, /Indexing: 7 of 21 images/);
    assert.doesNotMatch(view.tooltip, /Open Dashboard/);
  });

  it('warns about unreadable files and a degraded watcher', () => {
    const view = renderStatus({
      kind: 'connected',
      status: status({ errors: 2, watcher: { mode: 'polling', problem: 'inotify limit reached' } }),
      lsp: true,
    });
    assert.equal(view.level, 'warning');
    assert.equal(view.text, '$(warning) 6 · 172 KB');
    assert.match(view.tooltip, /2 files could not be read or decoded/);
    assert.match(view.tooltip, /File watching: polling — inotify limit reached/);
  });

  it("shows the daemon's notices (a damaged index rebuilt, a restart after a crash) as warnings", () => {
    const notice = 'the daemon was started again after it crashed (signal SIGSEGV at 2026-11-30T21:30:00Z); see /w/.doublon/daemon.log';
    const view = renderStatus({ kind: 'connected', status: status({ indexNotices: [notice] }), lsp: true });
    assert.equal(view.level, 'warning');
    // Escaped for Markdown: a notice quotes paths and errors.
    assert.ok(view.tooltip.includes(`$(warning) ${escapeMarkdown(notice)}`), view.tooltip);
    assert.equal(renderStatus({ kind: 'connected', status: status(), lsp: true }).level, 'normal');
  });

  it('says when the daemon does not speak LSP, and when nothing is duplicated', () => {
    const view = renderStatus({ kind: 'connected', status: status({ groups: 0, duplicates: 0, bytesReclaimable: 0 }), lsp: false });
    assert.equal(view.text, '$(check) Doublon');
    assert.match(view.tooltip, /No duplicates among 21 images/);
    assert.match(view.tooltip, /does not speak LSP/);
  });

  it('renders failures as errors with the reason escaped, and restarts as warnings', () => {
    const failed = renderStatus({ kind: 'failed', message: 'cannot run /opt/node_[x]: no such file' });
    assert.equal(failed.level, 'error');
    assert.equal(failed.text, '$(error) Doublon');
    assert.match(failed.tooltip, /cannot run \/opt\/node\\_\\\[x\\\]: no such file/);
    const restarting = renderStatus({ kind: 'restarting', attempt: 2, of: 3, reason: 'the connection closed' });
    assert.equal(restarting.level, 'warning');
    assert.match(restarting.tooltip, /try 2 of 3/);
    assert.equal(escapeMarkdown('a*b'), 'a\\*b');
  });
});
