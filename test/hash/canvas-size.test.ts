/**
 * How two images' sizes relate (hash/canvas-size.ts): a resample by one factor, rounded, against two captures
 * of one screen cropped a few pixels apart, which the local-edit check compares as captures.
 */
import * as assert from 'node:assert/strict';
import { mayBeResampled, recaptured } from '../../daemon/hash/canvas-size';

describe('the sizes of two images', () => {
  it('tells the sizes a resample gives from those of two captures', () => {
    // Resized by one side, the other side rounded: 99 % of 1 800×1 000, of 1 311×609, and their reverse.
    assert.ok(mayBeResampled({ width: 1800, height: 1000 }, { width: 1782, height: 990 }));
    assert.ok(mayBeResampled({ width: 1311, height: 609 }, { width: 1298, height: 603 }));
    assert.ok(mayBeResampled({ width: 1298, height: 603 }, { width: 1311, height: 609 }), 'either way round');
    assert.equal(mayBeResampled({ width: 1311, height: 609 }, { width: 1298, height: 601 }), false, 'two rows off');
    assert.ok(mayBeResampled({ width: 307, height: 255 }, { width: 304, height: 252 }), '99 %, each side rounded on its own');
    // Every resize by 98.5–101 % of every size from 300×200 to 2 000², rounded either way a tool may round.
    for (const factor of [0.985, 0.99, 0.995, 1.01])
      for (let width = 300; width <= 2000; width += 17)
        for (let height = 200; height <= 2000; height += 13) {
          const resized = Math.round(width * factor);
          const bySide = { width: resized, height: Math.round(height * factor) };
          const byWidth = { width: resized, height: Math.round((height * resized) / width) };
          const original = { width, height };
          assert.ok(mayBeResampled(original, bySide) && mayBeResampled(original, byWidth), `${width}×${height} at ${factor}`);
        }
    // The labelled captures of other states (linkerd/website, knative, opentelemetry.io, spinnaker.io).
    for (const [a, b] of [
      [
        [1919, 944],
        [1906, 940],
      ],
      [
        [1300, 556],
        [1300, 555],
      ],
      [
        [3444, 732],
        [3444, 724],
      ],
      [
        [1795, 1120],
        [1797, 1110],
      ],
      [
        [1906, 940],
        [1902, 939],
      ],
    ]) {
      const [sa, sb] = [a, b].map(([width, height]) => ({ width, height }));
      assert.equal(mayBeResampled(sa, sb), false, `${a.join('×')} and ${b.join('×')}`);
      assert.ok(recaptured(sa, sb));
    }
    assert.equal(recaptured({ width: 100, height: 100 }, { width: 100, height: 94 }), false, 'a crop of 6 % is a part, not a recapture');
    assert.ok(recaptured({ width: 100, height: 100 }, { width: 100, height: 96 }), 'one of 4 % is a recapture');
    assert.equal(recaptured({ width: 100, height: 100 }, { width: 100, height: 100 }), false, 'one size is not a recapture');
  });
});
