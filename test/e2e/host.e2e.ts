/**
 * Mocha inside VS Code's extension host, on the unpacked .vsix: code-server refuses
 * --extensionDevelopmentPath on its command line, so it goes in the workbench URL's payload, and the
 * workbench reports the result through `codeAutomationExit`.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { E2e, ROOT, vsixPath, waitFor } from './harness';

describe('extension host tests (vscode API)', function () {
  this.timeout(300_000);
  let e2e: E2e | undefined;
  let unpacked: string;

  before(() => {
    unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-vsix-'));
    const unzip = spawnSync('unzip', ['-q', vsixPath(), '-d', unpacked], { encoding: 'utf8' });
    if (unzip.status !== 0) throw new Error(`unzip failed: ${unzip.stderr}`);
  });

  after(async () => {
    await e2e?.close();
    fs.rmSync(unpacked, { recursive: true, force: true });
  });

  it('passes the in-host suite (diagnostics, code actions, hover)', async () => {
    let exitCode: number | undefined;
    const output: string[] = [];
    const extensionPath = path.join(unpacked, 'extension');
    const testsPath = path.join(ROOT, 'out/test/e2e/host/index.js');
    e2e = await E2e.start({
      name: 'host',
      installVsix: false,
      query: (port) => {
        const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
        return `&payload=${encodeURIComponent(
          JSON.stringify([
            ['extensionDevelopmentPath', remote(extensionPath)],
            ['extensionTestsPath', remote(testsPath)],
          ]),
        )}`;
      },
      beforeOpen: async (page) => {
        page.on('console', (message) => output.push(message.text()));
        await page.exposeFunction('codeAutomationExit', (code: number) => {
          exitCode = code;
        });
      },
    });
    try {
      await waitFor('the in-host suite to finish', () => exitCode !== undefined, 240_000);
    } finally {
      await e2e.shot('host-suite-end');
      fs.writeFileSync(path.join(e2e.artifacts, 'console.log'), output.join('\n'));
    }
    const report = output.filter((l) => /passing|failing|✔|✓|\d+\) |Error|expected|actual/.test(l)).join('\n');
    assert.equal(exitCode, 0, `in-host mocha failed:\n${report}`);
    // Mocha's console lines arrive as format strings followed by their values ("%d passing (%s) 3 2s").
    assert.ok(
      output.some((l) => /passing/.test(l) && /\b4\b/.test(l) && !/failing/.test(l)),
      `in-host mocha output:\n${report}`,
    );
  });
});
