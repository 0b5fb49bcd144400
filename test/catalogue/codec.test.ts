import { strict as assert } from 'node:assert';
import { decodeFingerprint, encodeFingerprint } from '../../daemon/catalogue/codec';
import { fingerprint } from '../../daemon/hash';
import { makePhoto } from '../fixtures/images';

describe('catalogue fingerprint codec', () => {
  it('round-trips a real fingerprint, byte fields given as Buffers (as the index returns them) or Uint8Arrays', async () => {
    const fp = await fingerprint(await makePhoto(5, 120, 90));
    const asBuffers = Object.fromEntries(
      Object.entries(fp).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v) : v]),
    ) as typeof fp;
    for (const input of [fp, asBuffers]) {
      const back = decodeFingerprint(encodeFingerprint(input));
      for (const [key, value] of Object.entries(fp)) {
        const got = (back as unknown as Record<string, unknown>)[key];
        if (value instanceof Uint8Array) {
          assert.ok(got instanceof Uint8Array, `${key} is bytes`);
          assert.deepEqual([...got], [...value], key);
        } else assert.deepEqual(got, value, key);
      }
    }
  });
});
