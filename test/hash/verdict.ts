/** What each stage of verification says of two images' bytes: the thumbnail comparison, the detail check, and verifyPair. */
import {
  compare,
  decodeDetail,
  decodeExact,
  decodeFine,
  DEFAULT_MAX_PIXELS,
  DEFAULT_NEAR_THRESHOLDS,
  atOneSize,
  detailAgrees,
  fingerprint,
  verifyPair,
} from '../../daemon/hash';

export interface Verdict {
  cheap: number | undefined;
  detail: boolean;
  verified: number | undefined;
}

export async function verdict(a: Buffer, b: Buffer): Promise<Verdict> {
  const T = DEFAULT_NEAR_THRESHOLDS;
  const [fa, fb] = await Promise.all([fingerprint(a), fingerprint(b)]);
  const [ra, rb] = await Promise.all([decodeDetail(a, DEFAULT_MAX_PIXELS), decodeDetail(b, DEFAULT_MAX_PIXELS)]);
  const [ea, eb] = await Promise.all([decodeExact(a), decodeExact(b)]);
  return {
    cheap: compare(fa, fb, T),
    detail: detailAgrees(ra, rb, atOneSize(fa, fb, T), !fa.lossless || !fb.lossless),
    verified: await verifyPair(
      fa,
      fb,
      T,
      { detail: async () => ra, exact: async () => ea, fine: () => decodeFine(a, DEFAULT_MAX_PIXELS).catch(() => undefined) },
      { detail: async () => rb, exact: async () => eb, fine: () => decodeFine(b, DEFAULT_MAX_PIXELS).catch(() => undefined) },
    ),
  };
}
