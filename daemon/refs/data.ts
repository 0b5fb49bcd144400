import { visit as visitJson, printParseErrorCode, type JSONPath } from 'jsonc-parser';
import { parseAllDocuments, visit as visitYaml, type Scalar } from 'yaml';
import type { ExtractContext } from './types';
import { hasImageExtension } from './paths';

const ICON_LISTS = new Set(['icons', 'screenshots', 'shortcuts', 'images', 'favicons']);

function isManifestSrc(path: JSONPath): boolean {
  const last = path[path.length - 1];
  if (last !== 'src' && last !== 'url') return false;
  return path.slice(0, -1).some((k) => typeof k === 'string' && ICON_LISTS.has(k));
}

/**
 * JSON (and JSONC) at file offset `base`: `icons[].src` (and screenshots/shortcuts) of web app
 * manifests count whatever their extension; any other string value counts when it has an image
 * extension. Keys are never references.
 */
export function extractJsonText(ctx: ExtractContext, text: string, base: number): void {
  const errs: string[] = [];
  // A manifest's icons are not one variant set by position: a list may repeat one file under two names
  // (a duplicate). Icons at several sizes are variants by name and size (groups/variants.ts).
  visitJson(
    text,
    {
      onLiteralValue(value: unknown, offset, length, _l, _c, pathSupplier) {
        if (typeof value !== 'string' || text[offset] !== '"') return;
        const strong = isManifestSrc(pathSupplier());
        if (!strong && !hasImageExtension(value)) return;
        const end = text[offset + length - 1] === '"' && length > 1 ? offset + length - 1 : offset + length;
        ctx.candidates.push({ start: base + offset + 1, end: base + end, value, kind: 'manifest', strength: strong ? 'strong' : 'weak' });
      },
      onError(code, offset) {
        if (errs.length < 3) errs.push(`${printParseErrorCode(code)} at line ${ctx.line(base + offset)}`);
      },
    },
    { allowTrailingComma: true, disallowComments: false },
  );
  if (errs.length > 0) ctx.errors.push(`${ctx.filePath}: malformed JSON: ${errs.join('; ')} (references were still read)`);
}

/** YAML (all documents) at file offset `base`: string scalar values with an image extension; keys are not references. */
export function extractYamlText(ctx: ExtractContext, text: string, base: number): void {
  if (!/\.\w/.test(text)) return;
  const docs = parseAllDocuments(text, { keepSourceTokens: false, prettyErrors: false, uniqueKeys: false });
  for (const doc of docs) {
    for (const e of doc.errors.slice(0, 3)) {
      ctx.errors.push(
        `${ctx.filePath}:${ctx.line(base + e.pos[0])}: malformed YAML: ${e.message.split('\n')[0]} (references were still read)`,
      );
    }
    visitYaml(doc, {
      Scalar(key, node: Scalar) {
        if (key === 'key' || typeof node.value !== 'string' || !node.range) return;
        const [s, e] = node.range;
        let start = s;
        let end = e;
        if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
          start++;
          end = text[end - 1] === text[s] ? end - 1 : end;
        } else if (node.type !== 'PLAIN') return; // block scalars are prose
        if (!hasImageExtension(node.value)) return;
        ctx.candidates.push({ start: base + start, end: base + end, value: node.value, kind: 'manifest', strength: 'weak' });
      },
    });
  }
}
