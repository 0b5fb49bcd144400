#!/usr/bin/env node
// Builds the VS Code extension: esbuild bundles dist/extension.js (`vscode` external), dist/cli.js (the
// doublon CLI and daemon; `sharp` and `lmdb` external: native, shipped as node_modules in the .vsix) and
// dist/extract-worker.js (the LSP reference reader's worker), copies the dashboard's static files beside
// the CLI, and with --package makes one .vsix per platform (`vsce package --target`, offline):
//
//   node scripts/build-extension.mjs --package                      linux-x64 only (what the e2e test installs)
//   node scripts/build-extension.mjs --package --target darwin-arm64,win32-x64
//   node scripts/build-extension.mjs --package --all-targets        the six platforms
//
// Each target is staged in .cache/vsix/<target>/: the manifest, the bundle, and sharp + lmdb installed by
// npm for that platform (`npm install --os --cpu --libc`: sharp's documented cross-platform install), so
// each .vsix holds only its platform's libvips, lmdb and msgpackr-extract binaries.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const argv = process.argv.slice(2);
const args = new Set(argv);
const started = Date.now();

/** VS Code's target names → npm's platform filters. */
export const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'alpine-x64': { os: 'linux', cpu: 'x64', libc: 'musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'win32-x64': { os: 'win32', cpu: 'x64' },
};

function targetsAsked() {
  if (args.has('--all-targets')) return Object.keys(TARGETS);
  const i = argv.indexOf('--target');
  const asked = i >= 0 ? argv[i + 1].split(',') : ['linux-x64'];
  for (const t of asked) if (!TARGETS[t]) throw new Error(`--target: expected one of ${Object.keys(TARGETS).join(', ')}, received ${t}`);
  return asked;
}

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: !args.has('--dev'),
  sourcemap: args.has('--dev') ? 'linked' : false,
  logLevel: 'warning',
  absWorkingDir: root,
  mainFields: ['module', 'main'],
};

await build({ ...common, entryPoints: ['extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
await build({
  ...common,
  stdin: {
    contents:
      "require('./daemon/cli/main').main(process.argv).then((code) => { process.exitCode = code; }, (error) => { console.error(error instanceof Error ? error.stack : error); process.exitCode = 2; });",
    resolveDir: root,
    sourcefile: 'cli-entry.js',
    loader: 'js',
  },
  outfile: 'dist/cli.js',
  external: ['sharp', 'lmdb'],
  banner: { js: '#!/usr/bin/env node' },
});
// The LSP worker is loaded from `<dir of the code>/extract-worker.js` (daemon/lsp/extractor.ts).
await build({ ...common, entryPoints: ['daemon/lsp/extract-worker.ts'], outfile: 'dist/extract-worker.js', external: ['sharp', 'lmdb'] });
// The dashboard reads its page from `<dir of the code>/static`.
fs.cpSync(path.join(root, 'daemon/dashboard/static'), path.join(dist, 'static'), { recursive: true });
const size = (f) => `${(fs.statSync(path.join(dist, f)).size / 1e6).toFixed(2)} MB`;
console.log(
  `built dist/extension.js (${size('extension.js')}), dist/cli.js (${size('cli.js')}) and dist/extract-worker.js (${size('extract-worker.js')}) in ${Date.now() - started} ms`,
);

/** The repository's web address (package.json `repository.url` without `git+` and `.git`). */
function repositoryWeb(pkg) {
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository.url;
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** The staged extension folder of one target: manifest, readme, icon, bundle, that platform's native modules. */
function stage(target) {
  const { os, cpu, libc } = TARGETS[target];
  const folder = path.join(root, '.cache', 'vsix', target);
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const installed = (name) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  // The npm package's manifest differs from the extension's: `main` is the CLI there and the bundle here, and
  // vsce refuses a `files` field beside .vscodeignore. The staged folder gets the extension's own.
  const manifest = { ...pkg, main: './dist/extension.js', dependencies: { sharp: installed('sharp'), lmdb: installed('lmdb') } };
  for (const npmOnly of ['devDependencies', 'scripts', 'bin', 'files', 'exports']) delete manifest[npmOnly];
  fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(folder, 'LICENSE'));
  fs.copyFileSync(path.join(root, 'extension', 'README.md'), path.join(folder, 'README.md'));
  // The README's screenshots (relative links: vsce points them at the repository, see --baseImagesUrl below).
  fs.cpSync(path.join(root, 'extension', 'media'), path.join(folder, 'media'), { recursive: true });
  if (manifest.icon) fs.copyFileSync(path.join(root, manifest.icon), path.join(folder, manifest.icon.split('/').pop()));
  if (manifest.icon) manifest.icon = manifest.icon.split('/').pop();
  fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.cpSync(dist, path.join(folder, 'dist'), { recursive: true });
  // The config schema the manifest's jsonValidation points at.
  fs.cpSync(path.join(root, 'schema'), path.join(folder, 'schema'), { recursive: true });
  fs.writeFileSync(
    path.join(folder, '.vscodeignore'),
    [
      '# Generated by scripts/build-extension.mjs: the staged folder holds only what ships, minus build leftovers.',
      'node_modules/.package-lock.json',
      'node_modules/lmdb/dependencies/**',
      'node_modules/lmdb/src/**',
      'node_modules/lmdb/build/**',
      'node_modules/msgpackr-extract/build/**',
      'node_modules/**/*.md',
      'node_modules/**/*.d.ts',
      'package-lock.json',
      '',
    ].join('\n'),
  );
  const npmStarted = Date.now();
  const npm = spawnSync(
    'npm',
    [
      'install',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--loglevel=error',
      `--os=${os}`,
      `--cpu=${cpu}`,
      ...(libc ? [`--libc=${libc}`] : []),
    ],
    { cwd: folder, stdio: 'inherit' },
  );
  if (npm.status !== 0) throw new Error(`npm install for ${target} failed (exit ${npm.status})`);
  return { folder, npmMs: Date.now() - npmStarted, name: pkg.name, version: pkg.version };
}

if (args.has('--package')) {
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  const images = `${repositoryWeb(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')))}/raw/HEAD/extension`;
  for (const target of targetsAsked()) {
    const t0 = Date.now();
    const { folder, npmMs, name, version } = stage(target);
    const out = path.join(root, `${name}-${target}-${version}.vsix`);
    const result = spawnSync(process.execPath, [vsce, 'package', '--target', target, '--out', out, '--baseImagesUrl', images], {
      cwd: folder,
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
    console.log(
      `packaged ${path.relative(root, out)} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s (npm install ${(npmMs / 1000).toFixed(1)} s)`,
    );
  }
}
