import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../daemon/config/load';
import { addIgnoreEntry } from '../../daemon/server/config-edit';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import { tempDir } from '../fixtures/images';

/** daemon/server/config-edit.ts on real files: what `doublon/ignore` writes to doublon.config.json. */
describe('config editing (doublon/ignore)', () => {
  let dir: { path: string; cleanup(): void };
  let site: string;

  beforeEach(() => {
    dir = tempDir('doublon-config-edit-');
    site = path.join(dir.path, 'site');
    fs.mkdirSync(path.join(site, 'img'), { recursive: true });
  });
  afterEach(() => dir.cleanup());

  const configFile = (): string => path.join(site, 'doublon.config.json');
  const read = (): Record<string, unknown> => JSON.parse(fs.readFileSync(configFile(), 'utf8')) as Record<string, unknown>;

  it('creates the config beside the index base when missing: one file becomes an escaped glob', async () => {
    const config = loadConfig({ cwd: site, roots: [site] });
    assert.equal(config.file, undefined);
    const after = await addIgnoreEntry(config, [path.join(site, 'img', 'logo[1].png')]);
    assert.equal(after.file, fs.realpathSync(configFile()));
    assert.deepEqual(read().ignore, ['img/logo\\[1\\].png']);
    assert.equal(fs.statSync(configFile()).mode & 0o777, 0o644);
    assert.deepEqual(after.settings.ignore, ['img/logo\\[1\\].png'], 'the returned configuration reads the new entry');
  });

  it('appends to an existing config, keeping its other settings and its mode; several files are declared distinct', async () => {
    fs.writeFileSync(configFile(), JSON.stringify({ ignore: ['old/*.png'], gitignore: false }, null, 2));
    fs.chmodSync(configFile(), 0o600);
    const config = loadConfig({ cwd: site });
    await addIgnoreEntry(config, [path.join(config.baseDir, 'img', 'a.png'), path.join(config.baseDir, 'img', 'b.png')]);
    const raw = read();
    assert.deepEqual(raw.ignore, ['old/*.png', { paths: ['img/a.png', 'img/b.png'] }]);
    assert.equal(raw.gitignore, false);
    assert.equal(fs.statSync(configFile()).mode & 0o777, 0o600);
  });

  it('never overwrites a config that is not valid JSON: ConfigInvalid, the file as it was', async () => {
    const config = loadConfig({ cwd: site, roots: [site] });
    fs.writeFileSync(configFile(), '{ "ignore": [ ');
    await assert.rejects(
      addIgnoreEntry(config, [path.join(site, 'img', 'a.png')]),
      (error: unknown) => error instanceof RpcError && error.code === RpcErrorCodes.ConfigInvalid && /not valid JSON/.test(error.message),
    );
    assert.equal(fs.readFileSync(configFile(), 'utf8'), '{ "ignore": [ ');
  });

  it('refuses to write a config the validator rejects (a bad key the user left), naming it; the file as it was', async () => {
    const config = { ...loadConfig({ cwd: site, roots: [site] }), file: configFile() };
    const text = JSON.stringify({ thresholds: { near: 'close' } });
    fs.writeFileSync(configFile(), text);
    await assert.rejects(
      addIgnoreEntry(config, [path.join(site, 'img', 'a.png')]),
      (error: unknown) => error instanceof RpcError && error.code === RpcErrorCodes.ConfigInvalid && /thresholds/.test(error.message),
    );
    assert.equal(fs.readFileSync(configFile(), 'utf8'), text);
  });
});
