/**
 * The hashing library: format detection, exact (SHA-256), pixel (decoded RGBA) and perceptual (256-bit
 * PDQ-family DCT hash + thumbnail) fingerprints, candidate keys and verification. See each module.
 */
export { detectFormat, readHeader, FORMAT_NAMES, type ImageFormat, type HeaderInfo } from './format';
export {
  fingerprint,
  pixelDigest,
  decodeExact,
  localEditSize,
  MAX_LOCAL_EDIT_PIXELS,
  sha256,
  ImageDecodeError,
  DEFAULT_MAX_PIXELS,
  CROP_FRACTIONS,
  type Fingerprint,
  type ExactRaster,
  type DecodeOptions,
  type DecodeProblem,
} from './decode';
export { compare, similarity, isGraphic, nearThreshold } from './compare';
export { DEFAULT_NEAR_THRESHOLDS, type NearThresholds } from './thresholds';
export { candidateRadius, variantRadius, indexKeys, queryKeys, directQueryKeys, variantQueryKeys, shapeKey } from './candidate-keys';
export { hammingDistance } from './pdq';
export { detailDifference, sameDrawing, type DetailDifference } from './detail';
export { decodeDetail, decodeFine, DETAIL_MAX, FINE_MAX, type DetailRaster, type GreyRaster } from './detail-raster';
export { replacedTiles, MIN_REPLACED_TILES } from './replaced-content';
export {
  verifyPair,
  pixelsAgree,
  needsDetail,
  isLightScreen,
  atOneSize,
  detailAgrees,
  mayBePixelTwins,
  mayBeLocalEdit,
  oneJpegSetting,
  mayHaveReplacedContent,
  VERIFICATION_RULES,
  type PixelSource,
} from './verify';
export { localEdit, isLocalEdit, sourcesOf, type LocalEdit, type Sources } from './local-edit';
export { DEFAULT_MAX_SVG_BYTES, MAX_SVG_ELEMENTS, MAX_SVG_PATH_NUMBERS, measureSvg, type SvgCost } from './svg-bounds';
export { DEFAULT_SVG_TIMEOUT_MS } from './svg-render';
