/**
 * The JSON schema of `doublon.config.json`, built from what the validator (validate.ts) accepts: the same
 * keys, enums, ranges and defaults, so editors complete and check the file as Doublon reads it. The shipped
 * copy is `schema/doublon.config.schema.json` (written by `npm run schema`); a test checks it is current and
 * that the schema and the validator agree on valid and invalid samples.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG, FAIL_ON_VALUES } from '../../protocol/settings';
import { CANONICAL_RULES, LIBRARY_URL_PATTERN, LIMITS } from './validate';
import { REPOSITORY_URL, TOOL_VERSION } from '../report/tool';

export const SCHEMA_FILE = 'schema/doublon.config.schema.json';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const nonEmptyString = { type: 'string', minLength: 1 };
const globs = (description: string, nonEmpty = false): Json => ({
  type: 'array',
  items: nonEmptyString,
  ...(nonEmpty ? { minItems: 1 } : {}),
  description,
});

export function configSchema(): Json {
  const d = DEFAULT_CONFIG;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${REPOSITORY_URL}/blob/v${TOOL_VERSION}/${SCHEMA_FILE}`,
    title: 'doublon.config.json',
    description: 'Configuration of Doublon, the finder of duplicate images. Every key is optional.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'The schema of this file (editors use it).' },
      roots: { ...(globs('Folders to scan, relative to this file.', true) as object), default: d.roots },
      include: { ...(globs('Globs of image files to index, relative to each root.', true) as object), default: d.include },
      exclude: { ...(globs('Globs never indexed, relative to each root.') as object), default: d.exclude },
      sources: {
        ...(globs('Globs of source files whose image references are read (HTML, CSS, JS/TS, Markdown, Vue…); `!glob` excludes.') as object),
        default: d.sources,
      },
      webRoots: {
        ...(globs('Folders served at `/` by the site, for root-relative references (`/img/a.png`).') as object),
        default: d.webRoots,
      },
      gitignore: {
        type: 'boolean',
        default: d.gitignore,
        description: 'Skip what git ignores (.gitignore files, .git/info/exclude, core.excludesFile).',
      },
      thresholds: {
        type: 'object',
        additionalProperties: false,
        properties: {
          nearSimilarity: {
            type: 'number',
            minimum: LIMITS.nearSimilarity.min,
            maximum: LIMITS.nearSimilarity.max,
            default: d.thresholds.nearSimilarity,
            description:
              'Minimal similarity of a near duplicate between graphics (icons, logos, screenshots); two photographs, scored on their own scale, are near from 0.03 below it.',
          },
        },
      },
      canonical: {
        type: 'object',
        additionalProperties: false,
        properties: {
          preferred: {
            ...(globs('Globs (relative to this file) of the preferred library: a match is chosen as the canonical first.') as object),
            default: d.canonical.preferred,
          },
          rules: {
            type: 'array',
            items: { enum: [...CANONICAL_RULES] },
            default: d.canonical.rules,
            description: 'The tie-break order after `preferred`.',
          },
        },
      },
      ignore: {
        type: 'array',
        default: d.ignore as Json,
        description: 'A glob of files never reported, or { "paths": [...] }: files declared distinct from each other.',
        items: {
          oneOf: [
            nonEmptyString,
            {
              type: 'object',
              additionalProperties: false,
              required: ['paths'],
              properties: { paths: { type: 'array', items: nonEmptyString, minItems: 1 } },
            },
          ],
        },
      },
      failOn: {
        type: 'array',
        items: { enum: [...FAIL_ON_VALUES] },
        default: d.failOn,
        description: 'What `doublon check` fails on: duplicate classes, and `unreadable` for images that cannot be decoded.',
      },
      maxPixels: {
        type: 'number',
        minimum: LIMITS.maxPixels.min,
        maximum: LIMITS.maxPixels.max,
        default: d.maxPixels,
        description: 'Images with more pixels are refused (decompression bombs).',
      },
      maxSvgBytes: {
        type: 'number',
        minimum: LIMITS.maxSvgBytes.min,
        maximum: LIMITS.maxSvgBytes.max,
        default: d.maxSvgBytes,
        description: 'SVG files larger than this are refused before they are parsed (bytes).',
      },
      indexDir: { ...nonEmptyString, default: d.indexDir, description: 'Where the index lives, relative to this file.' },
      libraries: {
        type: 'array',
        maxItems: LIMITS.libraries.maxItems,
        default: [],
        description:
          'Shared libraries of canonical assets: a copy of a library image in the site is a duplicate of it, and `replace` points the references at the library (relative inside the roots, its URL outside). A library is read, never written.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'url'],
          properties: {
            path: { ...nonEmptyString, description: "The library's folder, relative to this file (inside or outside the roots)." },
            url: {
              type: 'string',
              pattern: LIBRARY_URL_PATTERN,
              description: 'The public base URL the library is served from (`https://cdn.example.org/assets/` or `/assets/`).',
            },
          },
        },
      },
    },
  };
}

export function schemaText(): string {
  return JSON.stringify(configSchema(), null, 2) + '\n';
}

/** `node out/daemon/config/schema.js <package folder>`: writes the shipped copy (`npm run schema`). */
if (require.main === module) {
  const file = path.join(process.argv[2] ?? process.cwd(), SCHEMA_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, schemaText());
  console.log(`wrote ${file}`);
}
