/** What the editor features need from the daemon's live state; the service implements it. */
import type { ResolveOptions } from '../refs';
import type { ImageReference } from '../refstore/store';
import type { Membership } from '../server/group-state';

export type { Membership };

export interface LspHost {
  /** The group holding this image (absolute path) and its place in it, if any. */
  membership(imagePath: string): Membership | undefined;
  isImage(absolutePath: string): boolean;
  resolveOptions(): ResolveOptions;
  /** Every indexed reference to an image (positions as on disk). */
  referencesTo(imagePath: string): ImageReference[];
  /** Declares files distinct / never reported (writes the config). */
  ignore(paths: string[]): Promise<unknown>;
  /** Path relative to the first root, for messages. */
  display(absolutePath: string): string;
}
