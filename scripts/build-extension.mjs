#!/usr/bin/env node
// Builds the VS Code extension: esbuild bundles dist/extension.js (`vscode` external) and dist/cli.js (the
// doublon CLI and daemon; `sharp` and `lmdb` external: native, shipped as node_modules in the .vsix), copies
// the dashboard's static files beside the CLI, and with --package runs vsce (offline) to make the .vsix.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const args = new Set(process.argv.slice(2));
const started = Date.now();

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: !args.has('--dev'), sourcemap: args.has('--dev') ? 'linked' : false, logLevel: 'warning', absWorkingDir: root, mainFields: ['module', 'main'] };

await build({ ...common, entryPoints: ['extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
await build({
  ...common,
  stdin: {
    contents: "require('./daemon/cli/main').main(process.argv).then((code) => { process.exitCode = code; }, (error) => { console.error(error instanceof Error ? error.stack : error); process.exitCode = 2; });",
    resolveDir: root,
    sourcefile: 'cli-entry.js',
    loader: 'js',
  },
  outfile: 'dist/cli.js',
  external: ['sharp', 'lmdb'],
  banner: { js: '#!/usr/bin/env node' },
});
// The dashboard reads its page from `<dir of the code>/static`.
fs.cpSync(path.join(root, 'daemon/dashboard/static'), path.join(dist, 'static'), { recursive: true });
const size = (f) => `${(fs.statSync(path.join(dist, f)).size / 1e6).toFixed(2)} MB`;
console.log(`built dist/extension.js (${size('extension.js')}) and dist/cli.js (${size('cli.js')}) in ${Date.now() - started} ms`);

if (args.has('--package')) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const out = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  const result = spawnSync(process.execPath, [vsce, 'package', '--out', out], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`packaged ${path.relative(root, out)} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB)`);
}
