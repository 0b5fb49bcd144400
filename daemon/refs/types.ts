/** Public types of the reference finder (DESIGN §6). */

export type SourceLanguage =
  'html' | 'css' | 'scss' | 'less' | 'js' | 'ts' | 'jsx' | 'tsx' | 'markdown' | 'vue' | 'svelte' | 'astro' | 'json' | 'yaml';

export type ReferenceKind =
  | 'src'
  | 'srcset'
  | 'href'
  | 'poster'
  | 'css-url'
  | 'image-set'
  | 'import'
  | 'require'
  | 'new-url'
  | 'string'
  | 'markdown-image'
  | 'markdown-definition'
  | 'meta'
  | 'manifest'
  /** A path a template hands to the generator's URL rules: after a site prefix (`{{ site.baseurl }}/…`,
   * `get_template_directory_uri() . '/…'`, `{{ directory }}/…`) or given to a URL filter or function
   * (`| relative_url`, `| url`, `relURL`, `get_theme_file_uri`). Served from the site's template mounts
   * (daemon/refs/sites.ts) whether or not it starts with "/". */
  | 'template-url'
  /** A path given to a generator's asset pipeline (Hugo `resources.Get`, Rails `image_tag`, Eleventy `{% image %}`): read from the site's asset folders. */
  | 'template-asset';

export interface Position {
  line: number;
  character: number;
}

export interface RawReference {
  /** The path text exactly as written in the source (before decoding), e.g. "../img/logo%20big.png?v=2#x". */
  text: string;
  /**
   * The same path after the host language's own unescaping (HTML character references, JS/CSS string
   * escapes), still percent-encoded. Equal to `text` in the usual case. Pass this to resolveReference.
   */
  value: string;
  /** UTF-16 offsets into the source string of exactly that text (so a rewrite replaces only the path). */
  start: number;
  end: number;
  /** 0-based line/character of start and end, LSP style. */
  range: { start: Position; end: Position };
  kind: ReferenceKind;
  /** References that belong together on purpose (the candidates of one srcset, the sources of one <picture>) share a variantGroup id, unique within the file. */
  variantGroup?: number;
  /**
   * The image is drawn at its own pixel size: a CSS background in a rule without background-size (a
   * sprite's offsets depend on it). Replacing it by an image of another size changes the page.
   */
  pixelSized?: true;
}

/**
 * A template expression that may name an image but cannot be resolved statically (`{{ post.image }}` in a
 * src, `"icons/" ~ name ~ ".svg"`, a path that matches no file). The replacement plan shows these, and an
 * image a mention may name (mentionMayName) is not deleted.
 */
export interface UnresolvedMention {
  /** The source text of the expression, or of the reference it sits in. */
  text: string;
  start: number;
  end: number;
  range: { start: Position; end: Position };
  /** What it may name as a path glob, `*` for each part known only at build time ("img/*.png", "*.svg"); absent when nothing of it is literal. */
  pattern?: string;
  /** Why it cannot be resolved. */
  reason: string;
}

export interface ExtractResult {
  references: RawReference[];
  errors: string[];
  mentions: UnresolvedMention[];
}

/** A reference resolved to the image it names, with the source file it sits in (what the reference index holds). */
export interface ImageReference extends RawReference {
  /** Absolute path of the source file. */
  source: string;
  /** Absolute path of the image it resolves to (which may not exist: a broken reference). */
  target: string;
}

export interface ResolveOptions {
  /** Absolute folders; a resolved path must lie inside one of them. */
  roots: string[];
  /** Absolute folders served at "/" (first one holding the file wins). */
  webRoots: string[];
  /** Bundler aliases: prefix ("@/", "~/") → absolute folder. Optional. */
  aliases?: Record<string, string>;
  /** File existence check (default: fs.statSync(...).isFile()). The daemon can pass its index. */
  exists?: (absPath: string) => boolean;
  /**
   * The reference kind, when known. Bare module specifiers of 'import'/'require' ("pkg/a.png") are
   * packages, not relative paths; 'string' and 'manifest' values fall back to the web roots when not
   * found beside the file (runtime strings are resolved against the page, not the script).
   */
  kind?: ReferenceKind;
  /**
   * Shared libraries (doublon.config.json `libraries`): a rewritten reference to an image of a library
   * outside the roots is the library's public URL; nothing in a library is ever written. Optional.
   */
  libraries?: ReadonlyArray<{ dir: string; url: string; insideRoots: boolean }>;
}

export interface ExtractOptions {
  /** Is this absolute path an (indexed) image? Decides bare string literals and extension-less paths. */
  isImage?: (absPath: string) => boolean;
  /** Used to check string-literal candidates that are root-relative or aliased. */
  resolve?: ResolveOptions;
}

/** A candidate found by a language extractor, before filtering and position mapping. */
export interface Candidate {
  start: number;
  end: number;
  /** Unescaped by the host language (HTML entities, JS escapes). */
  value: string;
  kind: ReferenceKind;
  /**
   * strong: the syntax says it is an image (img src, url() in background, markdown image);
   * weak: a path that counts if it has an image extension or the isImage predicate accepts it;
   * string: a bare string literal, counts only if it resolves to an existing image.
   */
  strength: 'strong' | 'weak' | 'string';
  variantGroup?: number;
  /** Read from a template expression: when it does not resolve to an image it is an unresolved mention, not dropped. */
  template?: boolean;
  pixelSized?: true;
}

/** State shared by nested extractors of one file (variant-group numbering, errors). */
export interface ExtractContext {
  filePath: string;
  candidates: Candidate[];
  errors: string[];
  nextGroup(): number;
  /** 1-based line of a file offset, for messages. */
  line(offset: number): number;
}
