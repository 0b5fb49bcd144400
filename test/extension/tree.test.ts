import * as assert from 'node:assert/strict';
import type { ReportGroup } from '../../protocol/report';
import { GroupStore, groupView, memberView, referenceTokenAt, replaceGroupEdits, rewriteReference } from '../../extension/tree-model';
import { countEdits, mergeWorkspaceEdits } from '../../extension/edits';

function group(id = 'g1', bytes = 46_789): ReportGroup {
  return {
    id,
    class: 'near',
    canonical: 'assets/shared/photos/eiffel-tower.jpg',
    rule: 'preferred',
    bytesReclaimable: bytes,
    members: [
      {
        path: 'assets/shared/photos/eiffel-tower.jpg',
        class: 'exact',
        similarity: 1,
        bytes: 38_405,
        width: 640,
        height: 481,
        sha256: 'a',
        references: 2,
        referencedFrom: [
          { path: 'index.html', line: 12, character: 14 },
          { path: 'culture/index.html', line: 14, character: 16 },
        ],
      },
      {
        path: 'news/img/tour-eiffel.jpg',
        class: 'exact',
        similarity: 1,
        bytes: 38_405,
        width: 640,
        height: 481,
        sha256: 'a',
        references: 1,
        referencedFrom: [{ path: 'news/index.html', line: 1, character: 10 }],
      },
      {
        path: 'news/img/eiffel-thumb.jpg',
        class: 'near',
        similarity: 0.999,
        bytes: 8_384,
        width: 320,
        height: 241,
        sha256: 'b',
        references: 1,
        referencedFrom: [{ path: 'news/index.html', line: 2, character: 12 }],
      },
    ],
  };
}

describe('extension: Duplicates view model', () => {
  it('describes a group: class, copies, reclaimable bytes, references', () => {
    const view = groupView(group());
    assert.equal(view.label, 'eiffel-tower.jpg');
    assert.equal(view.description, 'near · 2 copies · 46 KB reclaimable · 4 references');
    assert.equal(view.contextValue, 'doublonGroup');
  });

  it('marks the canonical and gives copies their class and similarity', () => {
    const g = group();
    const canonical = memberView(g, g.members[0], '/w');
    assert.equal(canonical.description, 'canonical · 640×481 · 38 KB · 2 refs');
    assert.equal(canonical.contextValue, 'doublonCanonical');
    assert.equal(canonical.file, '/w/assets/shared/photos/eiffel-tower.jpg');
    const near = memberView(g, g.members[2], '/w');
    assert.equal(near.description, 'near · 99.9% · 320×241 · 8.2 KB · 1 ref');
    assert.equal(near.contextValue, 'doublonMember');
  });

  it('keeps groups current from deltas, and asks for a full fetch after a gap', () => {
    const store = new GroupStore();
    store.reset({ clock: 5, groups: [group('a', 10), group('b', 20)] });
    assert.deepEqual(
      store.list().map((g) => g.id),
      ['b', 'a'],
    );
    assert.equal(store.apply({ clock: 6, since: 5, changed: [group('c', 30)], removed: ['a'] }), true);
    assert.deepEqual(
      store.list().map((g) => g.id),
      ['c', 'b'],
    );
    assert.equal(store.apply({ clock: 6, since: 5, changed: [], removed: ['c'] }), true, 'an old delta is ignored');
    assert.equal(store.size, 2);
    assert.equal(store.apply({ clock: 9, since: 8, changed: [], removed: [] }), false, 'a gap needs a resync');
  });

  it('rewrites references keeping their style', () => {
    assert.equal(
      rewriteReference('img/tour-eiffel.jpg', 'news/index.html', 'news/img/tour-eiffel.jpg', 'assets/shared/photos/eiffel-tower.jpg'),
      '../assets/shared/photos/eiffel-tower.jpg',
    );
    assert.equal(rewriteReference('./img/a.png', 'index.html', 'img/a.png', 'assets/a.png'), './assets/a.png');
    assert.equal(rewriteReference('/img/a.png', 'news/index.html', 'public/img/a.png', 'public/assets/a.png'), '/assets/a.png');
    assert.equal(rewriteReference('/img/a.png', 'x.html', 'public/img/a.png', 'other/a.png'), undefined, 'outside the web root');
    assert.equal(rewriteReference('img/b.png', 'index.html', 'img/a.png', 'assets/a.png'), undefined, 'does not resolve to the copy');
    assert.equal(rewriteReference('https://cdn/x.png', 'index.html', 'img/a.png', 'assets/a.png'), undefined);
    assert.equal(referenceTokenAt('<img src="img/a.png?v=2">', 10), 'img/a.png');
  });

  it('plans a group replacement from referencedFrom, deleting only fully rewritten copies', () => {
    const lines: Record<string, string[]> = {
      'news/index.html': ['<html>', '<img src="img/tour-eiffel.jpg">', '<img src="elsewhere/eiffel-thumb.jpg">'],
    };
    const plan = replaceGroupEdits(group(), '/w', (source, line) => lines[source]?.[line]);
    assert.deepEqual(plan.edits, [
      { file: '/w/news/index.html', line: 1, start: 10, end: 29, newText: '../assets/shared/photos/eiffel-tower.jpg' },
    ]);
    assert.deepEqual(plan.deletions, ['/w/news/img/tour-eiffel.jpg']);
    assert.deepEqual(plan.skipped, [{ path: 'news/index.html', line: 2, character: 12 }]);
  });

  it("merges the daemon's replace-everywhere edits into one", () => {
    const range = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 3 } });
    const merged = mergeWorkspaceEdits([
      {
        documentChanges: [
          { textDocument: { uri: 'file:///w/a.html', version: 3 }, edits: [{ range: range(4), newText: 'x' }] },
          { kind: 'delete', uri: 'file:///w/c1.png' },
        ],
      },
      {
        documentChanges: [
          {
            textDocument: { uri: 'file:///w/a.html', version: 3 },
            edits: [
              { range: range(1), newText: 'y' },
              { range: range(4), newText: 'x' },
            ],
          },
          { kind: 'delete', uri: 'file:///w/c2.png' },
        ],
      },
      { changes: { 'file:///w/b.css': [{ range: range(0), newText: 'z' }] } },
    ]);
    assert.equal(merged.documentChanges.length, 4);
    const a = merged.documentChanges[0] as { edits: Array<{ newText: string }> };
    assert.deepEqual(
      a.edits.map((e) => e.newText),
      ['y', 'x'],
    );
    assert.deepEqual(countEdits(merged), { references: 3, deletions: ['file:///w/c1.png', 'file:///w/c2.png'] });
  });
});
