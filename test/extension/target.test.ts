import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { locateTarget } from '../../extension/daemon';
import { tempDir } from '../fixtures/images';

describe('extension: the daemon target of a (multi-root) workspace', () => {
  let dir: { path: string; cleanup(): void };
  beforeEach(() => (dir = tempDir('doublon-target-')));
  afterEach(() => dir.cleanup());

  const folder = (name: string, config?: object): string => {
    const p = path.join(dir.path, name);
    fs.mkdirSync(p, { recursive: true });
    if (config) fs.writeFileSync(path.join(p, 'doublon.config.json'), JSON.stringify(config));
    return p;
  };

  it('one folder without a config: the folder is the root and holds the index', () => {
    const site = folder('site');
    assert.deepEqual(locateTarget(site, []), { configFile: undefined, indexDir: path.join(site, '.doublon'), roots: [site], cwd: site });
  });

  it('several folders: one daemon, the other folders added as roots, the index in the first', () => {
    const site = folder('site');
    const shared = folder('shared');
    const target = locateTarget(site, [], [shared]);
    assert.deepEqual(target.roots, [site, shared]);
    assert.equal(target.indexDir, path.join(site, '.doublon'));
  });

  it('a config in the first folder keeps its roots, and folders it already covers add nothing', () => {
    const site = folder('site', { roots: ['.', '../assets'] });
    const assets = folder('assets');
    const other = folder('other');
    assert.deepEqual(locateTarget(site, [], [assets]).roots, [], 'the config roots cover every folder: the config decides');
    assert.deepEqual(locateTarget(site, [], [assets, other]).roots, [site, assets, other]);
  });
});
