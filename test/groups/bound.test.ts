/**
 * The similarity graph's cost is linear: a family of 300 icons that all look alike (every icon a candidate
 * of every other) costs at most MAX_VERIFICATIONS verifications per icon, and the true copies among them
 * are still found.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { makePhoto } from '../fixtures/images';
import { DEFAULT_NEAR_THRESHOLDS, fingerprint, pixelDigest, sha256, VERIFICATION_RULES, type Fingerprint } from '../../daemon/hash';
import { MAX_VERIFICATIONS, SimilarityGraph } from '../../daemon/groups/similarity-graph';
import { rankCandidates } from '../../daemon/groups/candidate-ranking';

const FAMILY = 300;
const COPIES = 6;

/** Icon i of one family: the same grey badge, a white bar at its own angle and length. */
function familySvg(i: number): Buffer {
  const angle = (i * 360) / FAMILY;
  const length = 10 + (i % 7) * 2;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` +
      `<circle cx="32" cy="32" r="28" fill="#555"/>` +
      `<rect x="30" y="${32 - length}" width="4" height="${length}" fill="#fff" transform="rotate(${angle.toFixed(2)} 32 32)"/></svg>`,
  );
}

describe('similarity graph: bounded verification', function () {
  this.timeout(120_000);
  const contents: { sha: string; bytes: Buffer; fp: Fingerprint }[] = [];

  /** Pixel digests computed once per content, as the index caches them. */
  const digests = new Map<string, Promise<string>>();
  const digestOf = (sha: string): Promise<string> => {
    let d = digests.get(sha);
    if (!d) digests.set(sha, (d = pixelDigest(contents.find((c) => c.sha === sha)!.bytes)));
    return d;
  };

  before(async () => {
    const add = async (bytes: Buffer): Promise<void> => {
      contents.push({ sha: sha256(bytes), bytes, fp: await fingerprint(bytes) });
    };
    for (let i = 0; i < FAMILY; i++) await add(await sharp(familySvg(i)).png({ compressionLevel: 6 }).toBuffer());
    // True copies, added last (the family already in the graph): the same pixels, other PNG bytes.
    for (let c = 0; c < COPIES; c++)
      await add(
        await sharp(familySvg(c * 47))
          .png({ compressionLevel: 1 })
          .toBuffer(),
      );
  });

  it(`verifies at most ${MAX_VERIFICATIONS} candidates per icon of a 300-icon family and still pairs the copies`, async () => {
    const graph = new SimilarityGraph({ thresholds: DEFAULT_NEAR_THRESHOLDS, pixelDigest: digestOf });
    for (const c of contents) await graph.add(c.sha, c.fp);
    const stats = graph.stats;
    assert.equal(stats.added, FAMILY + COPIES);
    // The family is what the bound is for: each icon has far more candidates than it may verify.
    assert.ok(
      stats.candidates / stats.added > 4 * MAX_VERIFICATIONS,
      `only ${(stats.candidates / stats.added).toFixed(1)} candidates per icon: the family does not exercise the bound`,
    );
    assert.ok(stats.dropped > 0);
    assert.ok(stats.maxPerImage <= MAX_VERIFICATIONS, `${stats.maxPerImage} verifications for one icon`);
    assert.ok(stats.verified <= stats.added * MAX_VERIFICATIONS);
    for (let c = 0; c < COPIES; c++) {
      const original = contents[c * 47].sha;
      const copy = contents[FAMILY + c].sha;
      assert.equal(graph.pair(original, copy)?.class, 'pixel', `copy ${c} not paired with icon ${c * 47}`);
    }
  });

  it('a bound of 1 still finds the nearest candidate', async () => {
    const graph = new SimilarityGraph({ thresholds: DEFAULT_NEAR_THRESHOLDS, maxVerifications: 1, pixelDigest: digestOf });
    for (const c of contents) await graph.add(c.sha, c.fp);
    assert.equal(graph.stats.maxPerImage, 1);
    for (let c = 0; c < COPIES; c++) assert.ok(graph.pair(contents[c * 47].sha, contents[FAMILY + c].sha), `copy ${c} lost`);
  });
});

describe('similarity graph: verified-different pairs kept', function () {
  this.timeout(60_000);
  it('remembers a pair verified different, through a snapshot, and forgets it with the content', async () => {
    const a = await makePhoto(1, 160, 120);
    const b = await sharp(familySvg(150)).png().toBuffer();
    const options = { thresholds: DEFAULT_NEAR_THRESHOLDS, pixelDigest: async (): Promise<string | undefined> => undefined };
    const graph = new SimilarityGraph(options);
    await graph.add(sha256(a), await fingerprint(a));
    await graph.add(sha256(b), await fingerprint(b));
    assert.equal(await graph.verify(sha256(a), sha256(b)), undefined, 'a photo and an icon are different');
    assert.ok(graph.verifiedDifferent(sha256(a), sha256(b)));
    assert.ok(graph.verifiedDifferent(sha256(b), sha256(a)));
    const restored = SimilarityGraph.restore(graph.snapshot(), options)!;
    assert.ok(restored.verifiedDifferent(sha256(a), sha256(b)));
    restored.remove(sha256(b));
    await restored.add(sha256(b), await fingerprint(b));
    assert.equal(restored.verifiedDifferent(sha256(a), sha256(b)), false, 'a content removed and added again is compared again');
  });

  it('is not restored when it was saved under other verification rules: an upgrade verifies its pairs again', async () => {
    const a = await makePhoto(1, 160, 120);
    const options = { thresholds: DEFAULT_NEAR_THRESHOLDS, pixelDigest: async (): Promise<string | undefined> => undefined };
    const graph = new SimilarityGraph(options);
    await graph.add(sha256(a), await fingerprint(a));
    const snapshot = graph.snapshot();
    assert.ok(SimilarityGraph.restore(snapshot, options), 'the same rules');
    const older = { ...snapshot, settings: snapshot.settings.replace(`rules ${VERIFICATION_RULES} `, `rules ${VERIFICATION_RULES - 1} `) };
    assert.notEqual(older.settings, snapshot.settings);
    assert.equal(SimilarityGraph.restore(older, options), undefined, 'older rules');
  });
});

describe('candidate ranking', () => {
  it('takes the kinds of key in turn, each nearest first, each candidate once', () => {
    const order = rankCandidates([
      {
        kind: 'shape',
        hits: [
          { id: 1, distance: 2 },
          { id: 2, distance: 1 },
          { id: 3, distance: 3 },
        ],
      },
      {
        kind: 'hash',
        hits: [
          { id: 9, distance: 40 },
          { id: 3, distance: 20 },
        ],
      },
      { kind: 'hash', hits: [{ id: 9, distance: 10 }] },
      { kind: 'variant', hits: [{ id: 7, distance: 5 }] },
    ]);
    assert.deepEqual(order, [9, 2, 7, 3, 1]);
  });
});
