/**
 * Runs inside VS Code's extension host (`extensionTestsPath`): mocha with the real `vscode` API. The
 * workbench calls `run()` and reports its outcome to `codeAutomationExit` (0 pass, 1 fail).
 */
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'language.host.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} in-host test(s) failed`)) : resolve()));
  });
}
