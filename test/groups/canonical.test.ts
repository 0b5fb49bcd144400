import * as assert from 'node:assert/strict';
import { CanonicalChooser, type CanonicalCandidate } from '../../daemon/groups/canonical';
import { globMatcher } from '../../daemon/scan/filter';
import { DEFAULT_CANONICAL_RULES } from '../../protocol/settings';

function image(relativePath: string, overrides: Partial<CanonicalCandidate> = {}): CanonicalCandidate {
  return {
    path: `/site/${relativePath}`,
    relativePath,
    bytes: 1000,
    width: 100,
    height: 100,
    lossless: true,
    mtimeMs: 1,
    references: 0,
    ...overrides,
  };
}

describe('canonical choice', () => {
  const chooser = new CanonicalChooser(DEFAULT_CANONICAL_RULES, (p) => Number(globMatcher(['assets/shared/**'])(p)));
  const pick = (...members: CanonicalCandidate[]): [string, string] => {
    const choice = chooser.choose(members);
    return [choice.canonical.relativePath, choice.rule];
  };

  it('prefers the shared library above everything else', () => {
    assert.deepEqual(pick(image('news/a.png', { references: 9, width: 400 }), image('assets/shared/a.png')), [
      'assets/shared/a.png',
      'preferred',
    ]);
  });
  it('then the most referenced', () => {
    assert.deepEqual(pick(image('a.png', { references: 1 }), image('b.png', { references: 3 })), ['b.png', 'most-referenced']);
  });
  it('then the highest resolution', () => {
    assert.deepEqual(pick(image('a.png', { width: 50, height: 50 }), image('b.png', { width: 200, height: 100 })), [
      'b.png',
      'highest-resolution',
    ]);
  });
  it('then lossless over lossy', () => {
    assert.deepEqual(pick(image('a.jpg', { lossless: false, bytes: 10 }), image('b.png')), ['b.png', 'lossless']);
  });
  it('then the smaller file', () => {
    assert.deepEqual(pick(image('a.png', { bytes: 900 }), image('b.png', { bytes: 800 })), ['b.png', 'smallest-file']);
  });
  it('then the oldest', () => {
    assert.deepEqual(pick(image('a.png', { mtimeMs: 5 }), image('b.png', { mtimeMs: 2 })), ['b.png', 'oldest']);
  });
  it('then the shortest path, then lexical order', () => {
    assert.deepEqual(pick(image('deep/er/a.png'), image('x/b.png')), ['x/b.png', 'shortest-path']);
    assert.deepEqual(pick(image('b.png'), image('a.png')), ['a.png', 'lexical']);
  });
  it('is deterministic whatever the input order', () => {
    const members = [image('c.png'), image('a.png', { bytes: 999 }), image('b.png', { bytes: 999 })];
    const first = chooser.choose(members).ordered.map((m) => m.relativePath);
    assert.deepEqual(
      chooser.choose([...members].reverse()).ordered.map((m) => m.relativePath),
      first,
    );
    assert.deepEqual(first, ['a.png', 'b.png', 'c.png']);
  });
  it('follows a configured order', () => {
    const bySize = new CanonicalChooser(['smallest-file', 'highest-resolution'], () => 0);
    const choice = bySize.choose([image('big.png', { width: 500, bytes: 50 }), image('small.png', { width: 10, bytes: 40 })]);
    assert.deepEqual([choice.canonical.relativePath, choice.rule], ['small.png', 'smallest-file']);
  });
});
