/**
 * Verifying the next candidate while one runs (groups/lookahead.ts) makes the same graph as one verification
 * at a time: on a family of look-alike icons, with detail rasters that arrive after random delays (so that
 * verdicts come back out of order), the pairs and the pairs verified different are the same either way,
 * and two verifications did run at once, never more.
 */
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  DEFAULT_NEAR_THRESHOLDS,
  decodeDetail,
  fingerprint,
  pixelDigest,
  sha256,
  type DetailRaster,
  type Fingerprint,
} from '../../daemon/hash';
import { SimilarityGraph } from '../../daemon/groups/similarity-graph';
import { Lookahead } from '../../daemon/groups/lookahead';

const FAMILY = 60;

/** Icon i: one badge, a bar at its own angle, in one of three greys (colour variants are candidates too). */
function iconSvg(i: number, size = 64): string {
  const grey = ['#555', '#575757', '#335'][i % 3];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64">` +
    `<circle cx="32" cy="32" r="28" fill="${grey}"/>` +
    `<rect x="30" y="14" width="4" height="18" fill="#fff" transform="rotate(${((i * 360) / FAMILY).toFixed(2)} 32 32)"/></svg>`
  );
}

interface Content {
  sha: string;
  bytes: Buffer;
  fp: Fingerprint;
}

describe('similarity graph: verification ahead of its turn', function () {
  this.timeout(120_000);
  const contents: Content[] = [];
  const rasters = new Map<string, Promise<DetailRaster>>();

  before(async () => {
    const add = async (bytes: Buffer): Promise<void> => {
      contents.push({ sha: sha256(bytes), bytes, fp: await fingerprint(bytes) });
    };
    for (let i = 0; i < FAMILY; i++) {
      await add(
        await sharp(Buffer.from(iconSvg(i)))
          .png()
          .toBuffer(),
      );
      // Every fourth icon again at twice the size: a retina pair the graph must find.
      if (i % 4 === 0)
        await add(
          await sharp(Buffer.from(iconSvg(i, 128)))
            .png()
            .toBuffer(),
        );
    }
  });

  /**
   * A graph whose detail rasters arrive after a random delay of 0–3 ms; `inFlight` counts the verifications
   * waiting for theirs (each asks for both rasters of its pair at once).
   */
  function graphOf(verifyAhead: boolean, inFlight: { now: number; most: number }): SimilarityGraph {
    const bytesOf = (sha: string): Buffer => contents.find((c) => c.sha === sha)!.bytes;
    let seed = 7;
    const detail = async (sha: string): Promise<DetailRaster> => {
      let raster = rasters.get(sha);
      if (!raster) rasters.set(sha, (raster = decodeDetail(bytesOf(sha), 1e8)));
      inFlight.now++;
      inFlight.most = Math.max(inFlight.most, inFlight.now);
      seed = (seed * 1103515245 + 12345) % 2147483648;
      await new Promise((resolve) => setTimeout(resolve, seed % 4));
      inFlight.now--;
      return raster;
    };
    return new SimilarityGraph({
      thresholds: DEFAULT_NEAR_THRESHOLDS,
      pixelDigest: (sha) => pixelDigest(bytesOf(sha)),
      detail,
      verifyAhead,
    });
  }

  /** The graph's verdicts, by content: its pairs with their class and similarity, and its pairs verified different. */
  function verdicts(graph: SimilarityGraph): { pairs: string[]; different: string[] } {
    const pairs = [...graph.pairs()].map((p) => [p.a, p.b].sort().join(' ') + ` ${p.class} ${p.similarity}`).sort();
    const different: string[] = [];
    for (const x of contents)
      for (const y of contents) if (x.sha < y.sha && graph.verifiedDifferent(x.sha, y.sha)) different.push(`${x.sha} ${y.sha}`);
    return { pairs, different };
  }

  it('makes the same pairs and the same pairs verified different as one verification at a time', async () => {
    const alone = { now: 0, most: 0 };
    const one = graphOf(false, alone);
    for (const c of contents) await one.add(c.sha, c.fp);
    assert.equal(alone.most, 2, 'without lookahead one verification (two rasters) at a time');
    assert.equal(one.stats.wasted, 0);
    const overlapped = { now: 0, most: 0 };
    const ahead = graphOf(true, overlapped);
    for (const c of contents) await ahead.add(c.sha, c.fp);
    assert.equal(overlapped.most, 4, 'the next candidate was verified while one ran, and no third');

    const expected = verdicts(one);
    assert.ok(expected.pairs.length >= FAMILY / 4, `${expected.pairs.length} pairs: the retina copies are found`);
    assert.ok(expected.different.length > FAMILY, `${expected.different.length} pairs verified different: the family exercises the checks`);
    assert.deepEqual(verdicts(ahead), expected);
    assert.equal(ahead.stats.verified, one.stats.verified, 'the verifications counted are those taken');
  });
});

describe('lookahead', () => {
  it('hands over the verification started early, once, and settles the ones never taken', async () => {
    const ahead = new Lookahead<number>();
    let starts = 0;
    const start = (value: number) => () => {
      starts++;
      return Promise.resolve(value);
    };
    ahead.begin(1, start(10));
    ahead.begin(1, start(11));
    ahead.begin(3, start(30));
    assert.equal(starts, 1, 'one start per candidate, and one ahead at most while it runs');
    assert.equal(await ahead.take(1, start(12)), 10);
    assert.equal(await ahead.take(1, start(13)), 13, 'taken once: the next take starts anew');
    let failed = false;
    ahead.begin(2, () => Promise.reject(new Error('never taken')).finally(() => (failed = true)));
    assert.equal(ahead.untaken, 1);
    await ahead.settle();
    assert.ok(failed);
    assert.equal(ahead.untaken, 0);
  });
});
