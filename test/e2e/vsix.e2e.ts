/**
 * One .vsix per platform (scripts/build-extension.mjs): each package holds its platform's sharp/libvips,
 * lmdb and msgpackr-extract binaries, read from their headers (ELF machine, Mach-O CPU type, PE machine,
 * musl for Alpine), and no other platform's. CI checks the linux-x64 package (`npm run package`, the one the
 * e2e tests install) and builds darwin-arm64 here; `npm run package:all` makes all six (same checks apply
 * to every package found).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nativeFilesOf, readZip, type Arch, type Os } from '../extension/natives';

const ROOT = path.resolve(__dirname, '../../..');
/** Per target: the binaries' format and architecture, and sharp's own platform name (musl for Alpine). */
const PLATFORMS: Record<string, { os: Os; arch: Arch; sharp: string }> = {
  'linux-x64': { os: 'linux', arch: 'x64', sharp: 'linux-x64' },
  'linux-arm64': { os: 'linux', arch: 'arm64', sharp: 'linux-arm64' },
  'alpine-x64': { os: 'linux', arch: 'x64', sharp: 'linuxmusl-x64' },
  'darwin-x64': { os: 'darwin', arch: 'x64', sharp: 'darwin-x64' },
  'darwin-arm64': { os: 'darwin', arch: 'arm64', sharp: 'darwin-arm64' },
  'win32-x64': { os: 'win32', arch: 'x64', sharp: 'win32-x64' },
};

function vsixOf(target: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(ROOT, `${pkg.name}-${target}-${pkg.version}.vsix`);
}

describe("one .vsix per platform, with that platform's native binaries", function () {
  this.timeout(600_000);

  before(() => {
    if (!fs.existsSync(vsixOf('darwin-arm64'))) {
      const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-extension.mjs'), '--package', '--target', 'darwin-arm64'], {
        cwd: ROOT,
        stdio: 'inherit',
      });
      assert.equal(built.status, 0, 'building the darwin-arm64 package failed');
    }
  });

  for (const target of Object.keys(PLATFORMS)) {
    it(`${target}: sharp, libvips, lmdb and msgpackr-extract for ${target} only`, function () {
      const file = vsixOf(target);
      if (!fs.existsSync(file)) {
        // Only linux-x64 (npm run package) and darwin-arm64 (built above) are required in CI.
        assert.ok(!['linux-x64', 'darwin-arm64'].includes(target), `${file} is missing`);
        return;
      }
      const want = PLATFORMS[target];
      const natives = nativeFilesOf(file);
      const wrong = natives.filter((n) => n.os !== want.os || !n.arch.includes(want.arch));
      assert.deepEqual(wrong, [], `binaries of another platform in ${path.basename(file)}`);
      const has = (pattern: RegExp): boolean => natives.some((n) => pattern.test(n.name));
      const sharpBindings = natives.filter((n) => /@img\/sharp-[^/]+\/lib\/sharp-[^/]+\.node$/.test(n.name)).map((n) => n.name);
      assert.equal(sharpBindings.length, 1, `one sharp binding in ${path.basename(file)}: ${natives.map((n) => n.name).join(', ')}`);
      assert.match(sharpBindings[0], new RegExp(`@img/sharp-${want.sharp}/lib/sharp-${want.sharp}-[\\d.]+\\.node$`));
      assert.ok(has(/libvips[^/]*\.(so[.\d]*|dylib|dll)$/), 'libvips');
      assert.ok(has(/@lmdb\/lmdb-[^/]+\/node\.abi\d+[^/]*\.node$/) || has(/@lmdb\/lmdb-[^/]+\/.*\.node$/), 'the lmdb binding');
      assert.ok(has(/@msgpackr-extract\/msgpackr-extract-[^/]+\/.*\.node$/), 'the msgpackr-extract binding');
      const manifest = readZip(file)
        .find((e) => e.name === 'extension.vsixmanifest')!
        .read()
        .toString('utf8');
      assert.match(manifest, new RegExp(`TargetPlatform="${target}"`), 'the package declares its target platform');
      process.stdout.write(
        `      ${path.basename(file)}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ${natives.length} native files\n`,
      );
    });
  }
});
