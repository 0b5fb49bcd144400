import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractReferences, forgetSites, languageOf, resolveReference, type ResolveOptions } from '../../daemon/refs';
import { EXAMPLE_SITES, type KnownReference } from './expected';
import { EXAMPLES, filesUnder } from './files';

/** The 0-based character of the nth occurrence of `text` in a line, found without the extractor. */
function characterOf(lineText: string, text: string, occurrence = 1): number {
  let at = -1;
  for (let k = 0; k < occurrence; k++) at = lineText.indexOf(text, at + 1);
  assert.ok(at >= 0, `"${text}" is not on the line "${lineText}"`);
  return at;
}

const key = (r: { file: string; line: number; character: number; kind: string; text: string; target: string }) =>
  `${r.file}:${r.line}:${r.character} ${r.kind} ${r.text} -> ${r.target}`;

describe('templates: every known reference of the example sites, at its exact range', () => {
  beforeEach(() => forgetSites());

  for (const site of EXAMPLE_SITES) {
    it(`${site.name}: all references found with exact ranges and targets, and the unresolved mentions`, () => {
      const root = path.join(EXAMPLES, site.name);
      const resolve: ResolveOptions = { roots: [root], webRoots: [] };
      const found: string[] = [];
      const mentions: string[] = [];
      for (const rel of filesUnder(root)) {
        const file = path.join(root, rel);
        if (!languageOf(file) || rel === 'doublon.config.json' || rel.endsWith('.config.js')) continue;
        const text = fs.readFileSync(file, 'utf8');
        const result = extractReferences(file, text, { resolve });
        assert.deepEqual(result.errors, [], rel);
        for (const r of result.references) {
          assert.equal(text.slice(r.start, r.end), r.text, `${rel}: offsets of ${r.text}`);
          const target = resolveReference(file, r.value, { ...resolve, kind: r.kind });
          assert.equal(r.range.end.line, r.range.start.line);
          assert.equal(r.range.end.character - r.range.start.character, r.text.length);
          found.push(
            key({
              file: rel,
              line: r.range.start.line + 1,
              character: r.range.start.character,
              kind: r.kind,
              text: r.text,
              target: target ? path.relative(root, target).split(path.sep).join('/') : '(none)',
            }),
          );
        }
        for (const m of result.mentions) mentions.push(`${rel}:${m.range.start.line + 1} ${m.pattern ?? '-'}`);
      }
      const expected = site.references.map((k: KnownReference) => {
        const lineText = fs.readFileSync(path.join(root, k.file), 'utf8').split('\n')[k.line - 1];
        return key({ ...k, character: characterOf(lineText, k.text, k.occurrence) });
      });
      assert.deepEqual(found.sort(), expected.sort());
      assert.deepEqual(mentions.sort(), site.mentions.map((m) => `${m.file}:${m.line} ${m.pattern ?? '-'}`).sort());
    });
  }
});
