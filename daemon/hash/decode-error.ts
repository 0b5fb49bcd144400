/** The error of an image that cannot be decoded (its own module: the SVG bounds and renderer throw it too). */
import type { ImageFormat } from './format';

export type DecodeProblem = 'empty' | 'unknown-format' | 'too-large' | 'truncated' | 'corrupt';

/** An image that cannot be decoded; `message` says why, plainly. */
export class ImageDecodeError extends Error {
  constructor(
    message: string,
    readonly problem: DecodeProblem = 'corrupt',
    readonly format?: ImageFormat,
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}
