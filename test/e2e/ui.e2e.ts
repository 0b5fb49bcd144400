/**
 * The packaged extension in a real VS Code (code-server), driven through the UI: the Duplicates view and the
 * status bar, a squiggle on a duplicate reference with its quick fix, and a copy made on disk flagged live.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { E2e, ROOT, waitFor } from './harness';
import { formatBytes } from '../../protocol/units';
import type { ScanReport } from '../../protocol/report';

/** What the CLI finds in examples/city-site (a copy, so its index stays apart): the editor must say the same. */
function cliCounts(): { groups: number; bytes: string; membersOf: (canonicalName: string) => number } {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-e2e-cli-'));
  try {
    fs.cpSync(path.join(ROOT, 'examples/city-site'), copy, { recursive: true });
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/doublon.js'), 'scan', '--json', '--no-daemon', '--no-progress', copy], {
      encoding: 'utf8',
    });
    const report = JSON.parse(run.stdout) as ScanReport;
    return {
      groups: report.groups.length,
      bytes: formatBytes(report.groups.reduce((sum, g) => sum + g.bytesReclaimable, 0)),
      membersOf: (name) => report.groups.find((g) => path.basename(g.canonical) === name)?.members.length ?? 0,
    };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

const UI_TIMEOUT = 90_000;

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

async function quickOpen(page: Page, file: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(file);
  // Wait for the filtered list (the recent files show first), then open the first match.
  await page
    .locator('.quick-input-list .monaco-list-row.focused', { hasText: path.basename(file) })
    .first()
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page
    .locator(`.tab[data-resource-name="${path.basename(file)}"]`)
    .first()
    .waitFor({ timeout: 15_000 });
}

function duplicatesPane(page: Page): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Duplicates/i }) });
}

function statusItem(page: Page): Locator {
  return page.locator('[id="workbench.parts.statusbar"] [aria-label^="Doublon:"]').first();
}

async function warningCount(page: Page): Promise<number> {
  const label = (await page.locator('[id="status.problems"]').first().getAttribute('aria-label')) ?? '';
  const match = /Warnings: (\d+)/.exec(label);
  return match ? Number(match[1]) : 0;
}

/** Elapsed times reported by the run (not asserted: timing goals live in benchmarks). */
const timings: Record<string, number> = {};

