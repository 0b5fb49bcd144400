/**
 * Group semantics (groups/build.ts): a group is a canonical and members verified directly against it. Real
 * SimilarityGraph objects (built from real fingerprints, or restored from a snapshot for the chain cases), real
 * pixel digests, the real CLI for undecodable files.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ScanReport } from '../../protocol/report';
import { CanonicalChooser } from '../../daemon/groups/canonical';
import { groupsFromGraph, type DuplicateGroup, type ImageEntry } from '../../daemon/groups/build';
import { SimilarityGraph, snapshotSettings, SNAPSHOT_VERSION, type GraphSnapshot } from '../../daemon/groups/similarity-graph';
import {
  compare,
  decodeDetail,
  DEFAULT_MAX_PIXELS,
  DEFAULT_NEAR_THRESHOLDS,
  fingerprint,
  pixelDigest,
  sha256,
  type Fingerprint,
} from '../../daemon/hash';
import { makeIcon, tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';

const T = DEFAULT_NEAR_THRESHOLDS;
const chooser = new CanonicalChooser(['highest-resolution', 'lossless', 'smallest-file', 'shortest-path'], () => 0);
const options = { thresholds: T, chooser, ignoredFile: (): boolean => false, distinctSets: [] };

function entry(name: string, sha: string, width: number, fp?: Fingerprint): ImageEntry {
  return {
    path: `/site/${name}`,
    relativePath: name,
    bytes: 1000,
    width,
    height: width,
    lossless: true,
    mtimeMs: 0,
    references: 0,
    sha256: sha,
    get fingerprint(): Fingerprint {
      if (!fp) throw new Error('not needed');
      return fp;
    },
  };
}

function groupOf(groups: DuplicateGroup[], name: string): DuplicateGroup | undefined {
  return groups.find((g) => g.members.some((m) => m.image.relativePath === name));
}

/** A graph of contents a, b, c (and more) with the given verified pairs and rejected pairs. */
function graphOf(contents: string[], pairs: Array<[string, string, number]>, rejected: Array<[string, string]>): SimilarityGraph {
  const at = (sha: string): number => contents.indexOf(sha);
  const snapshot: GraphSnapshot = {
    version: SNAPSHOT_VERSION,
    settings: snapshotSettings(T),
    nodes: contents.map((sha) => ({ sha256: sha, keys: new Uint8Array(32) })),
    pairs: pairs.map(([a, b, s]) => [at(a), at(b), 0, s]),
    rejected: rejected.map(([a, b]) => [at(a), at(b)]),
  };
  const graph = SimilarityGraph.restore(snapshot, { thresholds: T, pixelDigest: async () => undefined });
  assert.ok(graph, 'the snapshot applies');
  return graph;
}

