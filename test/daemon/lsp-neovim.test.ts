/**
 * Neovim as a second real LSP client (Debian's `neovim`, installed by .ci/install-apt.sh): a headless
 * Neovim started in another folder runs `doublon lsp` with the example site as its root_dir, opens a page,
 * gets Doublon's diagnostics, applies "Use canonical", writes the file, and hovers. The Lua driver
 * (neovim/driver.lua) records each step; this test asserts on the record and on the files.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findRunningDaemon } from '../../daemon/server/lifecycle';
import { tempDir } from '../fixtures/images';
import { BIN } from '../helpers/cli';

const DRIVER = path.resolve(__dirname, '../../../test/daemon/neovim/driver.lua');
const EXAMPLE = path.resolve(__dirname, '../../../examples/city-site');

interface Event {
  event: string;
  [key: string]: unknown;
}

describe('LSP with Neovim headless as the client (doublon lsp)', function () {
  this.timeout(240_000);
  let dir: { path: string; cleanup(): void };
  let site: string;

  before(() => {
    const version = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, 'nvim is missing: run .ci/install-apt.sh (npm test runs it)');
    dir = tempDir('doublon-nvim-');
    site = path.join(dir.path, 'city-site');
    fs.cpSync(EXAMPLE, site, { recursive: true, filter: (src) => !src.includes(`${path.sep}.doublon`) });
  });
  after(async () => {
    // The bridge started the daemon (with --idle-exit): stop it now rather than in ten minutes.
    const info = site ? await findRunningDaemon(path.join(site, '.doublon')) : undefined;
    if (info) spawnSync(process.execPath, [BIN, 'daemon', 'stop'], { cwd: site, timeout: 30_000 });
    dir?.cleanup();
  });

  it('gets diagnostics, applies and writes a code action, and hovers; the daemon serves the root_dir, not the working folder', async () => {
    const out = path.join(dir.path, 'events.jsonl');
    const elsewhere = path.join(dir.path, 'home');
    fs.mkdirSync(elsewhere);
    const page = path.join(site, 'news', 'index.html');
    const before = fs.readFileSync(page, 'utf8');
    assert.ok(before.includes('src="img/logo.png"'));
    const env = {
      ...process.env,
      DOUBLON_NODE: process.execPath,
      DOUBLON_BIN: BIN,
      DOUBLON_ROOT: site,
      DOUBLON_PAGE: page,
      DOUBLON_PAGE2: path.join(site, 'transport', 'index.html'),
      DOUBLON_OUT: out,
      // Neovim's state, log and shada stay in the temp folder.
      HOME: elsewhere,
      XDG_CONFIG_HOME: path.join(elsewhere, 'config'),
      XDG_DATA_HOME: path.join(elsewhere, 'data'),
      XDG_STATE_HOME: path.join(elsewhere, 'state'),
      XDG_CACHE_HOME: path.join(elsewhere, 'cache'),
    };
    const nvim = spawn('nvim', ['--headless', '-n', '-i', 'NONE', '-u', DRIVER], {
      cwd: elsewhere,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    nvim.stdout.on('data', (d: Buffer) => (output += d.toString()));
    nvim.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => nvim.once('exit', resolve));
    const events: Event[] = fs.existsSync(out)
      ? fs
          .readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Event)
      : [];
    const describe = `nvim exited ${code}\n${output}\n${events.map((e) => JSON.stringify(e)).join('\n')}`;
    assert.equal(
      events.find((e) => e.event === 'error'),
      undefined,
      describe,
    );
    assert.equal(code, 0, describe);

    // The daemon indexes the client's root_dir (its index beside the site's config), not Neovim's folder.
    assert.ok(fs.existsSync(path.join(site, '.doublon', 'daemon.json')), describe);
    assert.ok(!fs.existsSync(path.join(elsewhere, '.doublon')), 'no index in the working folder');

    const opened = events.filter((e) => e.event === 'opened');
    assert.equal(opened.length, 2, describe);
    assert.ok(
      opened.every((e) => e.ok === true && (e.count as number) > 0),
      describe,
    );
    assert.equal(opened[0].uri, pathToFileURL(page).href);

    const action = events.find((e) => e.event === 'codeAction')!;
    assert.match(String(action.title), /^Use canonical `assets\/shared\/logo\.png`$/, describe);
    const after = fs.readFileSync(page, 'utf8');
    assert.ok(!after.includes('src="img/logo.png"'), 'the copy is no longer referenced on disk');
    assert.ok(after.includes('src="../assets/shared/logo.png"'), after);
    assert.equal(after.split('\n').length, before.split('\n').length, 'only the path text changed');

    const hover = events.find((e) => e.event === 'hover')!;
    assert.equal(hover.kind, 'markdown', describe);
    assert.match(String(hover.first_line), /^(Duplicate|Canonical)/, describe);
    // Thumbnails are bounded (two at most, 16 000 characters each).
    assert.ok((hover.length as number) < 34_000, `hover of ${String(hover.length)} characters`);

    const timings = opened.map((e) => `${Math.round(e.open_to_diagnostics_ms as number)} ms`).join(', then warm ');
    process.stdout.write(`      Neovim open → diagnostics: cold (daemon started by the bridge) ${timings}\n`);
  });
});
