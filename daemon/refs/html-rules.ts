/**
 * What the HTML reader knows of HTML: void elements, elements whose end tag may be left out, the rel and meta
 * names that point at images, and the attributes that hold or decide a reference. Shared by the reader
 * (html.ts) and, in the tests, by the former Parser-based reader kept as its oracle.
 */

export interface Attr {
  name: string;
  value: string; // character references decoded
  start: number; // local offset of the raw value
  end: number;
  quoted: boolean;
  line0: number; // local offset of the attribute name (for messages)
}

export const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
// Elements whose end tag may be omitted (HTML spec "optional tags"): not reported as unclosed.
export const OPTIONAL_END = new Set([
  'html',
  'head',
  'body',
  'p',
  'li',
  'dt',
  'dd',
  'option',
  'optgroup',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'colgroup',
  'caption',
  'rt',
  'rp',
]);
export const ICON_RELS = new Set([
  'icon',
  'shortcut',
  'apple-touch-icon',
  'apple-touch-icon-precomposed',
  'apple-touch-startup-image',
  'mask-icon',
  'image_src',
  'fluid-icon',
]);
export const META_IMAGE = new Set([
  'og:image',
  'og:image:url',
  'og:image:secure_url',
  'twitter:image',
  'twitter:image:src',
  'msapplication-tileimage',
  'msapplication-square70x70logo',
  'msapplication-square150x150logo',
  'msapplication-wide310x150logo',
  'msapplication-square310x310logo',
  'thumbnail',
  'image',
]);

// Attributes that can hold a reference, and those that decide what the others mean.
export const REF_ATTRS = new Set([
  'src',
  'srcset',
  'data-src',
  'data-srcset',
  'href',
  'xlink:href',
  'poster',
  'style',
  'content',
  'imagesrcset',
  'data',
  'background',
  'lowsrc',
]);
export const DECIDING_ATTRS = new Set(['rel', 'as', 'type', 'property', 'name', 'itemprop', 'lang']);