describe('group semantics', function () {
  this.timeout(60_000);

  it('never shows A and C in one group when A ~ B ~ C and A, C were verified different', () => {
    // B is the canonical (highest resolution): A and C are each verified against it, but not against each other.
    const graph = graphOf(
      ['a', 'b', 'c'],
      [
        ['a', 'b', 0.95],
        ['b', 'c', 0.93],
      ],
      [['a', 'c']],
    );
    const groups = groupsFromGraph([entry('a.png', 'a', 100), entry('b.png', 'b', 200), entry('c.png', 'c', 50)], graph, options);
    for (const g of groups) {
      const names = g.members.map((m) => m.image.relativePath);
      assert.ok(!(names.includes('a.png') && names.includes('c.png')), names.join());
    }
    assert.deepEqual(
      groupOf(groups, 'b.png')!.members.map((m) => [m.image.relativePath, m.similarity]),
      [
        ['b.png', 1],
        ['a.png', 0.95],
      ],
    );
  });

  it('never joins a member through a third image: the similarity shown is its own pair with the canonical', () => {
    // A is the canonical; C is verified only against B.
    const graph = graphOf(
      ['a', 'b', 'c'],
      [
        ['a', 'b', 0.97],
        ['b', 'c', 0.91],
      ],
      [],
    );
    const groups = groupsFromGraph([entry('a.png', 'a', 400), entry('b.png', 'b', 200), entry('c.png', 'c', 100)], graph, options);
    const first = groupOf(groups, 'a.png')!;
    assert.deepEqual(
      first.members.map((m) => [m.image.relativePath, m.class, m.similarity]),
      [
        ['a.png', 'exact', 1],
        ['b.png', 'near', 0.97],
      ],
    );
    assert.equal(groupOf(groups, 'c.png'), undefined, 'C forms no group alone');
    // Told which pair to verify, so a second pass can take C in if it matches A directly.
    const asked: Array<[string, string]> = [];
    groupsFromGraph([entry('a.png', 'a', 400), entry('b.png', 'b', 200), entry('c.png', 'c', 100)], graph, {
      ...options,
      unverified: (x, y) => asked.push([x, y]),
    });
    assert.deepEqual(asked, [['a', 'c']]);
  });

  it('shows a pixel twin of the canonical as pixel inside a larger group, and each similarity as compare(canonical, member)', async () => {
    const big = await makeIcon(7, 128);
    const twin = await sharp(big).png({ compressionLevel: 0 }).toBuffer(); // other bytes, same pixels
    const small = await sharp(big).resize(64).png().toBuffer();
    const half = await sharp(big).resize(96).png().toBuffer();
    const files: Array<[string, Buffer]> = [
      ['icon.png', big],
      ['icon-copy.png', twin],
      ['icon-64.png', small],
      ['icon-96.png', half],
    ];
    assert.notEqual(sha256(big), sha256(twin));
    const bySha = new Map(files.map(([, bytes]) => [sha256(bytes), bytes]));
    const graph = new SimilarityGraph({
      thresholds: T,
      pixelDigest: async (sha) => pixelDigest(bySha.get(sha)!),
      detail: async (sha) => decodeDetail(bySha.get(sha)!, DEFAULT_MAX_PIXELS),
    });
    const entries: ImageEntry[] = [];
    for (const [name, bytes] of files) {
      const fp = await fingerprint(bytes);
      entries.push({ ...entry(name, sha256(bytes), fp.width, fp), bytes: bytes.length });
      await graph.add(sha256(bytes), fp);
    }
    const groups = groupsFromGraph(entries, graph, options);
    assert.equal(groups.length, 1, JSON.stringify(groups.map((g) => g.members.map((m) => m.image.relativePath))));
    const [group] = groups;
    const byName = new Map(group.members.map((m) => [m.image.relativePath, m]));
    assert.equal(byName.size, 4);
    const canonical = group.canonical;
    assert.ok(['icon.png', 'icon-copy.png'].includes(canonical.relativePath));
    const twinName = canonical.relativePath === 'icon.png' ? 'icon-copy.png' : 'icon.png';
    assert.equal(byName.get(twinName)!.class, 'pixel');
    for (const name of ['icon-64.png', 'icon-96.png']) {
      const member = byName.get(name)!;
      assert.equal(member.class, 'near');
      assert.equal(member.similarity, compare(canonical.fingerprint, member.image.fingerprint, T), name);
    }
  });

  it('groups byte-identical files that do not decode as exact, and still reports them', async () => {
    const dir = tempDir('doublon-stars-');
    try {
      const font =
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><defs><font id="f"><glyph unicode="a" d="M0 0L10 10"/></font></defs>\n';
      fs.mkdirSync(path.join(dir.path, 'fonts'));
      fs.writeFileSync(path.join(dir.path, 'fonts/icons.svg'), font);
      fs.writeFileSync(path.join(dir.path, 'icons-copy.svg'), font);
      fs.writeFileSync(path.join(dir.path, 'other.svg'), font.replace('"a"', '"b"'));
      const result = await runCli(dir.path, 'scan', '--json', '--no-daemon');
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as ScanReport;
      assert.deepEqual(report.errors.map((e) => e.path).sort(), ['fonts/icons.svg', 'icons-copy.svg', 'other.svg']);
      assert.equal(report.groups.length, 1);
      assert.equal(report.groups[0].class, 'exact');
      assert.deepEqual(report.groups[0].members.map((m) => m.path).sort(), ['fonts/icons.svg', 'icons-copy.svg']);
    } finally {
      dir.cleanup();
    }
  });
});