describe('extension in VS Code (UI)', function () {
  this.timeout(300_000);
  let e2e: E2e;
  let workbenchAt = 0;

  before(async () => {
    e2e = await E2e.start({
      name: 'ui',
      installVsix: true,
      // A page that references a copy not made yet (the last test makes it on disk).
      prepare: (workspace) =>
        fs.writeFileSync(
          path.join(workspace, 'extra.html'),
          '<!doctype html>\n<html><body>\n<img src="img/copied-logo.png" alt="logo">\n</body></html>\n',
        ),
    });
    await e2e.page.locator('.monaco-workbench').waitFor({ timeout: UI_TIMEOUT });
    await e2e.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: UI_TIMEOUT });
    workbenchAt = performance.now();
    await e2e.shot('workbench');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await e2e?.shot(`FAILED-${this.currentTest.title}`);
  });

  after(async () => {
    if (e2e) fs.writeFileSync(path.join(e2e.artifacts, 'timings.json'), JSON.stringify(timings, null, 2));
    console.log(`    timings: ${JSON.stringify(timings)}`);
    await e2e?.close();
  });

  it('lists the duplicate groups in the Duplicates view and the counts in the status bar', async () => {
    const page = e2e.page;
    // examples/city-site as the CLI scans it (7 groups, 171 KB: srcset variants reclaim nothing; reims-320.jpg,
    // the srcset's half-size copy of the cathedral, is found since this session's verification changes (issue 9), a group
    // of its own that reclaims nothing).
    const expected = cliCounts();
    assert.equal(expected.groups, 7);
    const shown = `Doublon: ${expected.groups} · ${expected.bytes}`;
    const label = await waitFor(
      'the status bar to show the counts',
      async () => {
        const text =
          (await statusItem(page)
            .getAttribute('aria-label')
            .catch(() => null)) ?? '';
        return text.startsWith(shown) ? text : undefined;
      },
      UI_TIMEOUT,
    );
    assert.ok(label.startsWith(shown), label);
    timings.workbenchToGroupsMs = Math.round(performance.now() - workbenchAt);
    await runCommand(page, 'Doublon: Show Duplicates');
    // Room for the groups: fold the folder pane, then every group.
    await page.locator('.pane-header', { hasText: 'city-site' }).first().click();
    await duplicatesPane(page).locator('.pane-header').hover();
    await duplicatesPane(page).locator('.action-label[aria-label^="Collapse All"]').click();
    const groups = duplicatesPane(page).locator('.monaco-list-row[aria-level="1"]');
    await waitFor(`${expected.groups} groups in the Duplicates view`, async () => (await groups.count()) === expected.groups, UI_TIMEOUT);
    const labels = await groups.evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
    assert.ok(
      labels.some((l) => l.includes('eiffel-tower.jpg')),
      `groups: ${labels.join(' | ')}`,
    );
    assert.ok(
      labels.every((l) => /reclaimable/.test(l) && /reference/.test(l)),
      `descriptions: ${labels.join(' | ')}`,
    );
    await e2e.shot('duplicates-view');
    // Expanding a group shows its members, the canonical first.
    await groups.filter({ hasText: 'eiffel-tower.jpg' }).first().click();
    await page.keyboard.press('ArrowRight');
    const members = duplicatesPane(page).locator('.monaco-list-row[aria-level="2"]');
    // Its members as the CLI reports them (the srcset variant eiffel.webp included, marked as a variant).
    const eiffelMembers = expected.membersOf('eiffel-tower.jpg');
    assert.ok(eiffelMembers >= 3, `the CLI's eiffel-tower group has ${eiffelMembers} members`);
    await waitFor('the members of the eiffel-tower group', async () => (await members.count()) === eiffelMembers, 15_000);
    assert.match((await members.first().textContent()) ?? '', /assets\/shared\/photos\/eiffel-tower\.jpg.*canonical/);
    await e2e.shot('duplicates-members');
    // The tooltip links: hover the item.
    await statusItem(page).hover();
    await page.locator('.monaco-hover', { hasText: 'Open Dashboard' }).first().waitFor({ timeout: 15_000 });
    await e2e.shot('status-tooltip');
    await page.keyboard.press('Escape');
  });

  it('flags a duplicate reference with a warning squiggle, and the quick fix points it at the canonical', async () => {
    const page = e2e.page;
    const file = path.join(e2e.workspace, 'news/index.html');
    const before = fs.readFileSync(file, 'utf8');
    const opened = performance.now();
    await quickOpen(page, 'news/index.html');
    const editor = page.locator('.editor-group-container.active .monaco-editor').first();
    await waitFor('a warning squiggle in news/index.html', async () => (await editor.locator('.squiggly-warning').count()) > 0, UI_TIMEOUT);
    timings.openToFirstSquiggleMs = Math.round(performance.now() - opened);
    timings.workbenchToFirstSquiggleMs = Math.round(performance.now() - workbenchAt);
    await waitFor('the Problems count', async () => (await warningCount(page)) > 0, UI_TIMEOUT);
    const warnings = await warningCount(page);
    await e2e.shot('squiggle');
    // F8 puts the cursor on the first problem; Ctrl+. opens the quick fixes there.
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('F8');
    await page
      .locator('.peekview-widget, .marker-widget')
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(() => undefined);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: /Use canonical/ }).first();
    await fix.waitFor({ timeout: 30_000 });
    await e2e.shot('quick-fix-menu');
    // The menu is keyboard-driven (a pointer block covers it): move the focus to the fix, then Enter.
    const focused = page.locator('.action-widget .monaco-list-row.focused');
    for (
      let i = 0;
      i < 10 &&
      !/Use canonical/.test(
        (await focused
          .first()
          .getAttribute('aria-label')
          .catch(() => '')) ?? '',
      );
      i++
    )
      await page.keyboard.press('ArrowDown');
    assert.match((await focused.first().getAttribute('aria-label')) ?? '', /Use canonical/);
    await page.keyboard.press('Enter');
    await page.locator('.tab.dirty').first().waitFor({ timeout: 15_000 });
    await waitFor('one warning fewer', async () => (await warningCount(page)) < warnings, UI_TIMEOUT);
    await page.keyboard.press('Control+S');
    // The editor saves by truncating, then writing: a read in between sees an empty file. So the wait is for
    // the fixed text itself (one more reference to the canonical's folder), then only that line has changed.
    const count = (s: string): number => s.split('assets/shared/').length - 1;
    const after = await waitFor(
      'the fix saved to disk (one more reference to assets/shared/ in news/index.html)',
      () => {
        const text = fs.readFileSync(file, 'utf8');
        return count(text) === count(before) + 1 ? text : undefined;
      },
      30_000,
    );
    const linesBefore = before.split('\n');
    const linesAfter = after.split('\n');
    assert.equal(linesAfter.length, linesBefore.length, `news/index.html after the fix:\n${after}`);
    assert.equal(linesAfter.filter((line, i) => line !== linesBefore[i]).length, 1, `news/index.html after the fix:\n${after}`);
    await waitFor('the tab to be clean', async () => (await page.locator('.tab.dirty').count()) === 0, 15_000);
    await e2e.shot('fixed-and-saved');
  });

  it('flags a reference to a copy made on disk while the document is open, without reload', async () => {
    const page = e2e.page;
    await quickOpen(page, 'extra.html');
    const editor = page.locator('.editor-group-container.active .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'copied-logo.png' }).waitFor({ timeout: 15_000 });
    assert.equal(await editor.locator('.squiggly-warning').count(), 0, 'no warning before the copy exists');
    fs.mkdirSync(path.join(e2e.workspace, 'img'), { recursive: true });
    fs.copyFileSync(path.join(e2e.workspace, 'assets/shared/logo.png'), path.join(e2e.workspace, 'img/copied-logo.png'));
    await waitFor('a warning on the new copy', async () => (await editor.locator('.squiggly-warning').count()) > 0, UI_TIMEOUT);
    await e2e.shot('live-copy-warning');
  });
});
