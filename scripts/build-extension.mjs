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

/**
 * package.json is the npm package's manifest (`main` the CLI in out/, a `files` allow-list, `bin`, `exports`);
 * the extension's differs: `main` is the bundle, and vsce refuses a `files` field beside .vscodeignore. vsce
 * reads only `<cwd>/package.json`, so the extension's manifest is written there for the time of the packaging
 * and the npm one is put back afterwards, whatever happens (the original text is also kept in .cache/ so an
 * interrupted run can be repaired by hand).
 */
function extensionManifest(npmManifest) {
  const { files: _files, exports: _exports, bin: _bin, ...rest } = npmManifest;
  return { ...rest, main: './dist/extension.js' };
}

function withExtensionManifest(run) {
  const manifestFile = path.join(root, 'package.json');
  const original = fs.readFileSync(manifestFile, 'utf8');
  fs.mkdirSync(path.join(root, '.cache'), { recursive: true });
  fs.writeFileSync(path.join(root, '.cache/package.npm.json'), original);
  const restore = () => fs.writeFileSync(manifestFile, original);
  const onSignal = (signal) => { restore(); process.kill(process.pid, signal); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    fs.writeFileSync(manifestFile, JSON.stringify(extensionManifest(JSON.parse(original)), null, 2) + '\n');
    return run();
  } finally {
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (args.has('--package')) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const out = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  const result = withExtensionManifest(() => spawnSync(process.execPath, [vsce, 'package', '--out', out], { cwd: root, stdio: 'inherit' }));
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`packaged ${path.relative(root, out)} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB)`);
}
